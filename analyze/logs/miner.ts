/**
 * A Drain-style streaming template miner (He et al., "Drain: An Online Log Parsing Approach with
 * Fixed Depth Tree", ICWS 2017), with the limits and the add() contract of Drain3.
 *
 * Messages are masked (`mask.ts`), then routed by token count and by their first `depth - 2`
 * tokens to a leaf of a fixed-depth prefix tree; in the leaf the most similar cluster takes the
 * message if the share of equal tokens reaches `similarity`, and positions that differ become
 * `<*>`. An exact-match cache of masked messages skips the tree for repeats, which is most lines;
 * in front of it, a cache by digit shape (shape-cache.ts) skips masking too for messages that differ
 * from a cached one only in their digits: it returns what the exact-match cache would.
 *
 * `finish()` then merges clusters the streaming pass kept apart only because of its routing or
 * token counts (see `merge.ts`) and returns the final patterns. Pattern ids are a hash of the final
 * template, so the same input gives the same ids in every run and on every machine.
 */
import { createHash } from 'node:crypto';
import { ExitCode, ObsError } from '../../core/errors.js';
import { WILDCARD, hasDigit, maskMessage } from './mask.js';
import { ShapeCache } from './shape-cache.js';
import { settleClusters } from './merge.js';

export interface MinerConfig {
  /**
   * Depth of the prefix tree, counting the root and the token-count level, as in Drain: messages
   * are routed by their first `depth - 2` tokens. Minimum 3 (Drain3 enforces the same). Default 4.
   */
  depth?: number;
  /**
   * Share of a cluster's constant tokens a message must share to join it (0 < s <= 1). Positions
   * where both hold a masked value do not count. Default 0.5.
   */
  similarity?: number;
  /**
   * A position where messages of a cluster differ becomes a variable only once it has held this
   * many distinct words; until then each word is a constant of its own pattern (`SCREEN_ON` vs
   * `SCREEN_OFF`, `bytes` vs `values`), as in Brain's child-direction split. Minimum 2 (plain
   * Drain). Default 4.
   */
  variableAfter?: number;
  /** Children per tree node; tokens beyond that share a `<*>` branch. Minimum 2. Default 100. */
  maxChildren?: number;
  /**
   * Entries of the exact-match cache of masked messages, and of the cache by digit shape in front
   * of it (0 turns both off). Default 100000.
   */
  cacheSize?: number;
}

export const MINER_DEFAULTS: Required<MinerConfig> = {
  depth: 4,
  similarity: 0.5,
  variableAfter: 4,
  maxChildren: 100,
  cacheSize: 100_000,
};

/** What `add()` did, as Drain3 reports it. */
export type ChangeType = 'created' | 'changed' | 'none';

export interface AddResult {
  /** The streaming cluster that took the message. */
  clusterId: number;
  /** Resolves to the final pattern with `patternOf(ref)` after `finish()`. */
  ref: number;
  /** Id of the cluster's current template (it may still change while mining goes on). */
  patternId: string;
  template: string;
  change: ChangeType;
}

export interface MinedPattern {
  /** Stable id: a hash of the template. */
  id: string;
  template: string;
  /** Messages that matched. */
  count: number;
}

export interface Miner {
  readonly config: Readonly<Required<MinerConfig>>;
  add(content: string): AddResult;
  /** `add(content).ref` without building the result (for hot loops). */
  ref(content: string): number;
  /**
   * `ref()` for a caller that knows messages by digit shape (mask.ts `digitShape`), as the log
   * analysis does: `memo` is what the miner noted for an earlier message of this shape, and while
   * its caches still hold that, a message of the shape is counted without being masked again.
   * Start with `newShapeMemo()`; the miner updates it.
   */
  refByShape(content: string, memo: ShapeMemo): number;
  /**
   * The variants so far (a ref is an index), each as the masked tokens of its first message, with
   * `<*>` where its cluster has a true variable, and its count: what `absorb` takes into another
   * miner.
   */
  variants(): { tokens: string[]; count: number }[];
  /**
   * Counts `count` messages whose masked tokens are `tokens` (another miner's variant, of input
   * that comes after this miner's): mines them as one message, without masking. Returns the ref.
   */
  absorb(tokens: string[], count: number): number;
  /** Settles variables, merges clusters and returns the final patterns, most frequent first. */
  finish(): MinedPattern[];
  /** After `finish()`: the final pattern of a message, by the `ref` that `add()` returned. */
  patternOf(ref: number): MinedPattern;
  /** Streaming clusters so far. */
  readonly size: number;
}

