/**
 * Turns a trace file into JSON texts small enough to parse one at a time, so that memory is
 * bounded by the largest item rather than by the file:
 *
 * - JSON lines (one document per line, e.g. the Collector's file exporter): each line is an item.
 * - One document, pretty-printed over many lines (a Jaeger UI export, an OTLP request, a Zipkin
 *   array): the elements of its span-holding array (`resourceSpans`, Jaeger's `data`, or the
 *   top-level Zipkin array) are cut out one by one and wrapped back into a document of their own.
 *
 * Which of the two a file is, is decided from its first lines, never from its name.
 */
import type { LineBatch } from '../../../core/lines.js';

/** How an item's text is wrapped back into a document before converting. */
export type ItemWrap = 'none' | 'resourceSpans' | 'data' | 'array';

export interface JsonItem {
  /** 1-based line where the item starts. */
  line: number;
  text: string;
  wrap: ItemWrap;
}

/** Parses an item into the document it stands for. Throws SyntaxError on bad JSON. */
export function parseItem(item: JsonItem): unknown {
  const v: unknown = JSON.parse(item.text);
  switch (item.wrap) {
    case 'none':
      return v;
    case 'resourceSpans':
      return { resourceSpans: [v] };
    case 'data':
      return { data: [v] };
    case 'array':
      return [v];
  }
}

const CONTAINER_KEYS: Record<string, ItemWrap> = { resourceSpans: 'resourceSpans', data: 'data' };

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJ = 123;
const CLOSE_OBJ = 125;
const OPEN_ARR = 91;
const CLOSE_ARR = 93;
const COMMA = 44;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Cuts the elements of the span-holding array out of one JSON document fed line by line. It
 * tracks only nesting and strings; the elements themselves are checked by JSON.parse later.
 */
export class DocumentSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private lastString = '';
  private stringStart = -1;
  /**
   * Depth of the container array's elements; -1 before it is found, -2 after it closed (until
   * the document ends: another may follow, as `jq .` writes a file of JSON lines).
   */
  private elementDepth = -1;
  private found = false;
  private wrap: ItemWrap = 'array';
  private elementParts: string[] | undefined;
  private elementLine = 0;
  private elementFrom = 0;
  /** Lines kept while no span-holding array was seen: a single-trace document is parsed whole. */
  private whole: string[] | undefined = [];
  private wholeLine = 0;
  /** Elements of the span-holding array that are no object (`42`, `null`, `"x"`): skipped. */
  scalars = 0;
  /** The line of the first of them. */
  firstScalarLine = 0;
  private inScalar = false;

  /** True once a span-holding array was found (in any document of the file). */
  get foundContainer(): boolean {
    return this.found;
  }

  /** Feeds one line; returns the elements that ended on it. */
  feed(line: string, lineNo: number, out: JsonItem[]): void {
    this.elementFrom = 0;
    if (this.whole !== undefined && (this.whole.length > 0 || line.trim().length > 0)) {
      if (this.whole.length === 0) this.wholeLine = lineNo;
      this.whole.push(line);
    }
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.stringStart >= 0) this.lastString = line.slice(this.stringStart, i);
        }
        continue;
      }
      if (this.elementParts === undefined && this.depth === this.elementDepth) {
        // Between the elements of the span-holding array: a value that is no object is counted.
        if (c === COMMA) this.inScalar = false;
        else if (
          !this.inScalar &&
          !isSpace(c) &&
          c !== OPEN_OBJ &&
          c !== OPEN_ARR &&
          c !== CLOSE_ARR
        ) {
          this.inScalar = true;
          if (this.scalars++ === 0) this.firstScalarLine = lineNo;
        }
      }
      if (c === QUOTE) {
        this.inString = true;
        // Only keys outside elements matter; elements are left to JSON.parse.
        this.stringStart = this.elementParts === undefined && this.depth <= 3 ? i + 1 : -1;
      } else if (c === OPEN_OBJ || c === OPEN_ARR) {
        if (this.elementParts === undefined) {
          if (this.elementDepth === -1 && c === OPEN_ARR) {
            const keyed = CONTAINER_KEYS[this.lastString];
            if (this.depth === 0) {
              this.elementDepth = 1;
              this.wrap = 'array';
              this.whole = undefined;
              this.found = true;
            } else if (keyed !== undefined && this.depth <= 3) {
              this.elementDepth = this.depth + 1;
              this.wrap = keyed;
              this.whole = undefined;
              this.found = true;
            }
          } else if (this.depth === this.elementDepth) {
            this.elementParts = [];
            this.elementLine = lineNo;
            this.elementFrom = i;
          }
        }
        this.depth++;
      } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        this.depth--;
        if (this.elementParts !== undefined && this.depth === this.elementDepth) {
          this.elementParts.push(line.slice(this.elementFrom, i + 1));
          out.push({ line: this.elementLine, text: this.elementParts.join('\n'), wrap: this.wrap });
          this.elementParts = undefined;
        } else if (this.elementDepth > 0 && this.depth < this.elementDepth) {
          this.elementDepth = -2; // the container closed: the rest of the document is not spans
        }
        if (this.depth === 0) this.endDocument(out);
      }
    }
    if (this.elementParts !== undefined) this.elementParts.push(line.slice(this.elementFrom));
  }

  /**
   * A document closed: one without a span-holding array (one Jaeger trace object, say) is an
   * item whole. What follows is read as a new document.
   */
  private endDocument(out: JsonItem[]): void {
    const whole = this.wholeDocument();
    if (whole !== undefined) out.push(whole);
    this.elementDepth = -1;
    this.wrap = 'array';
    this.whole = [];
    this.inScalar = false;
    this.lastString = '';
  }

  /**
   * At the end of the input, a document without a span-holding array that did not close: the
   * lines kept as one item (JSON.parse then says where it is cut short).
   */
  wholeDocument(): JsonItem | undefined {
    if (this.whole === undefined || this.whole.length === 0) return undefined;
    const item: JsonItem = { line: this.wholeLine, text: this.whole.join('\n'), wrap: 'none' };
    this.whole = undefined;
    return item;
  }

  /** The line of an element the document ended inside, if it was cut short. */
  unfinished(): number | undefined {
    if (this.elementParts !== undefined) return this.elementLine;
    return undefined;
  }

  /** True when the document's brackets did not close. */
  get open(): boolean {
    return this.depth > 0 || this.inString;
  }
}

