/**
 * The counters of the profile's call structure (how each parent node uses each child node) while
 * traces stream past: one open-addressing table over typed arrays, keyed by the two nodes' ids.
 * A Map of Maps of small objects costs a cache miss or two per child span on inputs with many
 * distinct edges; this costs about one. `drain` hands the counters on as the profile's
 * `ChildStats`, in the order the edges were first seen (the order the Maps would have).
 */

/** Counter columns per edge, in `ChildStats` order. */
const PRESENT = 0;
const LAST = 1;
const CALLS = 2;
const LAST_PARENT_SPANS = 3;
const CHILD_SPANS = 4;
const COLS = 5;

export interface EdgeCounters {
  present: number;
  last: number;
  calls: number;
  lastParentSpans: number;
  childSpans: number;
}

export class StructureEdges {
  private slots = new Int32Array(1024).fill(-1);
  private parents = new Int32Array(256);
  private childs = new Int32Array(256);
  private counts = new Float64Array(256 * COLS);
  private size = 0;

  /** The edge from node `p` to node `c` (ids >= 0), created with zero counters when new. */
  edge(p: number, c: number): number {
    const mask = this.slots.length - 1;
    let h = (Math.imul(p, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b)) & mask;
    for (;;) {
      const e = this.slots[h]!;
      if (e < 0) break;
      if (this.parents[e] === p && this.childs[e] === c) return e;
      h = (h + 1) & mask;
    }
    const e = this.size++;
    if (e === this.parents.length) this.growEdges();
    this.parents[e] = p;
    this.childs[e] = c;
    this.slots[h] = e;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return e;
  }

  /** A child span of this edge, with its subtree size. */
  call(e: number, childSpans: number): void {
    const o = e * COLS;
    this.counts[o + CALLS]!++;
    this.counts[o + CHILD_SPANS]! += childSpans;
  }

  /** A parent span that has at least one child on this edge. */
  present(e: number): void {
    this.counts[e * COLS + PRESENT]!++;
  }

  /** A parent span (of `parentSpans` subtree spans) whose last child to finish is on this edge. */
  last(e: number, parentSpans: number): void {
    const o = e * COLS;
    this.counts[o + LAST]!++;
    this.counts[o + LAST_PARENT_SPANS]! += parentSpans;
  }

  /** Hands every edge on, oldest first, and starts empty. */
  drain(to: (parent: number, child: number, c: EdgeCounters) => void): void {
    const k = this.counts;
    for (let e = 0; e < this.size; e++) {
      const o = e * COLS;
      to(this.parents[e]!, this.childs[e]!, {
        present: k[o + PRESENT]!,
        last: k[o + LAST]!,
        calls: k[o + CALLS]!,
        lastParentSpans: k[o + LAST_PARENT_SPANS]!,
        childSpans: k[o + CHILD_SPANS]!,
      });
    }
    this.size = 0;
    this.slots.fill(-1);
    this.counts.fill(0);
  }

  private growEdges(): void {
    const n = this.parents.length * 2;
    const grow = <T extends Int32Array | Float64Array>(
      a: T,
      len: number,
      make: (n: number) => T,
    ) => {
      const b = make(len);
      b.set(a);
      return b;
    };
    this.parents = grow(this.parents, n, (m) => new Int32Array(m));
    this.childs = grow(this.childs, n, (m) => new Int32Array(m));
    this.counts = grow(this.counts, n * COLS, (m) => new Float64Array(m));
  }

  private rehash(cap: number): void {
    const slots = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    for (let e = 0; e < this.size; e++) {
      let h =
        (Math.imul(this.parents[e]!, 0x9e3779b1) ^ Math.imul(this.childs[e]!, 0x85ebca6b)) & mask;
      while (slots[h]! >= 0) h = (h + 1) & mask;
      slots[h] = e;
    }
    this.slots = slots;
  }
}
