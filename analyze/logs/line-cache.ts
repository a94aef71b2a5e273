/**
 * Plain-text lines by their digit shape: a header parser in one state finds the parts of two lines
 * of one shape at the same offsets (its rules see digits as a class, header.ts), so it runs once
 * per shape and state, and lines of a known shape skip it (and the blank and binary checks, which
 * their shape passed, and the masking of their message, see `Miner.refByShape`). Most lines of a
 * log repeat a shape with other numbers.
 *
 * A file whose lines rarely repeat a shape (ids or words that vary) turns the cache off for a while:
 * then looking up costs more than it saves.
 */
import type { HeaderSpans, ShapedHeaderParser } from './header.js';
import { newTextShapeMemo } from './records.js';
import type { TextShapeMemo } from './records.js';
import { ShapeCache } from './shape-cache.js';

/**
 * What a line of one shape gives: its spans, the parser's state after it, and an id for the shape
 * (its message's shape, which the line's fixes, so mining can remember it: `Miner.refByShape`).
 */
export interface KnownLine {
  spans: HeaderSpans;
  after: number;
  id: number;
  /** What reading notes for the shape's lines (`textRecord`); absent for a shape not kept. */
  memo?: TextShapeMemo;
}

/** Numbers the shapes of the line caches of one analysis. */
export interface ShapeIds {
  next: number;
}

/** Shapes kept; real logs have hundreds to a few thousand. */
const LIMIT = 20_000;
/** Lookups per hit-rate check, the share of hits below which the cache rests, and for how long. */
const WINDOW = 1024;
const MIN_HITS = WINDOW / 4;
const REST = 16 * WINDOW;

export class LineCache {
  private readonly known = new ShapeCache<KnownLine>(LIMIT);
  /** The line whose lookup missed last, still loaded in `known`. */
  private missed: string | undefined;
  private lookups = 0;
  private hits = 0;
  private resting = 0;

  constructor(
    readonly parser: ShapedHeaderParser,
    private readonly ids: ShapeIds,
  ) {}

  /**
   * The spans of a line of a known shape, with the parser's state moved on as parsing it would;
   * undefined when the shape is new (then call `parse` if it is a plain-text line).
   */
  lookup(line: string): KnownLine | undefined {
    this.missed = undefined;
    if (this.resting > 0) {
      this.resting--;
      return undefined;
    }
    if (++this.lookups === WINDOW) {
      if (this.hits < MIN_HITS) this.resting = REST;
      this.lookups = this.hits = 0;
    }
    const state = this.parser.state();
    const k = this.known.get(line, state);
    if (k === undefined) {
      this.missed = line;
      return undefined;
    }
    this.hits++;
    if (k.after !== state) this.parser.setState(k.after);
    return k;
  }

  /** The spans of a plain-text line (not blank, binary, JSON or CRI), remembered for its shape. */
  parse(line: string): KnownLine {
    const before = this.parser.state();
    const spans = this.parser.spans(line);
    const k: KnownLine = { spans, after: this.parser.state(), id: -1 };
    if (line === this.missed) {
      k.id = this.ids.next++;
      k.memo = newTextShapeMemo();
      this.known.set(line, k, before, true);
    }
    this.missed = undefined;
    return k;
  }
}
