/**
 * Text from the input in a Markdown report: log templates (`<*> failed for <*>`), operation
 * names, Java frames (`Object.<init>`). Left raw, a pair of `*` or `_` turns part of a line into
 * emphasis, `<init>` is taken for an HTML tag and dropped, and `|` splits a table cell. Every
 * character that can start such a construct is escaped with a backslash, which CommonMark and
 * GitHub render as the character itself.
 */
const SPECIAL = /[\\`*_[\]<>|~&#]/g;

/** `text` as literal Markdown inline text (also safe inside a table cell). */
export function markdownText(text: string): string {
  // A line break would end a table row or start a block (`# ...`): a space instead.
  return text.replace(/\s*[\r\n]\s*/g, ' ').replace(SPECIAL, '\\$&');
}
