/**
 * Variable masking: turns one log message into the token sequence the miner compares.
 *
 * A message is split on whitespace; each token that holds a value is replaced, wholly or in part,
 * by `<*>`. The rules are general log-parsing knowledge, in this order:
 *
 * 1. Whole values, after stripping surrounding brackets/quotes/punctuation: URLs, UUIDs, IPv4
 *    (with port), IPv6, MAC addresses, hex (`0x..`, or 8+ hex digits holding a digit), numbers
 *    with an optional unit (durations `12ms`, sizes `64KB`, percentages), dates and times, and
 *    file paths (`/a/b`, `C:\a`, `./a`).
 * 2. `key=value`: the value is masked (an empty value stays empty: `ruser=` is a constant).
 * 3. Any other token holding a digit: each part of it between separators (`:,;()[]{}<>'"#@/|=`)
 *    that holds a digit is masked (`blk_-123` -> `<*>`, `(uid=0)` -> `(uid=<*>)`,
 *    `core.2275` -> `<*>`, `CPU#1` -> `CPU#<*>`), so identifiers that merely contain digits
 *    keep their punctuation shape.
 *
 * 4. The value of a credential's key (`password=...`, `api_key: ...`; see secrets.ts).
 * 5. A Kubernetes pod name (`payments-bcdfh-xkzqw`), which holds no digit more often than not.
 *
 * Other tokens without digits, `=`, `/` or `://` are returned as they are: that is the fast path
 * for most words.
 */

import { isBearer, isSecretKey } from './secrets.js';
import { MONTH_NAMES, WEEKDAY_NAMES } from './times.js';

export const WILDCARD = '<*>';

const C_0 = 48;
const C_9 = 57;

export function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= C_0 && c <= C_9) return true;
  }
  return false;
}

/** Digits only (the most common value): decided without a regular expression. */
function isPlainNumber(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < C_0 || c > C_9) return false;
  }
  return true;
}

/** Values recognized as a whole token (after surrounding punctuation is stripped). */
const WHOLE_VALUE = new RegExp(
  [
    String.raw`[a-zA-Z][a-zA-Z0-9+.\-]*://\S*`, // URL
    String.raw`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`, // UUID
    String.raw`\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?`, // IPv4[:port]
    String.raw`[a-zA-Z0-9\-]+(?:\.[a-zA-Z0-9\-]+)+:\d{1,5}`, // host:port
    String.raw`(?=[:a-fA-F]*\d)[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,}`, // IPv6, MAC, hex groups
    String.raw`[0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2}){5}`, // MAC (dash form)
    String.raw`0[xX][0-9a-fA-F]+`, // hex literal
    String.raw`(?=[a-fA-F]*\d)[0-9a-fA-F]{8,}`, // hash / id in hex
    String.raw`[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?(?:[a-zA-Zµ%]{1,4})?`, // number [unit]
    String.raw`\d{2,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[T_ \-]\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?`, // date[time]
    String.raw`\d{1,2}:\d{2}(?::\d{2})?(?:[.,:]\d+)?`, // time of day
    String.raw`(?:[a-zA-Z]:\\|\.{1,2}/)\S*|/[^\s/]*(?:/[^\s/]*)+`, // path
  ].join('|'),
);
const WHOLE_VALUE_RE = new RegExp(`^(?:${WHOLE_VALUE.source})$`);

