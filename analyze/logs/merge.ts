/**
 * The settling pass run once mining is done: turns streaming clusters into final groups.
 *
 * A cluster's slots that saw few distinct words are constants after all: its variants are split
 * by the words there. Groups whose templates end up equal are one pattern (the miner joins them by
 * template).
 */
import { WILDCARD } from './mask.js';
import type { Cluster, Variant } from './miner.js';

export interface VariantGroup {
  tokens: string[];
  members: Variant[];
}

export function mergeClusters(clusters: readonly Cluster[]): VariantGroup[] {
  const out: VariantGroup[] = [];
  for (const c of clusters) {
    const constant = [...c.slots].filter(([, words]) => words !== null).map(([pos]) => pos);
    const groups = new Map<string, VariantGroup>();
    for (const v of c.variants.values()) {
      const key = constant.map((p) => v.tokens[p]).join('\u0001');
      let g = groups.get(key);
      if (g === undefined) {
        const tokens = c.tokens.slice();
        for (const p of constant) tokens[p] = v.tokens[p] ?? WILDCARD;
        g = { tokens, members: [] };
        groups.set(key, g);
      }
      g.members.push(v);
    }
    out.push(...groups.values());
  }
  return out;
}
