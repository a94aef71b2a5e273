/**
 * Errors that library code throws and `cli/` turns into oclif errors.
 *
 * Library layers never import oclif: they throw `ObsError` with a stable `code`, an exit code from
 * sysexits(3) so scripts can tell bad input from an unreachable server, and, where it is known,
 * the file and line the problem is in.
 */

/** Exit codes (sysexits.h). oclif itself uses 2 for flag/argument parse errors. */
export const ExitCode = {
  /** Anything not covered below. */
  failure: 1,
  /** The command was used wrongly (conflicting flags, missing argument). */
  usage: 64,
  /** Input data was malformed: bad YAML, JSON, gzip, schema violations. */
  dataError: 65,
  /** An input file does not exist or cannot be read. */
  noInput: 66,
  /** A server could not be reached, even after retries. */
  unavailable: 69,
  /** An output file or folder could not be created. */
  cantCreate: 73,
  /** A server refused our credentials (401/403). */
  noPermission: 77,
  /** A configuration (obs.yaml, flags) is invalid. */
  config: 78,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ObsErrorOptions {
  /** Stable machine-readable code, e.g. `OBS_BAD_GZIP`; part of the `--json` error shape. */
  code: string;
  exit?: ExitCodeValue;
  /** The file the problem is in, as the user named it. */
  file?: string;
  /** 1-based line number in `file`. */
  line?: number;
  /** Short hints shown under the message. */
  suggestions?: string[];
  cause?: unknown;
}

export class ObsError extends Error {
  readonly code: string;
  readonly exit: ExitCodeValue;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly suggestions: string[];

  constructor(message: string, opts: ObsErrorOptions) {
    super(message, { cause: opts.cause });
    this.name = 'ObsError';
    this.code = opts.code;
    this.exit = opts.exit ?? ExitCode.failure;
    this.file = opts.file;
    this.line = opts.line;
    this.suggestions = opts.suggestions ?? [];
  }

  /** `file:line: message`, the form editors and CI logs link to. */
  get located(): string {
    if (this.file === undefined) return this.message;
    const file = sourceName(this.file);
    return this.line === undefined
      ? `${file}: ${this.message}`
      : `${file}:${this.line}: ${this.message}`;
  }
}

/** An input as messages name it: `-` (what the user types for stdin) is `stdin`. */
export function sourceName(file: string): string {
  return file === '-' ? 'stdin' : file;
}

/** Node's fs errors carry a `code` such as ENOENT; narrow to it without `any`. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const { code } = err;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An error as it crosses from a worker thread (structured clone keeps no class). */
export interface WorkerError {
  message: string;
  code?: string;
  exit?: ExitCodeValue;
  file?: string;
  line?: number;
  suggestions?: string[];
}

/** `err`, thrown in a worker, as plain data to post. */
export function errorForTransfer(err: unknown): WorkerError {
  if (!(err instanceof ObsError))
    return { message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  return {
    message: err.message,
    code: err.code,
    exit: err.exit,
    ...(err.file !== undefined ? { file: err.file } : {}),
    ...(err.line !== undefined ? { line: err.line } : {}),
    suggestions: err.suggestions,
  };
}

/** A worker's error back as an `ObsError` (or, without a code, a plain one naming `what`). */
export function errorFromWorker(e: WorkerError, what: string): Error {
  if (e.code === undefined) return new Error(`${what}: ${e.message}`);
  return new ObsError(e.message, {
    code: e.code,
    exit: e.exit ?? ExitCode.failure,
    ...(e.file !== undefined ? { file: e.file } : {}),
    ...(e.line !== undefined ? { line: e.line } : {}),
    suggestions: e.suggestions ?? [],
  });
}
