/**
 * The one thing log evidence needs from a template miner: a line in, a template out, the same
 * template for lines that differ only in their variables. Kept to this small interface so the
 * shared Drain-style miner of `obs analyze logs` (analyze/logs/miner.ts: `add(content).ref`,
 * `finish()`, `patternOf(ref)`) can replace the simple one below with a three-line adapter.
 */

export interface MinedTemplate {
  /** Stable id of the template. */
  id: string;
  template: string;
}

export interface TemplateMiner {
  /** Takes one message; returns a reference to resolve with `templateOf` after `finish()`. */
  add(content: string): number;
  /** Called once after the last `add`. */
  finish(): void;
  templateOf(ref: number): MinedTemplate;
}

const HAS_DIGIT = /\d/;
/** Numbers, hex ids, times, dates, addresses: a token that is all of that is one variable. */
const VALUE = /^[[("']?[0-9a-fA-F.:,/+-]+[\])"']?[,;:.]?$/;
const WILDCARD = '<*>';

/** A token's template form: a value is a variable; digits inside a word (`Foo#54`) are too. */
function maskToken(tok: string): string {
  if (!HAS_DIGIT.test(tok)) return tok;
  if (VALUE.test(tok)) return WILDCARD;
  return tok.replace(/\d+/g, WILDCARD);
}

/**
 * The simplest honest miner: values (numbers, ids, times) are variables, the rest of the line in
 * order is the template. Exact, fast and predictable, but it cannot tell variables without
 * digits (user names) from constants, which Drain can.
 */
export function createSimpleMiner(maxTokens = 40): TemplateMiner {
  const ids = new Map<string, number>();
  const templates: string[] = [];
  return {
    add(content) {
      const out: string[] = [];
      for (const tok of content.split(/\s+/)) {
        if (tok.length === 0) continue;
        const t = maskToken(tok);
        if (t === WILDCARD && out[out.length - 1] === WILDCARD) continue;
        out.push(t);
        if (out.length >= maxTokens) break;
      }
      const template = out.join(' ');
      let ref = ids.get(template);
      if (ref === undefined) {
        ref = templates.length;
        templates.push(template);
        ids.set(template, ref);
      }
      return ref;
    },
    finish() {},
    templateOf(ref) {
      const template = templates[ref] ?? '';
      return { id: `t${ref}`, template };
    },
  };
}
