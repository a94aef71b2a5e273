/** The results of the default analyses, by key (see analyses/index.ts for their order). */
import type { ChangesResult } from './changes.js';
import type { CriticalPathResult } from './critical-path.js';
import type { ErrorOriginResult } from './error-origin.js';
import type { HealthResult } from './health.js';
import type { LogEvidenceResult } from '../logs/evidence.js';
import type { LogSpanServices } from '../logs/span-services.js';
import type { RequestLines } from '../logs/request-lines.js';
import type { Profile } from './profile.js';
import type { RootCause } from './root-causes.js';

export interface TraceResults {
  profile: Profile;
  errorOrigins: ErrorOriginResult;
  criticalPath: CriticalPathResult;
  health: HealthResult;
  changes: ChangesResult;
  logEvidence: LogEvidenceResult;
  /** Over the baseline only: services of the spans its log records name (span-services.ts). */
  logSpanServices: LogSpanServices;
  /** Log lines per request, over both inputs (request-lines.ts). */
  requestLines: RequestLines;
  rootCauses: RootCause[];
}
