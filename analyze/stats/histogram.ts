/**
 * A latency histogram with logarithmic buckets (after DDSketch): every quantile is within 1% of
 * the true value, memory is a few hundred counters whatever the number of samples, and two
 * histograms can be compared bucket by bucket (exceedance counts, shifts) or merged.
 */

/** Relative accuracy of quantiles: 1%. */
const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** Values at or below this (ms) share the zero bucket: 1 µs. */
const MIN_VALUE = 1e-3;

/** Bucket index of a value; the zero bucket is -Infinity's stand-in, `ZERO`. */
const ZERO = -100_000;

export function bucketOf(v: number): number {
  return v <= MIN_VALUE ? ZERO : Math.ceil(Math.log(v) / LOG_GAMMA);
}

/** The value a bucket stands for (the midpoint that keeps the relative error within ALPHA). */
function valueOf(b: number): number {
  return b === ZERO ? 0 : (2 * Math.pow(GAMMA, b)) / (1 + GAMMA);
}

export class Histogram {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private zeros = 0;
  private offset = 0;
  private counts = new Uint32Array(0);

  add(v: number): void {
    this.addIn(v, bucketOf(v));
  }

  /**
   * Adds `v` whose bucket `b = bucketOf(v)` the caller already has: one value often goes into
   * several histograms, and the logarithm is most of the cost of adding.
   */
  addIn(v: number, b: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (b === ZERO) {
      this.zeros++;
      return;
    }
    const i = b - this.offset;
    if (i >= 0 && i < this.counts.length) {
      this.counts[i]!++;
      return;
    }
    this.ensure(b);
    this.counts[b - this.offset]!++;
  }

  private ensure(b: number): void {
    const len = this.counts.length;
    if (len === 0) {
      // Room for a factor of ~10 each way (1% buckets) before the first growth.
      this.offset = b - 120;
      this.counts = new Uint32Array(240);
      return;
    }
    if (b >= this.offset && b < this.offset + len) return;
    const lo0 = Math.min(this.offset, b);
    const hi0 = Math.max(this.offset + len, b + 1);
    const size = Math.max(hi0 - lo0, len * 2);
    // The room gained goes to the side that grew, where the next values are likely to fall: left
    // on the other side, values creeping downwards would double the array again and again.
    const lo = b < this.offset ? hi0 - size : lo0;
    const grown = new Uint32Array(size);
    grown.set(this.counts, this.offset - lo);
    this.offset = lo;
    this.counts = grown;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** The q-quantile (0..1), within 1%; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    if (q >= 1) return this.max;
    if (q <= 0) return this.min;
    const rank = q * (this.count - 1);
    let seen = this.zeros;
    if (rank < seen) return 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (rank < seen) return Math.min(this.max, Math.max(this.min, valueOf(i + this.offset)));
    }
    return this.max;
  }

  /** Samples in buckets above the bucket of `v` (values clearly greater than `v`). */
  countAbove(v: number): number {
    const b = bucketOf(v);
    let n = 0;
    for (let i = this.counts.length - 1; i >= 0 && i + this.offset > b; i--) n += this.counts[i]!;
    return n;
  }

  /**
   * Drops the empty buckets at both ends (growth leaves room there): less to copy when the
   * histogram travels between threads. Counts and results stay the same.
   */
  trim(): void {
    const c = this.counts;
    let lo = 0;
    let hi = c.length;
    while (lo < hi && c[lo] === 0) lo++;
    while (hi > lo && c[hi - 1] === 0) hi--;
    if (lo === 0 && hi === c.length) return;
    this.counts = c.slice(lo, hi);
    this.offset += lo;
  }

  /** The samples as [value, count] per non-empty bucket, smallest first (for rank tests). */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    if (this.zeros > 0) out.push([0, this.zeros]);
    for (let i = 0; i < this.counts.length; i++) {
      const n = this.counts[i]!;
      if (n > 0) out.push([valueOf(i + this.offset), n]);
    }
    return out;
  }

  /** A histogram back from plain data (after structured clone between threads). */
  static revive(data: unknown): Histogram {
    return Object.assign(new Histogram(), data);
  }

  merge(o: Histogram): void {
    if (o.count === 0) return;
    this.count += o.count;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    this.zeros += o.zeros;
    if (o.counts.length === 0) return;
    this.ensure(o.offset);
    this.ensure(o.offset + o.counts.length - 1);
    for (let i = 0; i < o.counts.length; i++)
      this.counts[i + o.offset - this.offset]! += o.counts[i]!;
  }
}
