import { describe, expect, it } from 'vitest';
import { ExitCode, ObsError } from '../../../core/errors.js';

describe('ObsError.located', () => {
  it('puts file and line before the message, and names stdin (`-`) as such', () => {
    const at = (file?: string, line?: number) =>
      new ObsError('bad', { code: 'X', exit: ExitCode.dataError, file, line }).located;
    expect(at()).toBe('bad');
    expect(at('a.jsonl')).toBe('a.jsonl: bad');
    expect(at('a.jsonl', 3)).toBe('a.jsonl:3: bad');
    expect(at('-', 3)).toBe('stdin:3: bad');
  });
});
