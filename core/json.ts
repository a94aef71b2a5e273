/** Shapes of parsed JSON (and YAML, TOML) values, checked without a schema. */

/** A plain object: not null, not an array. Cheap enough for per-span hot paths. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
