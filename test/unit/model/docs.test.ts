// docs/MODEL.md documents every field of obs.yaml with its default: checked against the schema.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelJsonSchema } from '../../../init/model-source.js';

interface Node {
  type?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  items?: Node;
}

function fields(node: Node, prefix = ''): { path: string; default: unknown }[] {
  const out: { path: string; default: unknown }[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix + key;
    out.push({ path, default: child.default });
    if (child.properties) out.push(...fields(child, `${path}.`));
    if (child.items?.properties) out.push(...fields(child.items, `${path}[].`));
  }
  return out;
}

const doc = readFileSync('docs/MODEL.md', 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]),
);
const all = fields(JSON.parse(modelJsonSchema()) as Node);

describe('docs/MODEL.md', () => {
  it('has a row for every obs.yaml field', () => {
    expect(all.length).toBeGreaterThan(40);
    expect(all.map((f) => f.path).filter((p) => !rows.has(p))).toEqual([]);
  });

  it('states each scalar default as the schema applies it', () => {
    for (const f of all) {
      const d = f.default;
      if (typeof d !== 'string' && typeof d !== 'number' && typeof d !== 'boolean') continue;
      expect(rows.get(f.path), f.path).toContain(`\`${String(d)}\``);
    }
  });
});
