/**
 * The OpenTelemetry Collector config for a system: OTLP in; memory_limiter, resource detection and
 * batch, in that order (the limiter must refuse data before anything else spends memory on it);
 * traces to Jaeger, into the span metrics connector and (stack.traceArchive) to files; metrics out
 * through the Prometheus exporter; logs to Elasticsearch or Logstash. Secrets are `${env:...}` references, never values.
 */
import type { SystemModel } from '../../model/schema.js';
import {
  SPAN_DIMENSIONS,
  STACK_ENV,
  TRACE_ARCHIVE,
  logsNamespace,
  spanDurationBucketsMs,
} from '../../model/conventions.js';
import type { ComponentName } from './components.js';
import { COMPONENTS } from './components.js';

export interface CollectorConfig {
  /**
   * Address the Collector's endpoints listen on. Default `0.0.0.0`: every interface of its
   * container; compose publishes the ports on `stack.bindAddress` only.
   */
  listenHost: string;
  /**
   * Host names of the stack services the Collector sends to. Default: their compose service
   * names (STACK_HOSTS).
   */
  hosts: { jaeger: string; elasticsearch: string; logstash: string };
  /**
   * memory_limiter: share (%) of the memory limit (the container's cgroup limit, else the
   * machine's memory) above which the Collector refuses data. Default 80.
   */
  memoryLimitPercentage: number;
  /** memory_limiter: expected spike between checks (%), below memoryLimitPercentage. Default 25. */
  memorySpikeLimitPercentage: number;
  /** User the Elasticsearch exporter writes as; its password is `${env:ELASTIC_PASSWORD}`. Default `elastic`. */
  elasticsearchUser: string;
  /**
   * Folder the trace archive is written to, as the Collector sees it. Default
   * TRACE_ARCHIVE.mount, where the compose file mounts stack.traceArchive.path.
   */
  traceArchiveDir: string;
}

/** Resource detectors the config uses; the builder manifest compiles in only these. */
export const RESOURCE_DETECTORS = ['env', 'system'] as const;

/** A component id in the config: its type, with a name after a slash when there may be several. */
const id = (c: ComponentName, name?: string) => COMPONENTS[c].type + (name ? `/${name}` : '');

/** The component sections of a Collector config: component id -> its settings. */
export type ComponentSections = Record<
  'extensions' | 'receivers' | 'processors' | 'connectors' | 'exporters',
  Record<string, unknown>
>;

