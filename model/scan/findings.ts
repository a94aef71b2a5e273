/**
 * What the scanner could not decide, or decided on a hint the user should check. Findings are
 * reported in the `obs init` result instead of being guessed silently; the scan goes on.
 */
export type FindingLevel = 'warning' | 'info';

export interface Finding {
  /** `warning`: something is missing or was assumed; `info`: worth knowing, nothing to do. */
  level: FindingLevel;
  /** Stable, machine-readable, e.g. `framework-unknown`. */
  code: string;
  message: string;
  service?: string;
  /** Where the finding comes from, relative to the repository root. */
  file?: string;
  line?: number;
}

/** Collects findings for one scan; helpers keep call sites short. */
export class Findings {
  readonly list: Finding[] = [];

  warn(code: string, message: string, where: Omit<Finding, 'level' | 'code' | 'message'> = {}) {
    this.list.push({ level: 'warning', code, message, ...where });
  }

  info(code: string, message: string, where: Omit<Finding, 'level' | 'code' | 'message'> = {}) {
    this.list.push({ level: 'info', code, message, ...where });
  }
}