function tryParse(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export type FileLayout = 'lines' | 'document';

/** Non-blank lines `decideLayout` looks at. */
const LAYOUT_LINES = 5;

/**
 * A first line that opens a document spread over lines: `[`, `{`, `{"resourceSpans": [`. A JSON
 * line cut short rarely ends just so, and is long.
 */
const opensDocument = (line: string): boolean => {
  const t = line.trim();
  return t.length < 200 && (t.startsWith('[') || t.startsWith('{')) && /[[{]$/.test(t);
};

/**
 * Decides the layout from the first non-blank lines: JSON lines when the first parses on its
 * own; one document spread over lines when the first opens one (its next line may parse alone:
 * a compact element); JSON lines when another of them parses (the first is malformed).
 */
export function decideLayout(lines: readonly string[]): FileLayout {
  const [first = '', ...rest] = lines;
  if (tryParse(first)) return 'lines';
  if (opensDocument(first)) return 'document';
  return rest.some(tryParse) ? 'lines' : 'document';
}

export interface ItemBatch {
  items: JsonItem[];
  layout: FileLayout;
}

/**
 * Items of one file, batch by batch, from its line batches. `onDocumentEnd` receives the
 * splitter at the end so the caller can report a document cut short.
 */
export async function* jsonItems(
  batches: AsyncIterable<LineBatch>,
  onDocumentEnd: (splitter: DocumentSplitter) => void,
): AsyncGenerator<ItemBatch> {
  let layout: FileLayout | undefined;
  const pending: { line: number; text: string }[] = [];
  const splitter = new DocumentSplitter();

  const emit = (lines: { line: number; text: string }[]): JsonItem[] => {
    const out: JsonItem[] = [];
    if (layout === 'lines') {
      for (const l of lines) {
        if (l.text.trim().length > 0) out.push({ line: l.line, text: l.text, wrap: 'none' });
      }
    } else {
      for (const l of lines) splitter.feed(l.text, l.line, out);
    }
    return out;
  };

  for await (const b of batches) {
    let lines = b.lines.map((text, i) => ({ line: b.firstLine + i, text }));
    if (layout === undefined) {
      pending.push(...lines);
      const nonBlank = pending.filter((l) => l.text.trim().length > 0);
      if (nonBlank.length < LAYOUT_LINES) continue;
      layout = decideLayout(nonBlank.slice(0, LAYOUT_LINES).map((l) => l.text));
      lines = pending.splice(0);
    }
    const items = emit(lines);
    if (items.length > 0) yield { items, layout };
  }
  if (layout === undefined) {
    const nonBlank = pending.filter((l) => l.text.trim().length > 0);
    if (nonBlank.length === 0) return;
    layout = decideLayout(nonBlank.map((l) => l.text));
    const items = emit(pending);
    if (items.length > 0) yield { items, layout };
  }
  if (layout === 'document') {
    const whole = splitter.wholeDocument();
    if (whole !== undefined) yield { items: [whole], layout };
    onDocumentEnd(splitter);
  }
}
