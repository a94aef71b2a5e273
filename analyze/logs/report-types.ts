/**
 * The `--json` shape of `obs analyze logs` (version 1). Fields are only added, never renamed or
 * removed, within a version. Times are ISO 8601 UTC strings; `null` where the input had none.
 */

export interface InputSummary {
  file: string;
  role: 'incident' | 'baseline';
  /** How the header of plain-text lines was recognized (`level at field 4`, `none`, ...). */
  header: string;
  /**
   * Lines per format: text, json, logfmt, otlp, docker, cri, rfc5424 (RFC 5424 syslog; a BSD
   * syslog line is text). A stack trace line joined to a record counts as its own line's format.
   */
  kinds: Partial<Record<string, number>>;
  lines: number;
  records: number;
  /** Lines that held nothing to mine, by reason. */
  skipped: { empty: number; binary: number; noRecords: number };
  /** Lines starting with `{` that were not JSON (mined as text). */
  malformedJson: number;
  /** Text lines without the file's usual header, read as records of their own (kept whole). */
  headerMismatch: number;
  /** Text lines joined to the record before them: stack traces and tracebacks (stack-traces.ts). */
  joinedLines: number;
  /** Messages cut to `maxMessageChars` before mining. */
  longMessages: number;
  /** Lines with bytes that are not UTF-8 (mined with U+FFFD in their place). */
  invalidUtf8Lines: number;
  /** Text lines over 1 MiB (JSON lines over 128 MiB), cut by the reader. */
  truncatedLines: number;
  gzip: boolean;
  /** The first few problems, with line numbers. */
  problems: { line: number; problem: string }[];
}

/**
 * An exception type under a pattern's records: from stack traces and tracebacks joined to them
 * (Python's last traceback line, Java's and Node's first exception line), most first, at most 3.
 */
export interface ExceptionCount {
  /** `ValueError`, `java.net.SocketTimeoutException`; for an error as text, `dial tcp <*>`. */
  type: string;
  count: number;
  /** One of them in full: `ValueError: card declined`. */
  example: string;
}

export interface PatternReport {
  /** Stable id: 12 hex digits of the SHA-1 of the template. */
  id: string;
  template: string;
  /** Records in the (incident) input. */
  count: number;
  /** Most frequent known level, or `unknown`. */
  level: string;
  levels: Record<string, number>;
  services: string[];
  firstSeen: string | null;
  lastSeen: string | null;
  examples: string[];
  /**
   * Counts in equal time buckets from `start` (the same buckets for every pattern); null when the
   * input had no times; `counts` is empty when none of this pattern's records had a time.
   */
  overTime: { start: string; bucketSeconds: number; counts: number[] } | null;
  /** A few trace ids from matching records, to follow into `obs analyze traces`. */
  traceIds: string[];
  exceptions: ExceptionCount[];
  /** With a baseline: records there. */
  baselineCount?: number;
  /** With a baseline: new or spiking overall. */
  change?: { kind: 'new' | 'spiking'; ratio: number | null; pValue: number };
}

export interface ServicePattern {
  id: string;
  template: string;
  /** Records of this service at the ranked level(s). */
  count: number;
  level: string;
  traceIds: string[];
  /** This service's exceptions under the pattern. */
  exceptions: ExceptionCount[];
}

export interface PatternChange {
  id: string;
  template: string;
  kind: 'new' | 'spiking';
  /**
   * The service's records of the pattern; for a pattern with errors (at least the minimum count),
   * its error records only, and `level` is then `error`: 5xx lines of an access log share a
   * template with the 2xx ones, and are new when the baseline had none.
   */
  count: number;
  /** The same records in the baseline. */
  baselineCount: number;
  /** Incident rate / baseline rate; null for new patterns. */
  ratio: number | null;
  pValue: number;
  level: string;
  traceIds: string[];
  /** This service's exceptions under the pattern. */
  exceptions: ExceptionCount[];
}

export interface ServiceReport {
  service: string;
  records: number;
  errors: number;
  warnings: number;
  /** Patterns with error/fatal records, most first. */
  errorPatterns: ServicePattern[];
  warningPatterns: ServicePattern[];
  baselineRecords?: number;
  newPatterns?: PatternChange[];
  spikingPatterns?: PatternChange[];
}

export interface LogReport {
  version: 1;
  inputs: InputSummary[];
  totals: {
    lines: number;
    records: number;
    patterns: number;
    skipped: number;
    malformedJson: number;
    firstSeen: string | null;
    lastSeen: string | null;
  };
  baseline?: {
    records: number;
    /** What rates are counted against: all records (per service: the service's records). */
    exposure: { unit: 'records'; incident: number; baseline: number };
  };
  /** Services with new/spiking error patterns first, then warning ones, then by errors. */
  services: ServiceReport[];
  /** All patterns, most frequent first. */
  patterns: PatternReport[];
  /** What may make the report mislead, in words (e.g. a baseline of other services). */
  warnings: string[];
}
