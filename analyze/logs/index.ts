/**
 * Log template mining and the log report: the public surface of analyze/logs.
 *
 * For other analyses (e.g. `obs analyze traces --logs`, which needs new log patterns per service
 * tied to traces by trace id):
 *
 * ```ts
 * const miner = createMiner();                       // MinerConfig: depth >= 3, similarity, ...
 * const header = learnFileHeader(firstLines);        // or compileLogFormat('<Date> <Level> <Content>')
 * for (const line of lines) {
 *   const { records } = parseLine(line, { defaultService: 'svc', header });
 *   for (const r of records) {                       // {service, level, timestamp, traceId, spanId, content}
 *     if (isErrorLevel(r.level)) countError(r);      // error and fatal
 *     const { ref, change } = miner.add(r.content);  // change: 'created' | 'changed' | 'none'
 *     keep(r, ref);
 *   }
 * }
 * miner.finish();                                    // settles variables, joins clusters
 * miner.patternOf(ref);                              // {id, template, count}; id = hash of template
 * ```
 *
 * Mine incident and baseline messages with one miner so a pattern has one id on both sides, then
 * `classify()` (baseline.ts) tells new and spiking patterns apart with a Poisson rate test. The
 * whole command is `createLogAnalysis(config).run()`.
 *
 * Limits: `depth` >= 3, 0 < `similarity` <= 1, `variableAfter` >= 2, `maxChildren` >= 2 (checked,
 * `OBS_BAD_MINER_CONFIG`). Memory grows with the number of distinct patterns and variants, not
 * with input size, apart from 4 bytes per line when assignments are kept.
 */
export { createMiner, patternIdOf, validateMinerConfig, MINER_DEFAULTS } from './miner.js';
export type { AddResult, ChangeType, MinedPattern, Miner, MinerConfig } from './miner.js';
export { maskMessage, maskToken, tokenize, WILDCARD } from './mask.js';
export { compileLogFormat, learnHeader, levelOf } from './header.js';
export type { HeaderParser, HeaderParts } from './header.js';
export {
  isBinaryLine,
  isErrorLevel,
  learnFileHeader,
  parseLine,
  serviceFromFileName,
} from './records.js';
export { parseTime } from './times.js';
export type { LineKind, LogRecord, ParseContext, ParsedLine } from './records.js';
export { classify, compareRates, binomialUpperTail, SPIKE_DEFAULTS } from './baseline.js';
export type { RateTest, SpikeConfig } from './baseline.js';
export { createLogAnalysis, LOG_ANALYSIS_DEFAULTS, SKIPPED_PATTERN } from './analyze.js';
export type {
  LineAssignment,
  LogAnalysis,
  LogAnalysisConfig,
  LogAnalysisResult,
} from './analyze.js';
export { renderMarkdown, renderText } from './render.js';
export type * from './report-types.js';
