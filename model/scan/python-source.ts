/**
 * Python source as far as obs reads it without running Python (a Celery beat schedule,
 * beat-schedule.ts): tokens, and the literal expressions settings are written in (numbers,
 * strings, names, calls, dicts, lists and arithmetic), anything else an `unknown` node.
 */
// ---------------------------------------------------------------------------------------------
// Tokens

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'newline';
export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  /** Bracket depth before the token. */
  depth: number;
}

const STRING_START = /^([rRbBuUfF]{0,2})('''|"""|'|")/;

/** Python source as tokens: comments dropped, strings whole, NEWLINE only outside brackets. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let depth = 0;
  const push = (kind: TokenKind, text: string, at: number) =>
    out.push({ kind, text, line: at, depth });
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      if (depth === 0 && out.length > 0 && out[out.length - 1]!.kind !== 'newline')
        push('newline', '\n', line);
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      line++;
      continue;
    }
    const str = STRING_START.exec(src.slice(i, i + 5));
    if (str && (str[1] !== '' || c === '"' || c === "'")) {
      const quote = str[2]!;
      const start = line;
      let j = i + str[0].length;
      let body = '';
      while (j < src.length && !src.startsWith(quote, j)) {
        if (src[j] === '\\' && j + 1 < src.length) {
          body += src[j + 1];
          if (src[j + 1] === '\n') line++;
          j += 2;
          continue;
        }
        if (src[j] === '\n') {
          if (quote.length === 1) break; // an unterminated string ends at the line
          line++;
        }
        body += src[j];
        j++;
      }
      push('string', body, start);
      i = j + quote.length;
      continue;
    }
    const num = /^(?:0[xXoObB][\da-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/.exec(
      src.slice(i, i + 40),
    );
    if (num && /[\d.]/.test(c) && num[0] !== '.') {
      push('number', num[0], line);
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff]*/.exec(src.slice(i, i + 200));
    if (name) {
      push('name', name[0], line);
      i += name[0].length;
      continue;
    }
    const op = /^(\*\*=?|\/\/=?|==|!=|<=|>=|->|:=|[-+*/%@&|^]=|\.\.\.|[^\w\s])/.exec(
      src.slice(i, i + 3),
    )![0];
    if (op === ')' || op === ']' || op === '}') depth = Math.max(0, depth - 1);
    push('op', op, line);
    if (op === '(' || op === '[' || op === '{') depth++;
    i += op.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type Node =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'name'; v: string; line: number }
  | { k: 'call'; fn: string | undefined; args: Node[]; kwargs: Map<string, Node>; line: number }
  | { k: 'dict'; entries: [Node, Node][]; spreads: Node[] }
  | { k: 'seq'; items: Node[] }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'unknown'; line: number };

const CLOSE: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** A recursive-descent reader of the Python expressions schedules are written in. */
export class Parser {
  constructor(
    private readonly t: readonly Token[],
    public i: number,
  ) {}

  private peek(): Token | undefined {
    return this.t[this.i];
  }

  private isOp(text: string): boolean {
    const p = this.peek();
    return p?.kind === 'op' && p.text === text;
  }

  /** Skips the rest of an expression: up to `,`, a closing bracket or the statement's end. */
  private skipRest(): void {
    let depth = 0;
    while (this.i < this.t.length) {
      const p = this.t[this.i]!;
      if (p.kind === 'newline' && depth === 0) return;
      if (p.kind === 'op') {
        if (p.text in CLOSE) depth++;
        else if (p.text === ')' || p.text === ']' || p.text === '}') {
          if (depth === 0) return;
          depth--;
        } else if ((p.text === ',' || p.text === ':') && depth === 0) return;
      }
      this.i++;
    }
  }

  /** One expression; what is not understood is `unknown`, with the tokens consumed. */
  expr(): Node {
    const line = this.peek()?.line ?? 0;
    const node = this.sum();
    const p = this.peek();
    // A conditional, comprehension, comparison or lambda remainder: not a literal.
    if (
      p !== undefined &&
      p.kind !== 'newline' &&
      !(p.kind === 'op' && [',', ':', ')', ']', '}', '='].includes(p.text))
    ) {
      this.skipRest();
      return { k: 'unknown', line };
    }
    return node;
  }

  private sum(): Node {
    let a = this.product();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.t[this.i++]!.text;
      a = { k: 'bin', op, a, b: this.product() };
    }
    return a;
  }

  private product(): Node {
    let a = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//')) {
      const op = this.t[this.i++]!.text;
      a = { k: 'bin', op, a, b: this.unary() };
    }
    return a;
  }

  private unary(): Node {
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.t[this.i++]!.text;
      return { k: 'bin', op, a: { k: 'num', v: 0 }, b: this.unary() };
    }
    return this.postfix();
  }

  private postfix(): Node {
    let node = this.atom();
    for (;;) {
      const p = this.peek();
      if (p?.kind !== 'op') return node;
      if (p.text === '.' && this.t[this.i + 1]?.kind === 'name') {
        const attr = this.t[this.i + 1]!.text;
        this.i += 2;
        node =
          node.k === 'name'
            ? { k: 'name', v: `${node.v}.${attr}`, line: node.line }
            : { k: 'unknown', line: p.line };
      } else if (p.text === '(') {
        this.i++;
        node = this.call(node.k === 'name' ? node.v : undefined, p.line);
      } else if (p.text === '[') {
        this.i++;
        this.skipRest();
        if (this.isOp(']')) this.i++;
        node = { k: 'unknown', line: p.line };
      } else return node;
    }
  }

  /** The arguments of a call, after its `(`. */
  call(fn: string | undefined, line: number): Node {
    const args: Node[] = [];
    const kwargs = new Map<string, Node>();
    let bad = false;
    while (this.i < this.t.length && !this.isOp(')')) {
      const p = this.peek()!;
      if (
        p.kind === 'name' &&
        this.t[this.i + 1]?.text === '=' &&
        this.t[this.i + 1]!.kind === 'op'
      ) {
        this.i += 2;
        kwargs.set(p.text, this.expr());
      } else if (this.isOp('*') || this.isOp('**')) {
        this.i++;
        this.expr();
        bad = true;
      } else args.push(this.expr());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(')')) {
        this.skipRest();
        if (!this.isOp(',')) break;
        this.i++;
      }
    }
    if (this.isOp(')')) this.i++;
    return bad ? { k: 'unknown', line } : { k: 'call', fn, args, kwargs, line };
  }

  /** Items up to `close`; a comprehension (`for`) or a stray token makes it unknown. */
  private items(close: string, dict: boolean): Node {
    const line = this.peek()?.line ?? 0;
    const entries: [Node, Node][] = [];
    const spreads: Node[] = [];
    const items: Node[] = [];
    let bad = false;
    while (this.i < this.t.length && !this.isOp(close)) {
      if (dict && this.isOp('**')) {
        this.i++;
        spreads.push(this.expr());
      } else {
        const first = this.expr();
        if (this.isOp(':') && dict) {
          this.i++;
          entries.push([first, this.expr()]);
        } else {
          items.push(first);
          if (dict) bad = entries.length > 0 || bad; // a set among dict entries
        }
      }
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(close)) {
        bad = true; // `for`, `if`, or anything else that is not a literal
        while (this.i < this.t.length && !this.isOp(close)) {
          const p = this.t[this.i]!;
          this.i++;
          if (p.kind === 'op' && p.text in CLOSE) this.skipBalanced(CLOSE[p.text]!);
        }
      }
    }
    if (this.isOp(close)) this.i++;
    if (bad) return { k: 'unknown', line };
    if (dict && (entries.length > 0 || spreads.length > 0 || items.length === 0))
      return { k: 'dict', entries, spreads };
    return { k: 'seq', items };
  }

  private skipBalanced(close: string): void {
    while (this.i < this.t.length && !this.isOp(close)) {
      const p = this.t[this.i]!;
      this.i++;
      if (p.kind === 'op' && p.text in CLOSE) this.skipBalanced(CLOSE[p.text]!);
    }
    if (this.isOp(close)) this.i++;
  }

  private atom(): Node {
    const p = this.peek();
    if (p === undefined) return { k: 'unknown', line: 0 };
    if (p.kind === 'number') {
      this.i++;
      const text = p.text.replace(/_/g, '');
      const v = /^0[xXoObB]/.test(text) ? Number(text) : parseFloat(text);
      return Number.isFinite(v) ? { k: 'num', v } : { k: 'unknown', line: p.line };
    }
    if (p.kind === 'string') {
      let v = '';
      while (this.peek()?.kind === 'string') v += this.t[this.i++]!.text;
      return { k: 'str', v };
    }
    if (p.kind === 'name') {
      this.i++;
      if (['lambda', 'not', 'await', 'yield'].includes(p.text)) {
        this.skipRest();
        return { k: 'unknown', line: p.line };
      }
      return { k: 'name', v: p.text, line: p.line };
    }
    if (p.kind === 'op' && p.text in CLOSE) {
      this.i++;
      return this.items(CLOSE[p.text]!, p.text === '{');
    }
    this.skipRest();
    return { k: 'unknown', line: p.line };
  }
}
