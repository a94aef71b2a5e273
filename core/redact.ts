/**
 * Credentials out of server messages. Some servers and proxies echo the request's Authorization
 * header, or the user and password, in an error body; obs puts server messages into errors,
 * warnings and logs, and promises never to print a credential. Every client derives the secrets
 * from the Authorization header it sends and passes server text through one redactor.
 */

export const REDACTED = '[redacted]';

/** Shorter bare values (a password `x`) would blank out ordinary words: only their longer forms
 * (`user:x`, its base64) are redacted then. */
const MIN_BARE_LENGTH = 4;

export type Redact = (text: string) => string;

/** `user:password` (Basic) and `id:key` (an Elasticsearch API key) travel as base64. */
const ENCODED_PAIR = new Set(['basic', 'apikey']);

function pairForms(encoded: string): string[] {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return [encoded];
  const secret = decoded.slice(colon + 1);
  return [encoded, decoded, ...(secret.length >= MIN_BARE_LENGTH ? [secret] : [])];
}

/**
 * The forms a credential in an Authorization header can come back in: the token of `Bearer`, and
 * for `Basic` (and `ApiKey`) the base64, the decoded `user:password` and the bare password.
 */
export function authorizationSecrets(header: string | undefined): string[] {
  if (header === undefined) return [];
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  if (value === '') return header.length >= MIN_BARE_LENGTH ? [header] : [];
  return ENCODED_PAIR.has(scheme.toLowerCase()) ? pairForms(value) : [value];
}

/** The password of a URL's userinfo, in any text: `redis://:s3cret@cache`, `postgres://u:pw@db`. */
const URL_PASSWORD = /(:\/\/[^\s/@:]*:)[^\s/@]+@/g;

/** A text with the password of every URL in it replaced by `mask`. */
export function withoutUrlPasswords(text: string, mask = REDACTED): string {
  return text.replace(URL_PASSWORD, `$1${mask}@`);
}

/**
 * A URL as messages show it: without user and password, query string and fragment, where tokens
 * travel too (a login page's `?state=`, `#access_token=`). Text that is no URL loses the same
 * parts as text.
 */
export function urlForMessage(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return withoutUrlPasswords(url.replace(/[?#][\s\S]*$/, ''));
  }
}

/** Replaces every known secret in a text; the longest first, so no part of one is left over. */
export function redactor(secrets: readonly string[]): Redact {
  const known = [...new Set(secrets.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
  if (known.length === 0) return (text) => text;
  return (text) => known.reduce((t, s) => t.split(s).join(REDACTED), text);
}
