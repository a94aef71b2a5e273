/**
 * Where in a JSON text parsing failed. V8 names the position for some errors ("... in JSON at
 * position 7") and not for others ("Unexpected token 'x', ... is not valid JSON"); for those,
 * jsonc-parser, in strict JSON mode, finds the first error. Only called once a parse has failed.
 */
import { parse } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';

/** The offset in `text` where `JSON.parse(text)` failed with `message`. */
export function jsonErrorOffset(text: string, message: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at !== null) return Number(at[1]);
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false });
  return errors[0]?.offset;
}