/** Leading and trailing characters that wrap a value: `(42)`, `'x',`, `[7]:`. */
const WRAP_LEAD = /^[([{<'"`]+/;
const WRAP_TRAIL = /[)\]}>'"`,;:.!?]+$/;

/**
 * A word with a short number at its end names a thing (`eth0`, `IPV6`, `SOCKS5`, `wl0`) more often
 * than it carries a value; it stays, and the miner turns it into a variable if it varies a lot.
 */
const SMALL_SUFFIX = /^[A-Za-z][A-Za-z_-]+\d{1,2}$/;

/** Parts of a token between separators; a part holding a digit is a value. */
const DIGIT_PART = /[^:,;()[\]{}<>'"#@/|=\s]*\d[^:,;()[\]{}<>'"#@/|=\s]*/g;

/** Masks one whitespace-free token; see the module comment for the rules. */
export function maskToken(tok: string): string {
  if (isPlainNumber(tok)) return WILDCARD;
  const digit = hasDigit(tok);
  if (!digit && tok.indexOf('=') < 0 && tok.indexOf('/') < 0 && tok.indexOf('\\') < 0) return tok;
  const lead = WRAP_LEAD.exec(tok)?.[0] ?? '';
  const trail = WRAP_TRAIL.exec(tok.slice(lead.length))?.[0] ?? '';
  const core = tok.slice(lead.length, tok.length - trail.length);
  if (core.length > 0 && WHOLE_VALUE_RE.test(core)) {
    // A trailing '.' or ':' after a number is punctuation only when the core is a value.
    return lead + WILDCARD + trail;
  }
  const eq = tok.indexOf('=');
  if (eq > 0 && eq < tok.length - 1) {
    const key = tok.slice(0, eq);
    // A credential is never a constant of a template.
    if (isSecretKey(key)) return maskKey(key) + '=' + WILDCARD;
    // `a=b=c` or `k=v,k2=v2` lists: mask each value.
    if (!/[\s]/.test(key)) return maskKey(key) + '=' + maskValueList(tok.slice(eq + 1));
  }
  if (!digit || SMALL_SUFFIX.test(core)) return tok;
  // Dot leaders (`instruction......0`) separate a label from its value.
  if (tok.includes('..'))
    return tok
      .split(/(\.{2,})/)
      .map((p, i) => (i % 2 ? p : p.replace(DIGIT_PART, WILDCARD)))
      .join('');
  return tok.replace(DIGIT_PART, WILDCARD);
}

function maskKey(key: string): string {
  return hasDigit(key) ? key.replace(DIGIT_PART, WILDCARD) : key;
}

/** The value side of `k=v`, which may itself be a `,`-separated list of `k=v` pairs. */
function maskValueList(rest: string): string {
  const comma = rest.indexOf(',');
  if (comma > 0) {
    const next = rest.slice(comma + 1);
    const eq = next.indexOf('=');
    if (eq > 0) {
      return WILDCARD + ',' + maskKey(next.slice(0, eq)) + '=' + maskValueList(next.slice(eq + 1));
    }
  }
  const trail = /[)\]}>'"`,;:.]+$/.exec(rest)?.[0] ?? '';
  const value = rest.slice(0, rest.length - trail.length);
  // A plain word may be a constant (`state=ready`): the miner decides from how many distinct
  // words it sees there. Dotted names, paths and addresses (`host.example.com`) are values.
  if (
    value.length === 0 ||
    (!hasDigit(value) && !WHOLE_VALUE_RE.test(value) && !/\w[./@]\w/.test(value))
  ) {
    return rest;
  }
  return WILDCARD + trail;
}

/** Splits a message on runs of whitespace, dropping empty tokens. */
export function tokenize(content: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12) {
      if (start >= 0) {
        out.push(content.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(content.slice(start));
  return out;
}

/** A masked number, possibly wrapped: `<*>`, `(<*>`, `<<*>` (as in `<1 sec`). */
const VALUE_TOKEN = /^[([<>~=]?<\*>$/;
/** A list element: a masked value or a word with a number, optionally followed by a comma. */
const LIST_ITEM = /^(?:<\*>|[A-Za-z][A-Za-z_-]+\d{1,2}),?$/;
/** Units that follow a number as a separate word: `12 ms`, `1.1 KB`, `3 seconds`. */
const UNIT =
  /^(?:[kKMGTP]?i?B|[bB]ytes?|bits?|[nuµm]?s|secs?|seconds?|mins?|minutes?|hours?|hrs?|days?|ms|msec|millis(?:econds)?|%)([)\],;:.]*)$/;
const NAME_OF_TIME = new RegExp(String.raw`^(?:${WEEKDAY_NAMES}|${MONTH_NAMES})[a-z]{0,6}[,.]?$`);

/**
 * Joins what belongs to one value across tokens: a number and its unit (`1190 bytes` -> `<*>`), a
 * quantity and its bracketed restatement (`1190 bytes (1.16 KB)`), and month/weekday names next
 * to a date or time (`Fri Jul 1 07:57:30 2005`).
 */
function joinValues(toks: string[]): string[] {
  // Compacts in place: `n` tokens kept so far.
  let n = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const prev = n > 0 ? toks[n - 1]! : undefined;
    // Cheap checks first: this runs for every token of every message holding a value.
    if (
      prev !== undefined &&
      prev.length <= 4 &&
      prev.endsWith(WILDCARD) &&
      VALUE_TOKEN.test(prev)
    ) {
      const unit = UNIT.exec(t);
      if (unit !== null) {
        const before = n > 1 ? toks[n - 2] : undefined;
        if (prev.startsWith('(') && t.endsWith(')') && before?.endsWith(WILDCARD)) {
          // `1190 bytes (1.16 KB)`: the bracketed part restates the quantity before it.
          n--;
        } else toks[n - 1] = prev + (unit[1] ?? '');
        continue;
      }
    }
    toks[n++] = t;
  }
  toks.length = n;
  // Right to left, so `Fri Jul 1` becomes a value through `Jul 1`.
  for (let i = n - 1; i >= 0; i--) {
    const t = toks[i]!;
    const c = t.charCodeAt(0);
    if (
      c >= 65 &&
      c <= 90 &&
      t.length <= 11 &&
      NAME_OF_TIME.test(t) &&
      (toks[i + 1]?.startsWith(WILDCARD) || toks[i - 1] === WILDCARD)
    ) {
      toks[i] = WILDCARD;
    }
  }
  // A run of values is one list (`blk_1 blk_2 blk_3`, `an14 an15 an16`, a date and a time).
  let m = 0;
  let prevItem = false;
  for (let i = 0; i < n; i++) {
    const t = toks[i]!;
    const item = isListItem(t);
    if (item && prevItem) {
      const prev = toks[m - 1]!;
      if (prev.includes(WILDCARD) || t.includes(WILDCARD) || hasDigit(prev)) {
        toks[m - 1] = t.endsWith(',') ? WILDCARD + ',' : WILDCARD;
        continue;
      }
    }
    toks[m++] = t;
    prevItem = item;
  }
  toks.length = m;
  return toks;
}

function isListItem(t: string): boolean {
  const last = t.charCodeAt(t.length - 1);
  // '>' (a masked value), ',' or a digit can end a list item; anything else cannot.
  if (last !== 62 && last !== 44 && !(last >= C_0 && last <= C_9)) return false;
  return LIST_ITEM.test(t);
}

/** Digits other than the `0` of `0x`: all the masking rules tell apart (see `digitShape`). */
const SHAPE_DIGIT = /[2-9]|0(?![xX])/g;

/**
 * The message with every digit written as `1`, but the `0` of a `0x`: masking treats all digits
 * alike (`\d`, `[0-9a-f]`, counts of digits) except there, so two messages of one shape mask to
 * the same tokens wherever those tokens hold no digit (a digit in a masked token is a copied
 * one, as in `eth0`). The miner caches by shape on that ground.
 */
export function digitShape(content: string): string {
  return content.replace(SHAPE_DIGIT, '1');
}

/**
 * A Kubernetes Deployment's pod name (`payments-7c9bd-xk2zq`), maybe with punctuation around it:
 * its two suffixes are drawn from an alphabet without vowels and 0, 1, 3, and may hold no digit
 * (`payments-bcdfh-xkzqw`). It changes with every rollout or restart: a value.
 */
const POD_SUFFIXES = String.raw`-[bcdfghjklmnpqrstvwxz2456789]{5,10}-[bcdfghjklmnpqrstvwxz2456789]{5}`;
const POD_NAME = new RegExp(String.raw`[a-z][-a-z0-9]*${POD_SUFFIXES}`);
const POD = new RegExp(String.raw`^[([{<'"\`]*[a-z][-a-z0-9]*${POD_SUFFIXES}[)\]}>'"\`,;:.!?]*$`);

/** Tokenizes and masks a message in one pass over its characters. */
export function maskMessage(content: string): string[] {
  const toks: string[] = [];
  let start = -1;
  // Whether the current token holds a digit, '=', '/' or '\\': the only tokens masking may change.
  let special = false;
  let values = false;
  // Whether the last token was a secret's key with a colon (`password:`): its value follows.
  let secretNext = false;
  const n = content.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? content.charCodeAt(i) : 32;
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12) {
      if (start >= 0) {
        const tok = content.slice(start, i);
        if (secretNext && !isBearer(tok)) {
          toks.push(WILDCARD);
          values = true;
        } else if (special) {
          toks.push(maskToken(tok));
          values = true;
        } else if (tok.length >= 13 && tok.indexOf('-') > 0 && POD.test(tok)) {
          toks.push(tok.replace(POD_NAME, WILDCARD));
          values = true;
        } else toks.push(tok);
        secretNext =
          (tok.charCodeAt(tok.length - 1) === 58 && isSecretKey(tok.slice(0, -1))) || isBearer(tok);
        start = -1;
      }
    } else {
      if (start < 0) {
        start = i;
        special = false;
      }
      if ((c >= C_0 && c <= C_9) || c === 61 || c === 47 || c === 92) special = true;
    }
  }
  return values ? joinValues(toks) : toks;
}