/** Stable id of a template: 12 hex digits of its SHA-1. */
export function patternIdOf(template: string): string {
  return createHash('sha1').update(template).digest('hex').slice(0, 12);
}

/** Applies the defaults and checks the limits; throws `OBS_BAD_MINER_CONFIG`. */
export function validateMinerConfig(config: MinerConfig): Required<MinerConfig> {
  const c: Required<MinerConfig> = {
    depth: config.depth ?? MINER_DEFAULTS.depth,
    similarity: config.similarity ?? MINER_DEFAULTS.similarity,
    variableAfter: config.variableAfter ?? MINER_DEFAULTS.variableAfter,
    maxChildren: config.maxChildren ?? MINER_DEFAULTS.maxChildren,
    cacheSize: config.cacheSize ?? MINER_DEFAULTS.cacheSize,
  };
  const bad = (msg: string) =>
    new ObsError(`miner: ${msg}`, { code: 'OBS_BAD_MINER_CONFIG', exit: ExitCode.config });
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!int(c.depth, 3)) throw bad(`depth must be an integer >= 3, got ${c.depth}`);
  if (!(c.similarity > 0 && c.similarity <= 1)) {
    throw bad(`similarity must be in (0, 1], got ${c.similarity}`);
  }
  if (!int(c.variableAfter, 2)) {
    throw bad(`variableAfter must be an integer >= 2, got ${c.variableAfter}`);
  }
  if (!int(c.maxChildren, 2))
    throw bad(`maxChildren must be an integer >= 2, got ${c.maxChildren}`);
  if (!int(c.cacheSize, 0)) throw bad(`cacheSize must be an integer >= 0, got ${c.cacheSize}`);
  return c;
}

/** What the miner noted for the messages of one digit shape (see `Miner.refByShape`). */
export interface ShapeMemo {
  ref: number;
  /** The miner's cache generation it holds for; -1: none. */
  generation: number;
  /**
   * For a shape whose masked messages keep digits (`eth0`, `wl1:`): offsets of the message's
   * digits that may reach its masked tokens, and the ref by those digits (`keptDigits`).
   */
  kept?: number[];
  byKept?: Map<string, number>;
}

export const newShapeMemo = (): ShapeMemo => ({ ref: -1, generation: -1 });

/** Refs remembered per shape by their kept digits; a shape with more starts over. */
const KEPT_LIMIT = 4096;

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/**
 * Offsets in `content` of the digits of its tokens that appear whole in its masked `key`: masking
 * removes every other digit (mask.ts), so two messages of one digit shape that have the same
 * digits there mask alike. (A token that appears in `key` by chance only adds offsets.)
 */
function keptOffsets(content: string, key: string): number[] {
  const words = new Set(key.split(' ').filter(hasDigit));
  const offsets: number[] = [];
  let start = -1;
  for (let i = 0; i <= content.length; i++) {
    const c = i < content.length ? content.charCodeAt(i) : 32;
    if (!isSpace(c)) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const tok = content.slice(start, i);
    if (words.has(tok)) {
      for (let k = start; k < i; k++) {
        const d = content.charCodeAt(k);
        if (d >= 48 && d <= 57) offsets.push(k);
      }
    }
    start = -1;
  }
  return offsets;
}

