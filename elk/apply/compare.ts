/**
 * Is what the server has already what obs would put? Elasticsearch hands back a stored resource
 * with defaults filled in (an ILM phase's `min_age: "0ms"`, a data stream's `hidden: false`) and
 * settings as nested strings, so "equal" means: every field obs sets is there with the same value,
 * settings compared as flat dotted keys with string values. Extra fields the server added are fine;
 * arrays (processors, patterns) must match element by element, so an added processor is a change.
 */

import { isRecord } from '../../core/json.js';

/** `{index: {lifecycle: {name: "x"}}}` and `{"index.lifecycle.name": "x"}` both become the latter. */
export function flattenSettings(settings: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(settings)) return out;
  for (const [k, v] of Object.entries(settings)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (isRecord(v)) Object.assign(out, flattenSettings(v, key));
    else out[key] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  if (prefix === '') {
    // `number_of_shards` and `index.number_of_shards` are the same setting.
    for (const k of Object.keys(out)) {
      if (!k.startsWith('index.')) {
        out[`index.${k}`] = out[k]!;
        delete out[k];
      }
    }
  }
  return out;
}

function sameScalar(want: unknown, have: unknown): boolean {
  if (want === have) return true;
  // Elasticsearch returns some numbers and booleans as strings.
  const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
  return scalar(want) && scalar(have) && String(want) === String(have);
}

/** Dotted paths where `want` is not contained in `have`; empty when nothing would change. */
export function differences(want: unknown, have: unknown, path = ''): string[] {
  const at = (k: string | number) => (path === '' ? String(k) : `${path}.${k}`);
  if (path.endsWith('settings') && isRecord(want)) {
    const w = flattenSettings(want);
    const h = flattenSettings(have);
    return Object.keys(w)
      .filter((k) => w[k] !== h[k])
      .map((k) => at(k));
  }
  // Kibana keeps a search's source as JSON text, which it may re-serialize and extend.
  if (path.endsWith('searchSourceJSON') && typeof want === 'string' && typeof have === 'string') {
    try {
      return differences(JSON.parse(want), JSON.parse(have), path);
    } catch {
      return want === have ? [] : [path];
    }
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return [path || '.'];
    return want.flatMap((w, i) => differences(w, have[i], at(i)));
  }
  if (isRecord(want)) {
    if (!isRecord(have)) return [path || '.'];
    return Object.entries(want).flatMap(([k, w]) => differences(w, have[k], at(k)));
  }
  return sameScalar(want, have) ? [] : [path || '.'];
}
