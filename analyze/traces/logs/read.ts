/** Reads `--logs` and `--baseline-logs` (placeholder). */
import type { LogEvidenceInput } from './evidence.js';

export function readLogEvidenceInput(
  logs: readonly string[],
  baseline: readonly string[] | undefined,
  _opts: { strict?: boolean },
): Promise<LogEvidenceInput> {
  return Promise.resolve({ incident: logs, baseline });
}
