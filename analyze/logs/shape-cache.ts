/**
 * A map keyed by the digit shape of a message (`digitShape` in mask.ts: every digit as `1`, but the
 * `0` of a `0x`), looked up without building the shape as a string: the message is encoded into a
 * scratch buffer (native), one pass over its bytes writes the shape in place and hashes it, and
 * the entry's stored shape is compared byte for byte (native), so a hash collision is never a hit.
 * A JavaScript loop over bytes costs a fraction of one over the characters of a sliced string.
 *
 * A `salt` (say, the state of whoever reads the messages) can be part of the key.
 *
 * Messages holding U+FFFD are not cached: a lone surrogate (possible in JSON input) encodes as one
 * too, so two different messages could share those bytes.
 */

interface Entry<V> {
  shape: Uint8Array;
  salt: number;
  value: V;
  next: Entry<V> | undefined;
}

const encoder = new TextEncoder();

export class ShapeCache<V> {
  private readonly table = new Map<number, Entry<V>>();
  private entries = 0;
  private scratch = new Uint8Array(1 << 14);
  /** Bytes of the last message's shape in `scratch`, their hash, and whether it may be cached. */
  private length = 0;
  private hash = 0;
  private cacheable = false;

  /** Holds at most `limit` entries; adding one more empties it first. */
  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries;
  }

  /** Writes the shape of `content` (UTF-8) into `scratch` and hashes it (FNV-1a). */
  private load(content: string): void {
    if (content.length * 3 > this.scratch.length) {
      this.scratch = new Uint8Array(content.length * 3);
    }
    const b = this.scratch;
    const n = encoder.encodeInto(content, b).written;
    let h = 0x811c9dc5 ^ n;
    let cacheable = true;
    for (let i = 0; i < n; i++) {
      let c = b[i]!;
      if (c <= 57) {
        if (c >= 48 && !(c === 48 && ((b[i + 1] ?? 0) | 0x20) === 0x78)) {
          c = 49;
          b[i] = 49;
        }
      } else if (c === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd) cacheable = false;
      h = Math.imul(h ^ c, 0x01000193);
    }
    this.length = n;
    this.hash = h;
    this.cacheable = cacheable;
  }

  private key(salt: number): number {
    return Math.imul(this.hash ^ salt, 0x01000193);
  }

  private find(salt: number): Entry<V> | undefined {
    const shape = this.scratch.subarray(0, this.length);
    for (let e = this.table.get(this.key(salt)); e !== undefined; e = e.next) {
      if (e.salt === salt && Buffer.compare(e.shape, shape) === 0) return e;
    }
    return undefined;
  }

  /** The value stored for messages of the shape of `content` (and `salt`). */
  get(content: string, salt = 0): V | undefined {
    this.load(content);
    return this.cacheable ? this.find(salt)?.value : undefined;
  }

  /**
   * Stores `value` for the shape of `content` (and `salt`). `sameAsLast`: `content` is the message
   * of the last `get()`, whose shape is still in the scratch buffer.
   */
  set(content: string, value: V, salt = 0, sameAsLast = false): void {
    if (!sameAsLast) this.load(content);
    if (!this.cacheable || this.find(salt) !== undefined) return;
    if (this.entries >= this.limit) this.clear();
    const shape = this.scratch.slice(0, this.length);
    const key = this.key(salt);
    this.table.set(key, { shape, salt, value, next: this.table.get(key) });
    this.entries++;
  }

  clear(): void {
    this.table.clear();
    this.entries = 0;
  }
}
