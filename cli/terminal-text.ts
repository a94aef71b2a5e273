/**
 * Text from the input (log lines, span and service names, server answers) reaches the terminal
 * in reports. Escape sequences in it would recolour, retitle or clear the user's terminal, and a
 * carriage return would let one line overwrite another: every control character but tab and
 * newline is shown as a visible escape instead.
 */

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

const visible = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** `text` with every control character except `\t` and `\n` written as `\xNN`. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, visible);
}
