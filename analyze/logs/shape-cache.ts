/**
 * A map keyed by the digit shape of a message (`digitShape` in mask.ts: every digit as `1`, but the
 * `0` of a `0x`), looked up without building the shape as a string: the message is encoded into a
 * scratch buffer (native), one pass over its bytes writes the shape in place and hashes it, and
 * the entry's stored shape is compared word for word, so a hash collision is never a hit.
 * A JavaScript loop over bytes costs a fraction of one over the characters of a sliced string.
 *
 * A `salt` (say, the state of whoever reads the messages) can be part of the key.
 *
 * Messages holding U+FFFD are not cached: a lone surrogate (possible in JSON input) encodes as one
 * too, so two different messages could share those bytes.
 */

interface Entry<V> {
  /** The shape's bytes as words, the last one padded with zero bytes. */
  shape: Uint32Array;
  /** Its length in bytes. */
  length: number;
  salt: number;
  value: V;
  next: Entry<V> | undefined;
}

const encoder = new TextEncoder();
/** A `0x` keeps its `0` in a shape: such messages take the byte-by-byte way. */
const HEX_PREFIX = /0[xX]/;
/** Whether a 32-bit word holds its first byte lowest (where `loadAscii` finds a `0x` itself). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Whether an ASCII word `v` holding an `x` or `X` has a `0` before one (the last byte of `prev`,
 * the word before it, for its first byte). Little-endian words.
 */
function hexPrefixIn(v: number, prev: number): boolean {
  for (let j = 0; j < 4; j++) {
    if ((((v >>> (8 * j)) & 0xff) | 0x20) !== 0x78) continue;
    const before = j === 0 ? prev >>> 24 : (v >>> (8 * (j - 1))) & 0xff;
    if (before === 0x30) return true;
  }
  return false;
}

export class ShapeCache<V> {
  private readonly table = new Map<number, Entry<V>>();
  private entries = 0;
  private scratch = new Uint8Array(1 << 14);
  /** `scratch` as 32-bit words, for lines of plain ASCII (most are). */
  private words = new Uint32Array(this.scratch.buffer);
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
    if (content.length * 3 + 4 > this.scratch.length) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; whole words, with room to pad the last.
      this.scratch = new Uint8Array((content.length * 3 + 7) & ~3);
      this.words = new Uint32Array(this.scratch.buffer);
    }
    const n = encoder.encodeInto(content, this.scratch).written;
    if ((LITTLE_ENDIAN || !HEX_PREFIX.test(content)) && this.loadAscii(n)) return;
    this.loadBytes(n);
  }

  /**
   * `load` four bytes at a time (bit tricks find the digits of a word), for a message of ASCII
   * characters without a `0x` (on a big-endian machine the caller rules that out); false (and
   * `scratch` partly written, which `loadBytes` can take) if it is not one.
   */
  private loadAscii(n: number): boolean {
    const b = this.scratch;
    const w = this.words;
    const count = (n + 3) >>> 2;
    for (let i = n; i < count * 4; i++) b[i] = 0;
    let h = 0x811c9dc5 ^ n;
    let prev = 0;
    for (let k = 0; k < count; k++) {
      const v = w[k]!;
      if ((v & 0x80808080) !== 0) return false;
      // A byte that is `x` or `X`: zero in `x` (bit tricks), then is there a `0` before it.
      const x = (v | 0x20202020) ^ 0x78787878;
      if (LITTLE_ENDIAN && ((x - 0x01010101) & ~x & 0x80808080) !== 0 && hexPrefixIn(v, prev)) {
        return false;
      }
      prev = v;
      // The top bit of each byte: set for bytes >= '0' (v + 0x50), cleared for bytes > '9'.
      const digits = (v + 0x50505050) & ~(v + 0x46464646) & 0x80808080;
      let m = v;
      if (digits !== 0) {
        const mask = (digits >>> 7) * 0xff;
        m = (v & ~mask) | (0x31313131 & mask);
        w[k] = m;
      }
      h = Math.imul(h ^ m, 0x01000193);
    }
    this.length = n;
    this.hash = h;
    this.cacheable = true;
    return true;
  }

  /** `load` byte by byte. */
  private loadBytes(n: number): void {
    const b = this.scratch;
    for (let i = n; i < ((n + 3) & ~3); i++) b[i] = 0;
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
    for (let e = this.table.get(this.key(salt)); e !== undefined; e = e.next) {
      if (e.salt === salt && e.length === this.length && this.same(e.shape)) return e;
    }
    return undefined;
  }

  /** Whether `shape` holds the words of the loaded shape (a JavaScript loop: no native call). */
  private same(shape: Uint32Array): boolean {
    const w = this.words;
    for (let k = 0; k < shape.length; k++) if (shape[k] !== w[k]) return false;
    return true;
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
    const shape = this.words.slice(0, (this.length + 3) >>> 2);
    const key = this.key(salt);
    this.table.set(key, { shape, length: this.length, salt, value, next: this.table.get(key) });
    this.entries++;
  }

  clear(): void {
    this.table.clear();
    this.entries = 0;
  }
}
