/**
 * Log evidence for the root-cause ranking (placeholder until the log reader lands).
 */
import type { TraceAnalysis } from '../analyses/analysis.js';

export interface LogEvidenceInput {
  incident: unknown;
  baseline: unknown;
}

export interface LogFinding {
  service: string;
  kind: string;
  score: number;
  text: string;
}

export interface LogEvidenceResult {
  evidence: LogFinding[];
}

export type LogEvidenceConfig = Record<string, never>;

export const logEvidenceAnalysis: TraceAnalysis<'logEvidence', LogEvidenceConfig> = {
  key: 'logEvidence',
  description: 'error lines and new log patterns per service, tied to traces by trace id',
  baseline: false,
  defaults: {},
  validate: () => [],
  create: () => ({ finish: () => undefined }),
};
