/**
 * A rescan's maxPublishGap, now read from the beat schedule, against the one in obs.yaml.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { mergeRescan } from '../../../model/merge.js';
import { SystemModel } from '../../../model/schema.js';

const model = (maxPublishGap: string) =>
  SystemModel.parse({
    apiVersion: 'obs/v1',
    name: 'shop',
    services: [
      { name: 'beat', language: 'python', servesHttp: false, scheduler: true, maxPublishGap },
    ],
  });
const gapOf = (m: SystemModel) => m.services[0]!.maxPublishGap;

describe('mergeRescan and maxPublishGap', () => {
  // The scan that wrote obs.yaml said 1h (the default); the new one reads 12h from the schedule.
  const base = model('1h');
  const fresh = model('12h');

  it('a gap left as the scanner wrote it takes the new scan', () => {
    const r = mergeRescan(stringify(base), 'obs.yaml', fresh, base);
    expect(gapOf(r.model)).toBe('12h');
    expect(r.report.updated).toEqual(['services.beat.maxPublishGap']);
  });

  it('a gap the user edited is kept, whatever the schedule now says', () => {
    const edited = stringify(base).replace('maxPublishGap: 1h', 'maxPublishGap: 25h # nightly');
    const r = mergeRescan(edited, 'obs.yaml', fresh, base);
    expect(gapOf(r.model)).toBe('25h');
    expect(r.text).toContain('maxPublishGap: 25h # nightly');
    expect(r.report.keptEdits).toEqual(['services.beat.maxPublishGap']);
    // Without the scan that wrote it (a hand-written obs.yaml), the user's value wins too.
    expect(gapOf(mergeRescan(edited, 'obs.yaml', fresh, undefined).model)).toBe('25h');
  });
});
