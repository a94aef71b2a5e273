/**
 * The stack's passwords: generated once into `.env` (mode 0600, listed in .gitignore), kept on
 * every re-run. The compose generator is pure, so `obs init` reads the existing `.env` with
 * readStackSecrets() and passes what it finds in as the generator's `secrets` config; only the
 * missing ones are generated. No password ever has a default value.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ExitCode, ObsError, errnoCode, messageOf } from '../core/errors.js';
import { STACK_ENV } from '../model/conventions.js';

/** Environment variables in `.env` that hold the stack's passwords. */
export const SECRET_ENV = {
  /** Superuser `elastic`: Elasticsearch, and the Collector, Logstash and Grafana that write/read. */
  elasticPassword: STACK_ENV.elasticPassword,
  /** Built-in user `kibana_system` Kibana connects as; set in Elasticsearch by the setup job. */
  kibanaSystemPassword: 'KIBANA_SYSTEM_PASSWORD',
  /** Grafana's `admin` user. */
  grafanaAdminPassword: STACK_ENV.grafanaAdminPassword,
} as const;

export type SecretName = (typeof SECRET_ENV)[keyof typeof SECRET_ENV];
export type StackSecrets = Partial<Record<SecretName, string>>;

const SECRET_NAMES = Object.values(SECRET_ENV) as SecretName[];

/**
 * Characters a password may hold so that .env, YAML, JSON and shell quoting never need escaping
 * (and it never starts like a command-line option).
 */
export const SAFE_SECRET = /^[A-Za-z0-9][A-Za-z0-9_-]{15,127}$/;

/** A new password: 24 random bytes as hex (48 characters, 192 bits). */
export function newPassword(random: (n: number) => Buffer = randomBytes): string {
  return random(24).toString('hex');
}

/**
 * Parses `.env` text: `KEY=value` lines, `#` comments, optional matching quotes around a value.
 * Lines that are neither are reported with their line number.
 */
export function parseEnv(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      throw new ObsError(`not a KEY=value line`, {
        code: 'OBS_BAD_ENV_FILE',
        exit: ExitCode.dataError,
        file,
        line: i + 1,
      });
    }
    let value = m[2]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2]!;
    out[m[1]!] = value;
  });
  return out;
}

/** The `.env` text for a complete set of secrets. */
export function formatEnv(secrets: Record<SecretName, string>, header: string): string {
  return (
    header +
    '# Passwords of the stack. Keep this file private: it is listed in .gitignore.\n' +
    SECRET_NAMES.map((name) => `${name}=${secrets[name]}\n`).join('')
  );
}

/** Every secret: the ones given, new passwords for the rest. */
export function completeSecrets(
  existing: StackSecrets,
  random?: (n: number) => Buffer,
): Record<SecretName, string> {
  return Object.fromEntries(
    SECRET_NAMES.map((name) => [name, existing[name] ?? newPassword(random)]),
  ) as Record<SecretName, string>;
}

/** Problems with given secrets, naming the variable but never its value. */
export function secretProblems(secrets: StackSecrets): string[] {
  return Object.entries(secrets).flatMap(([name, value]) => {
    if (!SECRET_NAMES.includes(name as SecretName)) return [`secrets: unknown variable ${name}`];
    return value !== undefined && !SAFE_SECRET.test(value)
      ? [
          `secrets: ${name} must be 16 to 128 characters of A-Z, a-z, 0-9, '_' or '-', starting with a letter or digit`,
        ]
      : [];
  });
}

/**
 * The stack secrets in an existing `.env` (for the compose generator's `secrets` config); none
 * when the file does not exist yet. Other variables in the file are ignored.
 */
export async function readStackSecrets(file: string): Promise<StackSecrets> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return {}; // ENOTDIR: a parent is a file; the writer reports it
    throw new ObsError(`cannot read: ${messageOf(err)}`, {
      code: 'OBS_ENV_UNREADABLE',
      exit: ExitCode.noInput,
      file,
      cause: err,
    });
  }
  const env = parseEnv(text, file);
  return Object.fromEntries(
    SECRET_NAMES.filter((n) => env[n] !== undefined && env[n] !== '').map((n) => [n, env[n]!]),
  );
}
