/**
 * Ingest pipelines that turn a service's log lines into ECS documents, whatever shipped them:
 *
 *   <service pipeline>  (index.default_pipeline of logs-<dataset>-*)
 *     -> shared pipeline: expand dotted keys; JSON lines -> json pipeline, other text -> text
 *        pipeline; lower-case log.level; @timestamp from ingest time when still missing
 *     -> service.name / service.environment defaults
 *     -> the documented hooks global@custom, logs@custom, logs-<dataset>@custom (when they exist)
 *
 * Documents that arrive structured (the Collector's Elasticsearch exporter in ECS mode, Logstash
 * with a json codec) keep their fields; only a raw line in `message` is parsed. A document is never
 * dropped for a processing error: it is tagged `obs_pipeline_error` and indexed as it is.
 */
import type { estypes } from '@elastic/elasticsearch';
import { LOG_FIELDS, logsDataStream } from '../model/conventions.js';
import type { ServiceModel, SystemModel } from '../model/schema.js';
import { WHEN } from './conditions.js';
import { elkNames, managedMeta } from './names.js';
import { PATTERN_DEFINITIONS, TEXT_DATE_FORMATS, TEXT_PATTERNS, TMP } from './text-patterns.js';

type Processor = estypes.IngestProcessorContainer;
export type PipelineRequest = estypes.IngestPutPipelineRequest;

export interface PipelineOptions {
  /** Keep the raw JSON line in `event.original`. */
  keepOriginal: boolean;
  /** Time zone of plain-text timestamps that carry none (Python's asctime). */
  textTimezone: string;
}

/** pino's numeric levels (pino.levels.values). */
const PINO_LEVELS: Record<string, string> = {
  '10': 'trace',
  '20': 'debug',
  '30': 'info',
  '40': 'warn',
  '50': 'error',
  '60': 'fatal',
};

/** Renames that tolerate both a missing source and an already-set target (the target wins). */
const move = (field: string, target: string): Processor => ({
  rename: { field, target_field: target, ignore_missing: true, ignore_failure: true },
});

const tagged = (tag: string): Processor => ({ append: { field: 'tags', value: [tag] } });

/** JSON lines: our instrumentation's ECS keys, pino, python-json-logger, OTel log correlation. */
function jsonPipeline(model: SystemModel, opts: PipelineOptions): PipelineRequest {
  const line = `${TMP}.line`;
  return {
    id: elkNames(model).jsonPipeline,
    description: 'obs: parse a JSON log line in `message` into ECS fields',
    _meta: managedMeta(model),
    processors: [
      { rename: { field: 'message', target_field: line } },
      {
        json: {
          field: line,
          add_to_root: true,
          add_to_root_conflict_strategy: 'replace',
          on_failure: [
            { rename: { field: line, target_field: 'message' } },
            tagged('obs_json_parse_failure'),
          ],
        },
      },
      // "log.level": "info" arrives as one key with a dot; processors below address log.level.
      { dot_expander: { field: '*', override: true } },
      // pino: msg, time (epoch ms), numeric level, err, pid, hostname.
      move('msg', LOG_FIELDS.message),
      move('time', `${TMP}.time`),
      {
        date: {
          field: `${TMP}.time`,
          target_field: LOG_FIELDS.timestamp,
          formats: ['UNIX_MS', 'ISO8601'],
          ignore_failure: true,
        },
      },
      move('level', LOG_FIELDS.level),
      { convert: { field: LOG_FIELDS.level, type: 'string', ignore_missing: true } },
      ...Object.entries(PINO_LEVELS).map(([n, name]): Processor => ({
        gsub: {
          field: LOG_FIELDS.level,
          pattern: `^${n}$`,
          replacement: name,
          ignore_missing: true,
        },
      })),
      move('err.type', LOG_FIELDS.errorType),
      move('err.message', LOG_FIELDS.errorMessage),
      move('err.stack', LOG_FIELDS.errorStack),
      { remove: { field: 'err', ignore_missing: true } },
      // pino-http: the request and response of a "request completed" line.
      move('req.method', 'http.request.method'),
      move('req.url', 'url.original'),
      move('req.id', 'http.request.id'),
      move('req.remoteAddress', 'source.address'),
      move('res.statusCode', 'http.response.status_code'),
      // pino `base: {service: 'cart'}`: a name where ECS has an object.
      {
        rename: {
          field: 'service',
          target_field: LOG_FIELDS.service,
          if: WHEN.serviceText.painless,
        },
      },
      move('pid', 'process.pid'),
      move('hostname', 'host.hostname'),
      // python-json-logger's level key.
      move('levelname', LOG_FIELDS.level),
      // OpenTelemetry log correlation: Python's LoggingInstrumentor and the pino instrumentation.
      move('otelTraceID', LOG_FIELDS.traceId),
      move('otelSpanID', LOG_FIELDS.spanId),
      move('otelServiceName', LOG_FIELDS.service),
      move('trace_id', LOG_FIELDS.traceId),
      move('span_id', LOG_FIELDS.spanId),
      ...(opts.keepOriginal ? [move(line, 'event.original')] : []),
      { remove: { field: TMP, ignore_missing: true } },
    ],
  };
}

