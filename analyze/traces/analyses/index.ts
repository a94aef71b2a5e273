/**
 * The default analyses, in the one order they run (as Jaeger's list of trace adjusters). Every
 * analysis sees each assembled trace in this order, then finishes in this order, reading the
 * results of those before it.
 */
import type { ResultKey, TraceAnalysis } from './analysis.js';
import { changesAnalysis } from './changes.js';
import { criticalPathAnalysis } from './critical-path.js';
import { errorOriginAnalysis } from './error-origin.js';
import { healthAnalysis } from './health.js';
import { profileAnalysis } from './profile.js';
import { rootCausesAnalysis } from './root-causes.js';
import { logEvidenceAnalysis } from '../logs/evidence.js';
import { logSpanServicesAnalysis } from '../logs/span-services.js';
import { requestLinesAnalysis } from '../logs/request-lines.js';

export const DEFAULT_ANALYSES: readonly TraceAnalysis<ResultKey, object>[] = [
  profileAnalysis,
  errorOriginAnalysis,
  criticalPathAnalysis,
  // Reads the three above.
  healthAnalysis,
  // Needs the profiles of both inputs.
  changesAnalysis,
  // Over the baseline: the services its log records name by span id, for the log evidence.
  logSpanServicesAnalysis,
  // Over both inputs: log lines per request, for the log evidence to find requests cut short.
  requestLinesAnalysis,
  // Independent of the traces except for trace ids; before the ranking that uses it.
  logEvidenceAnalysis,
  // Last: combines the evidence of all of the above.
  rootCausesAnalysis,
];
