/**
 * Names several generators must agree on: where generated files go, which metric and label names
 * reach Prometheus, the environment that points a service at the Collector, and the fields of the
 * JSON log lines the instrumentation writes. One place, so that an alert rule, a dashboard panel
 * and an ingest pipeline cannot drift apart. Verified against real components in the integration
 * tier; when a real component disagrees, fix it here.
 */
import type { ServiceModel, SystemModel } from './schema.js';
import { namespaceOf } from './schema.js';

/** Paths of generated files, relative to the repository root. */
export function stackPaths(model: SystemModel) {
  const out = model.stack.output;
  return {
    root: out,
    compose: `${out}/compose.yaml`,
    env: `${out}/.env`,
    gitignore: `${out}/.gitignore`,
    collectorConfig: `${out}/collector/config.yaml`,
    collectorBuilder: `${out}/collector/builder-config.yaml`,
    prometheusConfig: `${out}/prometheus/prometheus.yml`,
    prometheusRules: `${out}/prometheus/rules`,
    prometheusTests: `${out}/prometheus/tests`,
    grafanaProvisioning: `${out}/grafana/provisioning`,
    grafanaDashboards: `${out}/grafana/dashboards`,
    elasticsearch: `${out}/elasticsearch`,
    logstashPipeline: `${out}/logstash/pipeline`,
    kibana: `${out}/kibana`,
    instrumentation: (service: string) => `${out}/instrumentation/${service}`,
  } as const;
}

/** Metric names as they reach Prometheus (through the Collector's Prometheus exporter). */
export const METRICS = {
  /** spanmetrics connector, namespace `traces.span.metrics`, histogram unit `s`. */
  spanCalls: 'traces_span_metrics_calls_total',
  spanDuration: 'traces_span_metrics_duration_seconds',
  /** Stable HTTP semantic conventions (OTEL_SEMCONV_STABILITY_OPT_IN=http), seconds. */
  httpServerDuration: 'http_server_request_duration_seconds',
  httpClientDuration: 'http_client_request_duration_seconds',
} as const;

/** Label names on span metrics. */
export const SPAN_LABELS = {
  service: 'service_name',
  operation: 'span_name',
  kind: 'span_kind',
  status: 'status_code',
} as const;

export const SPAN_KIND_SERVER = 'SPAN_KIND_SERVER';
export const SPAN_KIND_CLIENT = 'SPAN_KIND_CLIENT';
export const STATUS_ERROR = 'STATUS_CODE_ERROR';

/**
 * Label names on SDK metrics. The Prometheus exporter turns resource attributes into
 * job="<service.namespace>/<service.name>" and instance="<service.instance.id>"; Prometheus must
 * scrape it with honor_labels: true to keep them.
 */
export const SDK_LABELS = {
  job: 'job',
  method: 'http_request_method',
  status: 'http_response_status_code',
  route: 'http_route',
} as const;

/** The `job` label value SDK metrics of a service carry. */
export function sdkJob(model: SystemModel, service: ServiceModel): string {
  return `${namespaceOf(model)}/${service.name}`;
}

/** Scrape job names obs writes into prometheus.yml. */
export const SCRAPE_JOBS = {
  collectorExporter: 'otel-collector-exporter',
  collectorSelf: 'otel-collector',
  prometheus: 'prometheus',
  /** Services that serve their own /metrics are scraped as job="<service name>". */
} as const;

/**
 * Environment that points a service's OpenTelemetry SDK at the Collector. The same for Python and
 * Node; instrumentation adds language-specific variables on top.
 */
export function serviceOtelEnv(
  model: SystemModel,
  service: ServiceModel,
  collectorEndpoint = `http://127.0.0.1:${model.stack.ports.otlpHttp}`,
): Record<string, string> {
  const ratio = model.stack.samplingRatio;
  return {
    OTEL_SERVICE_NAME: service.name,
    OTEL_RESOURCE_ATTRIBUTES: [
      `service.namespace=${namespaceOf(model)}`,
      `deployment.environment.name=${model.environment}`,
    ].join(','),
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_METRIC_EXPORT_INTERVAL: '15000',
    OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
    OTEL_TRACES_SAMPLER: ratio >= 1 ? 'parentbased_always_on' : 'parentbased_traceidratio',
    ...(ratio >= 1 ? {} : { OTEL_TRACES_SAMPLER_ARG: String(ratio) }),
  };
}

/**
 * Fields of the JSON log lines the generated instrumentation writes to stdout, one object per line
 * (ECS-style dotted keys, as the ecs-logging libraries write them). The ingest pipeline, the
 * Logstash pipeline and `obs analyze logs` read these.
 */
export const LOG_FIELDS = {
  timestamp: '@timestamp',
  level: 'log.level',
  logger: 'log.logger',
  message: 'message',
  service: 'service.name',
  traceId: 'trace.id',
  spanId: 'span.id',
  errorType: 'error.type',
  errorMessage: 'error.message',
  errorStack: 'error.stack_trace',
} as const;

/**
 * Elasticsearch data stream of a service's logs: logs-<dataset>-<namespace>. Dataset and
 * namespace may not contain '-' (it separates the parts), so it becomes '_'.
 */
export function logsDataStream(model: SystemModel, service: ServiceModel) {
  const clean = (s: string) => s.toLowerCase().replace(/-/g, '_');
  const dataset = clean(service.name);
  const namespace = clean(model.environment);
  return { type: 'logs', dataset, namespace, name: `logs-${dataset}-${namespace}` } as const;
}