/** Plain-text lines: the grok patterns of text-patterns.ts, then their timestamps. */
function textPipeline(model: SystemModel, opts: PipelineOptions): PipelineRequest {
  const date = (field: string): Processor => ({
    date: {
      field,
      target_field: LOG_FIELDS.timestamp,
      formats: [...TEXT_DATE_FORMATS],
      timezone: opts.textTimezone,
      ignore_failure: true,
    },
  });
  return {
    id: elkNames(model).textPipeline,
    description: 'obs: parse plain-text Python and Node log lines (grok) into ECS fields',
    _meta: managedMeta(model),
    processors: [
      ...(opts.keepOriginal
        ? [{ set: { field: 'event.original', value: '{{{message}}}' } } satisfies Processor]
        : []),
      {
        grok: {
          field: LOG_FIELDS.message,
          patterns: TEXT_PATTERNS.map((p) => p.grok),
          pattern_definitions: PATTERN_DEFINITIONS,
          ecs_compatibility: 'v1',
          // A line in none of the known formats is kept as it is.
          ignore_failure: true,
        },
      },
      date(`${TMP}.timestamp`),
      // HTTPD_COMMONLOG captures its time as `timestamp`.
      date('timestamp'),
      { remove: { field: [TMP, 'timestamp'], ignore_missing: true } },
      {
        set: { field: LOG_FIELDS.level, value: 'error', if: WHEN.errorWithoutLevel.painless },
      },
    ],
  };
}

/** The shared pipeline every service pipeline runs first. */
function sharedPipeline(model: SystemModel): PipelineRequest {
  const names = elkNames(model);
  return {
    id: names.pipeline,
    description: 'obs: JSON or plain-text service logs to ECS',
    _meta: managedMeta(model),
    processors: [
      // Logstash and OTLP senders may send {"log.level": ...} with literal dots.
      { dot_expander: { field: '*', override: true } },
      { pipeline: { name: names.jsonPipeline, if: WHEN.jsonMessage.painless } },
      { pipeline: { name: names.textPipeline, if: WHEN.textMessage.painless } },
      { lowercase: { field: LOG_FIELDS.level, ignore_missing: true, ignore_failure: true } },
      {
        set: {
          field: LOG_FIELDS.timestamp,
          value: '{{{_ingest.timestamp}}}',
          override: false,
        },
      },
    ],
  };
}

/** The default pipeline of one service's data streams. */
function servicePipeline(model: SystemModel, service: ServiceModel): PipelineRequest {
  const names = elkNames(model);
  const { dataset } = logsDataStream(model, service);
  const hook = (name: string): Processor => ({
    pipeline: { name, ignore_missing_pipeline: true },
  });
  return {
    id: names.servicePipeline(service),
    description: `obs: logs of ${service.name} (logs-${dataset}-*)`,
    _meta: managedMeta(model),
    processors: [
      { pipeline: { name: names.pipeline } },
      { set: { field: LOG_FIELDS.service, value: service.name, override: false } },
      { set: { field: 'service.environment', value: model.environment, override: false } },
      // The extension points Elastic documents for logs-*-*, in the order Fleet calls them.
      hook('global@custom'),
      hook('logs@custom'),
      hook(`logs-${dataset}@custom`),
    ],
    on_failure: [
      tagged('obs_pipeline_error'),
      {
        set: {
          field: 'labels.obs_pipeline_error',
          value: '{{{_ingest.on_failure_message}}}',
        },
      },
    ],
  };
}

/** All pipelines, in install order: sub-pipelines before those that call them. */
export function ingestPipelines(model: SystemModel, opts: PipelineOptions): PipelineRequest[] {
  return [
    jsonPipeline(model, opts),
    textPipeline(model, opts),
    sharedPipeline(model),
    ...model.services.map((s) => servicePipeline(model, s)),
  ];
}
