/**
 * A log file's header, learned from its first lines, for both log readers (reader.ts for `obs
 * analyze logs`, traces/logs/read.ts for `--logs`): the first lines are held until there are
 * enough to learn the header from (`learnFileHeader`), then handled, in order, before the lines
 * after them, which are handled as they come. What handling a line means is each reader's own.
 */
import { MAX_JSON_LINE_BYTES, readLines } from '../../core/lines.js';
import { isShaped } from './header.js';
import type { HeaderParser, ShapedHeaderParser } from './header.js';
import { learnFileHeader } from './records.js';

/** Texts learned from, at most, per line of the sample (one line may hold many records: OTLP). */
const TEXTS_PER_LINE = 4;

export class HeaderSample {
  /** The lines held while the header is not known yet; undefined once it is. */
  private held: { line: string; no: number }[] | undefined = [];

  /**
   * `size`: the lines the header is learned from. The header learned goes to `ctx` (the reader's
   * parse context); `joiner.shaped` (stack-traces.ts) says whether it starts each record;
   * `learned` is told whether it is shaped (header.ts), as a reader that reads lines by their
   * shape needs to know. `handle`: a line, in order.
   */
  constructor(
    private readonly size: number,
    private readonly ctx: { header: HeaderParser },
    private readonly joiner: { shaped: boolean },
    private readonly handle: (line: string, no: number) => void,
    private readonly learned?: (shaped: ShapedHeaderParser | undefined) => void,
  ) {}

  /** The header is given (`--log-format`): nothing is learned or held, nothing else set. */
  given(): void {
    this.held = undefined;
  }

  /** Line `no` of the file: held while the header is learned, else handled. */
  take(line: string, no: number): void {
    const held = this.held;
    if (held === undefined) return this.handle(line, no);
    held.push({ line, no });
    if (held.length >= this.size) this.learn();
  }

  /** Learns the header from the lines held (fewer in a short file) and handles them, once. */
  learn(): void {
    const held = this.held;
    if (held === undefined) return;
    this.use(held.map((h) => h.line));
    for (const h of held) this.handle(h.line, h.no);
  }

  /**
   * For a later part of `file` (parts.ts): the header learned from the file's first lines, as for
   * the part that starts it. No line is held.
   */
  async learnFromStartOf(file: string): Promise<void> {
    if (this.held === undefined) return;
    const head: string[] = [];
    for await (const batch of readLines(file, { maxLineBytes: MAX_JSON_LINE_BYTES })) {
      head.push(...batch.lines.slice(0, this.size - head.length));
      if (head.length >= this.size) break;
    }
    this.use(head);
  }

  private use(sample: readonly string[]): void {
    this.held = undefined;
    const header = learnFileHeader(sample, this.size * TEXTS_PER_LINE);
    this.ctx.header = header;
    const shaped = isShaped(header) ? header : undefined;
    this.joiner.shaped = shaped !== undefined && header.perLine !== true;
    this.learned?.(shaped);
  }
}