/** The Collector config as a plain object. */
export function collectorConfig(
  model: SystemModel,
  cfg: CollectorConfig,
): ComponentSections & { service: Record<string, unknown> } {
  const ports = model.stack.ports;
  const at = (port: number) => `${cfg.listenHost}:${port}`;
  const logsToElasticsearch = model.stack.logs.shipper === 'collector';

  const receivers = {
    [id('otlpReceiver')]: {
      protocols: { grpc: { endpoint: at(ports.otlpGrpc) }, http: { endpoint: at(ports.otlpHttp) } },
    },
  };

  const processors: Record<string, unknown> = {
    [id('memoryLimiter')]: {
      check_interval: '1s',
      limit_percentage: cfg.memoryLimitPercentage,
      spike_limit_percentage: cfg.memorySpikeLimitPercentage,
    },
    [id('resourceDetection')]: {
      detectors: [...RESOURCE_DETECTORS],
      override: false,
      timeout: '2s',
      system: { hostname_sources: ['os'] },
    },
    [id('batch')]: {},
  };
  if (logsToElasticsearch) {
    // The exporter routes a record to logs-<data_stream.dataset>-<data_stream.namespace>,
    // replacing '-' (not allowed there) with '_': the names logsDataStream() gives.
    processors[id('resource', 'data_stream')] = {
      attributes: [
        { key: 'data_stream.dataset', from_attribute: 'service.name', action: 'upsert' },
        { key: 'data_stream.namespace', value: logsNamespace(model), action: 'upsert' },
      ],
    };
  }

  const connectors = {
    [id('spanMetrics')]: {
      // Stated although they are the defaults: Prometheus names (METRICS) depend on them.
      namespace: 'traces.span.metrics',
      histogram: {
        unit: 's',
        explicit: { buckets: spanDurationBucketsMs(model).map((ms) => `${ms}ms`) },
      },
      dimensions: Object.values(SPAN_DIMENSIONS).map((d) => ({ name: d.attribute })),
      metrics_flush_interval: model.stack.spanMetricsFlushInterval,
    },
  };

  const logsExporter = logsToElasticsearch
    ? id('elasticsearchExporter')
    : id('otlpHttpExporter', 'logstash');
  const exporters: Record<string, unknown> = {
    [id('otlpGrpcExporter', 'jaeger')]: {
      endpoint: `${cfg.hosts.jaeger}:${ports.jaegerOtlpGrpc}`,
      tls: { insecure: true },
    },
    [id('prometheusExporter')]: {
      endpoint: at(ports.collectorPrometheus),
      // job/instance come from service.namespace/service.name and service.instance.id.
      resource_to_telemetry_conversion: { enabled: false },
    },
    [logsExporter]: logsToElasticsearch
      ? {
          endpoint: `http://${cfg.hosts.elasticsearch}:${ports.elasticsearch}`,
          user: cfg.elasticsearchUser,
          password: `\${env:${STACK_ENV.elasticPassword}}`,
          // ECS mode: no ".otel" suffix on the dataset, fields as the logs-*-* template maps them.
          mapping: { mode: 'ecs' },
        }
      : {
          // Logstash's http input takes the OTLP JSON bodies (POST /v1/logs).
          endpoint: `http://${cfg.hosts.logstash}:${ports.logstashHttp}`,
          encoding: 'json',
          compression: 'none',
        },
  };

  const archive = model.stack.traceArchive;
  if (archive.enabled) {
    exporters[id('fileExporter', 'traces')] = {
      // OTLP JSON, one export request per line: what `obs analyze traces` reads.
      path: `${cfg.traceArchiveDir.replace(/\/+$/, '')}/${TRACE_ARCHIVE.file}`,
      format: 'json',
      create_directory: true,
      // Rotation also makes a restart append instead of truncating the current file.
      rotation: {
        max_megabytes: archive.rotation.maxMegabytes,
        max_backups: archive.rotation.maxBackups,
        max_days: archive.rotation.maxDays,
      },
    };
  }

  const first = [id('memoryLimiter'), id('resourceDetection')];
  const pipelines = {
    traces: {
      receivers: [id('otlpReceiver')],
      processors: [...first, id('batch')],
      exporters: [
        id('otlpGrpcExporter', 'jaeger'),
        id('spanMetrics'),
        ...(archive.enabled ? [id('fileExporter', 'traces')] : []),
      ],
    },
    metrics: {
      receivers: [id('otlpReceiver'), id('spanMetrics')],
      processors: [...first, id('batch')],
      exporters: [id('prometheusExporter')],
    },
    logs: {
      receivers: [id('otlpReceiver')],
      processors: [
        ...first,
        ...(logsToElasticsearch ? [id('resource', 'data_stream')] : []),
        id('batch'),
      ],
      exporters: [logsExporter],
    },
  };

  const config = {
    extensions: { [id('healthCheck')]: { endpoint: at(ports.collectorHealth) } },
    receivers,
    processors,
    connectors,
    exporters,
    service: {
      extensions: [id('healthCheck')],
      telemetry: {
        metrics: {
          level: 'normal',
          readers: [
            {
              pull: {
                exporter: {
                  prometheus: {
                    host: cfg.listenHost,
                    port: ports.collectorMetrics,
                    // Names as the Collector documents them, without unit or _total suffixes (the
                    // release's default, pinned here): COLLECTOR_METRICS.
                    without_units: true,
                    without_type_suffix: true,
                  },
                },
              },
            },
          ],
        },
      },
      pipelines,
    },
  };

  return config;
}
