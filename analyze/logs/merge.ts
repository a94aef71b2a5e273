/**
 * The settling pass run once mining is done: turns streaming clusters into final groups.
 *
 * 1. Split: a cluster's slots that saw fewer than `variableAfter` distinct words are constants
 *    after all; its variants are split by the words there.
 * 2. Join: groups of one token count whose templates differ at a single position, where that
 *    position holds at least `variableAfter` distinct words across them, are one pattern with a
 *    variable there, if the rest of the template holds enough constants to tell it apart. This finds what Drain's prefix tree kept apart (a variable first token).
 *
 * Groups whose templates end up equal are one pattern (the miner joins them by template).
 */
import { WILDCARD } from './mask.js';
import type { Cluster, Variant } from './miner.js';

export interface VariantGroup {
  tokens: string[];
  members: Variant[];
}

export function settleClusters(
  clusters: readonly Cluster[],
  variableAfter: number,
): VariantGroup[] {
  return joinAcrossClusters(splitClusters(clusters), variableAfter);
}

function splitClusters(clusters: readonly Cluster[]): VariantGroup[] {
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

function joinAcrossClusters(groups: VariantGroup[], variableAfter: number): VariantGroup[] {
  const byLength = new Map<number, VariantGroup[]>();
  for (const g of groups) {
    const list = byLength.get(g.tokens.length);
    if (list === undefined) byLength.set(g.tokens.length, [g]);
    else list.push(g);
  }
  const out: VariantGroup[] = [];
  for (const [length, list] of byLength) {
    let live = list;
    for (let pass = 0; pass < 2; pass++) {
      let changed = false;
      for (let p = 0; p < length; p++) {
        const buckets = new Map<string, VariantGroup[]>();
        for (const g of live) {
          const key = g.tokens.map((t, i) => (i === p ? '' : t)).join('\u0001');
          const b = buckets.get(key);
          if (b === undefined) buckets.set(key, [g]);
          else b.push(g);
        }
        const next: VariantGroup[] = [];
        for (const b of buckets.values()) {
          const words = new Set(b.map((g) => g.tokens[p]));
          if (b.length < 2 || words.size < variableAfter || !enoughConstants(b[0]!.tokens, p)) {
            next.push(...b);
            continue;
          }
          const tokens = b[0]!.tokens.slice();
          tokens[p] = WILDCARD;
          next.push({ tokens, members: b.flatMap((g) => g.members) });
          changed = true;
        }
        live = next;
      }
      if (!changed) break;
    }
    out.push(...live);
  }
  return out;
}

/** A join needs the rest of the template to say something: 3+ constants, half of the tokens. */
function enoughConstants(tokens: string[], except: number): boolean {
  let n = 0;
  for (let i = 0; i < tokens.length; i++) if (i !== except && !tokens[i]!.includes(WILDCARD)) n++;
  return n >= 3 && n * 2 >= tokens.length;
}