/** The digits of `content` at `offsets`. */
function keptDigits(content: string, offsets: readonly number[]): string {
  let s = '';
  for (const o of offsets) s += content.charAt(o);
  return s;
}

/** A streaming cluster: Drain's log group. */
export interface Cluster {
  id: number;
  tokens: string[];
  /** `tokens` joined, kept current (add() returns it for every message). */
  template: string;
  count: number;
  patternId: string;
  /**
   * Positions Drain turned into `<*>`, with the distinct words seen there; `null` once there were
   * `variableAfter` of them (a true variable).
   */
  slots: Map<number, Set<string> | null>;
  variants: Map<string, Variant>;
}

/** Messages of a cluster with the same words at its not-yet-variable slots. */
export interface Variant {
  id: number;
  cluster: Cluster;
  /** The masked tokens of its first message. */
  tokens: string[];
  count: number;
}

/** `<*>` with only brackets or punctuation around it: `(<*>)`, `<*>,`. */
const PURE_VALUE = /^[([{<'"]*<\*>[)\]}>'",;:.]*$/;
const shape = (tok: string) => tok.replace(/[\w.*<>-]+/g, 'w');

/**
 * True when two tokens at one position differ the way values do: one of them is a masked value,
 * or both have the same punctuation shape and one holds a value (`rhost=<*>`, `rhost=host.name`).
 * Otherwise they are two words (or two shapes, `(uid=<*>)` and `LOGIN(uid=<*>)`) that may be
 * constants of different patterns.
 */
function valueDiff(a: string, b: string): boolean {
  if (PURE_VALUE.test(a) || PURE_VALUE.test(b)) return true;
  return (a.includes(WILDCARD) || b.includes(WILDCARD)) && shape(a) === shape(b);
}

interface TreeNode {
  children: Map<string, TreeNode>;
  clusters: Cluster[];
}

const newNode = (): TreeNode => ({ children: new Map(), clusters: [] });

export function createMiner(config: MinerConfig = {}): Miner {
  const cfg = validateMinerConfig(config);
  const prefixDepth = cfg.depth - 2;
  const byLength = new Map<number, TreeNode>();
  const clusters: Cluster[] = [];
  const variants: Variant[] = [];
  const cache = new Map<string, Variant>();
  /**
   * Digit shape of a message -> the entry of `cache` its masked key has, for keys without digits
   * (which are a function of the shape). Emptied whenever `cache` is, so a hit here is always a hit
   * there.
   */
  const byShape = new ShapeCache<Variant>(cfg.cacheSize);
  /** After a miss of `byShape.get(content)`: its shape is still loaded. */
  const remember = (content: string, key: string, v: Variant): void => {
    stable = !hasDigit(key);
    if (stable) byShape.set(content, v, 0, true);
    else cachedKey = key;
  };
  /** Counts the emptyings of `cache`: a memo of an older generation is void. */
  let generation = 0;
  /** Whether the last `mine()` gave what it gives any message of its digit shape, for now. */
  let stable = false;
  /**
   * The masked key of the last `mine()` when it is in `cache` but holds digits: then it gives
   * what it gives any message of its shape with the same kept digits (`keptOffsets`), for now.
   */
  let cachedKey: string | undefined;
  let final: { patterns: MinedPattern[]; byVariant: MinedPattern[] } | undefined;

  /** The leaf for a token sequence, created on the way (Drain's tree descent). */
  const leafFor = (tokens: string[]): TreeNode => {
    let node: TreeNode | undefined = byLength.get(tokens.length);
    if (node === undefined) {
      node = newNode();
      byLength.set(tokens.length, node);
    }
    // As in Drain3, the last token never routes: messages of 2 tokens meet on their first.
    const steps = Math.min(prefixDepth, tokens.length - 1);
    for (let i = 0; i < steps; i++) {
      // Tokens holding a value or a digit route to the shared `<*>` branch (as in Drain), as do
      // tokens past maxChildren.
      const tok = /[\d*]/.test(tokens[i]!) ? WILDCARD : tokens[i]!;
      let next: TreeNode | undefined = node.children.get(tok);
      if (next === undefined) {
        if (tok !== WILDCARD && node.children.size < cfg.maxChildren - 1) {
          next = newNode();
          node.children.set(tok, next);
        } else {
          next = node.children.get(WILDCARD);
          if (next === undefined) {
            next = newNode();
            node.children.set(WILDCARD, next);
          }
        }
      }
      node = next;
    }
    return node;
  };

  /**
   * Drain's similarity over constant positions: a position where both hold a masked value says
   * nothing and is left out; a slot (`<*>` made by merging) is a difference, as in Drain.
   */
  const similarity = (template: string[], tokens: string[]): [number, number] => {
    let same = 0;
    let counted = 0;
    let params = 0;
    for (let i = 0; i < template.length; i++) {
      const t = template[i]!;
      const s = tokens[i]!;
      if (t === WILDCARD) {
        params++;
        if (s === WILDCARD) continue;
      } else if (t === s) {
        if (t.includes(WILDCARD)) continue; // the same shape of a value (`<*>:`) says little
        same++;
      }
      counted++;
    }
    return [counted === 0 ? 1 : same / counted, params];
  };

  const variantOf = (cluster: Cluster, tokens: string[]): Variant => {
    let key = '';
    for (const [pos, words] of cluster.slots)
      if (words !== null) key += pos + '\u0001' + tokens[pos]! + '\u0002';
    let v = cluster.variants.get(key);
    if (v === undefined) {
      v = { id: variants.length, cluster, tokens, count: 0 };
      variants.push(v);
      cluster.variants.set(key, v);
    }
    return v;
  };

  const repeat = (hit: Variant): Variant => {
    hit.count++;
    hit.cluster.count++;
    lastChange = 'none';
    return hit;
  };

  /** What the last `mine()` did to its cluster. */
  let lastChange: ChangeType = 'none';

  /** Mines one message: the variant that took it (see `add`). */
  const mine = (content: string): Variant => {
    if (final !== undefined) throw new Error('miner: add() after finish()');
    stable = false;
    cachedKey = undefined;
    const known = cfg.cacheSize > 0 ? byShape.get(content) : undefined;
    if (known !== undefined) {
      stable = true;
      return repeat(known);
    }
    const tokens = maskMessage(content);
    const key = tokens.join(' ');
    const hit = cache.get(key);
    if (hit !== undefined) {
      remember(content, key, hit);
      return repeat(hit);
    }
    const variant = place(tokens, key);
    if (cfg.cacheSize > 0) remember(content, key, variant);
    return variant;
  };

  /** Mines masked `tokens` (joined: `key`) that are not in `cache`: Drain's tree descent. */
  const place = (tokens: string[], key: string): Variant => {
    const leaf = leafFor(tokens);
    let best: Cluster | undefined;
    let bestSim = -1;
    let bestParams = -1;
    for (const c of leaf.clusters) {
      const [sim, params] = similarity(c.tokens, tokens);
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    let change: ChangeType = 'none';
    let cluster: Cluster;
    if (best !== undefined && bestSim >= cfg.similarity) {
      cluster = best;
      for (let i = 0; i < tokens.length; i++) {
        const t = cluster.tokens[i]!;
        const s = tokens[i]!;
        if (t === s) continue;
        if (t !== WILDCARD) {
          cluster.tokens[i] = WILDCARD;
          change = 'changed';
          cluster.slots.set(i, valueDiff(t, s) ? null : new Set([t, s]));
        } else {
          const words = cluster.slots.get(i);
          if (words != null && !words.has(s)) {
            let value = false;
            for (const w of words) if (valueDiff(w, s)) value = true;
            if (value) cluster.slots.set(i, null);
            else {
              words.add(s);
              if (words.size >= cfg.variableAfter) cluster.slots.set(i, null);
            }
          }
        }
      }
      if (change === 'changed') {
        cluster.template = cluster.tokens.join(' ');
        cluster.patternId = patternIdOf(cluster.template);
      }
    } else {
      cluster = {
        id: clusters.length,
        tokens: tokens.slice(),
        count: 0,
        template: key,
        patternId: patternIdOf(key),
        slots: new Map(),
        variants: new Map(),
      };
      clusters.push(cluster);
      leaf.clusters.push(cluster);
      change = 'created';
    }
    cluster.count++;
    const variant = variantOf(cluster, tokens);
    variant.count++;
    if (cfg.cacheSize > 0) {
      if (cache.size >= cfg.cacheSize) {
        cache.clear();
        byShape.clear();
        generation++;
      }
      cache.set(key, variant);
    }
    lastChange = change;
    return variant;
  };

  /** Counts `count` messages masked as `tokens`, as another miner's variant (`Miner.absorb`). */
  const absorb = (tokens: string[], count: number): number => {
    if (final !== undefined) throw new Error('miner: absorb() after finish()');
    const key = tokens.join(' ');
    let v = cache.get(key);
    let more = count;
    if (v === undefined) {
      v = place(tokens, key);
      more--; // place() counted one
    }
    v.count += more;
    v.cluster.count += more;
    return v.id;
  };

  const add = (content: string): AddResult => {
    const v = mine(content);
    const c = v.cluster;
    return {
      clusterId: c.id,
      ref: v.id,
      patternId: c.patternId,
      template: c.template,
      change: lastChange,
    };
  };

  const finish = (): MinedPattern[] => {
    if (final !== undefined) return final.patterns;
    const groups = settleClusters(clusters, cfg.variableAfter);
    const byVariant: MinedPattern[] = new Array<MinedPattern>(variants.length);
    const byTemplate = new Map<string, MinedPattern>();
    for (const g of groups) {
      const template = g.tokens.join(' ');
      let p = byTemplate.get(template);
      if (p === undefined) {
        p = { id: patternIdOf(template), template, count: 0 };
        byTemplate.set(template, p);
      }
      for (const v of g.members) {
        p.count += v.count;
        byVariant[v.id] = p;
      }
    }
    const patterns = [...byTemplate.values()].sort(
      (a, b) => b.count - a.count || (a.id < b.id ? -1 : 1),
    );
    cache.clear();
    byShape.clear();
    generation++;
    final = { patterns, byVariant };
    return patterns;
  };

  return {
    config: cfg,
    add,
    ref: (content) => mine(content).id,
    refByShape(content, memo) {
      if (memo.generation === generation && final === undefined) {
        if (memo.kept === undefined) return repeat(variants[memo.ref]!).id;
        const ref = memo.byKept!.get(keptDigits(content, memo.kept));
        if (ref !== undefined) return repeat(variants[ref]!).id;
      }
      const v = mine(content);
      if (stable) {
        memo.ref = v.id;
        memo.generation = generation;
        memo.kept = memo.byKept = undefined;
      } else if (cachedKey !== undefined) {
        if (memo.generation !== generation || memo.kept === undefined) {
          memo.kept = keptOffsets(content, cachedKey);
          memo.byKept = new Map();
          memo.generation = generation;
        }
        if (memo.byKept!.size >= KEPT_LIMIT) memo.byKept!.clear();
        memo.byKept!.set(keptDigits(content, memo.kept), v.id);
      } else memo.generation = -1;
      return v.id;
    },
    finish,
    absorb,
    variants: () =>
      variants.map((v) => ({
        // Where the cluster has a true variable, its messages differ: they go on as one.
        tokens: v.tokens.map((t, i) => (v.cluster.slots.get(i) === null ? WILDCARD : t)),
        count: v.count,
      })),
    patternOf(ref: number): MinedPattern {
      const p = final?.byVariant[ref];
      if (p === undefined)
        throw new Error(`miner: no pattern for ref ${ref} (call finish() first)`);
      return p;
    },
    get size() {
      return clusters.length;
    },
  };
}
