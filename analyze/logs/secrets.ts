/**
 * Credentials that applications write into their logs (`password=...`, `"api_key": "..."`,
 * `Authorization: Bearer ...`). Reports quote log lines, and get pasted into incident documents:
 * the values of such keys are masked in templates and redacted in examples.
 */
import { REDACTED, withoutUrlPasswords } from '../../core/redact.js';

/** Key names whose values are credentials, as a key's last word (`db_password`, `X-Api-Key`). */
const SECRET_KEY =
  /(?:^|[_.\-"'[({<])(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|credentials?|cookie)["'\])}>]*$/i;

/** `Bearer`, maybe quoted: the token after it is a credential. */
export const isBearer = (token: string): boolean =>
  token.endsWith('Bearer') && /^["'([{]*Bearer$/.test(token);

/** True for a key (maybe quoted) whose value is a credential. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * `key=value`, `key: value`, `"key": "value"` for secret keys, and the credential of an HTTP
 * authorization scheme. The cheap test first: most lines name none of them.
 */
const MAY_HOLD = /pass|pwd|secret|token|key|auth|credential|cookie|bearer|basic |:\/\/[^\s/@]*:/i;
const KEY_VALUE =
  /(\b(?:[\w.-]*[_.-])?(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|credentials?|cookie)["']?\s*[=:]\s*["']?)(?!(?:Bearer|Basic)\s)([^\s"',;&}]+)/gi;
const SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g;

/** The text with the credentials it shows replaced by `[redacted]`. */
export function withoutSecrets(text: string): string {
  if (!MAY_HOLD.test(text)) return text;
  return withoutUrlPasswords(text)
    .replace(SCHEME, `$1 ${REDACTED}`)
    .replace(KEY_VALUE, `$1${REDACTED}`);
}
