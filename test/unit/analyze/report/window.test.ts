import { describe, expect, it } from 'vitest';
import { windowText } from '../../../../analyze/report/sections.js';

describe('the input window in the reports', () => {
  it('gives the end its time only on the same day, its date too on another', () => {
    expect(windowText('2026-11-28T16:08:11.715Z', '2026-11-28T16:11:00.200Z')).toBe(
      '2026-11-28 16:08:11 to 16:11:00 UTC',
    );
    // Three days, not 19 seconds.
    expect(windowText('2025-11-24T16:00:00.000Z', '2025-11-27T16:00:19.000Z')).toBe(
      '2025-11-24 16:00:00 to 2025-11-27 16:00:19 UTC',
    );
  });
});
