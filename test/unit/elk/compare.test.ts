import { describe, expect, it } from 'vitest';
import { differences, flattenSettings } from '../../../elk/apply/compare.js';

describe('differences (what the server has vs what obs would put)', () => {
  it('ignores fields the server added and settings stored as nested strings', () => {
    const want = {
      template: { settings: { index: { number_of_shards: 1, 'lifecycle.name': 'p' } } },
      data_stream: {},
    };
    const have = {
      template: { settings: { index: { number_of_shards: '1', lifecycle: { name: 'p' } } } },
      data_stream: { hidden: false, allow_custom_routing: false },
      version: 3,
    };
    expect(differences(want, have)).toEqual([]);
  });

  it('names the fields that differ', () => {
    expect(differences({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 2, 3] } })).toEqual([
      'a.b',
      'a.c',
    ]);
    expect(differences({ a: 'x' }, {})).toEqual(['a']);
    expect(
      differences({ template: { settings: { index: { x: 'y' } } } }, { template: {} }),
    ).toEqual(['template.settings.index.x']);
  });

  it('compares array elements in place, so an added processor is a change', () => {
    expect(
      differences(
        { processors: [{ set: { field: 'a' } }] },
        { processors: [{ set: { field: 'a' } }] },
      ),
    ).toEqual([]);
    expect(
      differences(
        { processors: [{ set: { field: 'a' } }] },
        { processors: [{ set: { field: 'a' } }, { drop: {} }] },
      ),
    ).toEqual(['processors']);
  });

  it("reads Kibana's searchSourceJSON as JSON", () => {
    const want = {
      kibanaSavedObjectMeta: { searchSourceJSON: '{"query":{"query":"a","language":"kuery"}}' },
    };
    const have = {
      kibanaSavedObjectMeta: {
        searchSourceJSON: '{"highlightAll":true,"query":{"language":"kuery","query":"a"}}',
      },
    };
    expect(differences(want, have)).toEqual([]);
    expect(
      differences(want, { kibanaSavedObjectMeta: { searchSourceJSON: '{"query":{"query":"b"}}' } }),
    ).toEqual([
      'kibanaSavedObjectMeta.searchSourceJSON.query.query',
      'kibanaSavedObjectMeta.searchSourceJSON.query.language',
    ]);
  });

  it('flattens settings with and without the index prefix alike', () => {
    expect(flattenSettings({ number_of_replicas: 0, index: { lifecycle: { name: 'p' } } })).toEqual(
      {
        'index.number_of_replicas': '0',
        'index.lifecycle.name': 'p',
      },
    );
  });
});
