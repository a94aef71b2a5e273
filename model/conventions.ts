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
    /** Folder of the trace archive (stack.traceArchive), relative to the root unless absolute. */
    traceArchive: model.stack.traceArchive.path ?? `${out}/traces`,
  } as const;
}

/**
 * The trace archive (stack.traceArchive): the Collector's file exporter writes OTLP JSON lines to
 * `file` in the archive folder, which the compose file mounts at `mount` in the Collector's
 * container; closed files are renamed `traces-<time>-size.jsonl` beside it. `obs analyze traces`
 * reads them all.
 */
export const TRACE_ARCHIVE = {
  file: 'traces.jsonl',
  mount: '/var/lib/otelcol/traces',
  /** The Collector image's user, who must be able to write to the folder. */
  containerUser: 10001,
} as const;

/** Metric names as they reach Prometheus (through the Collector's Prometheus exporter). */
export const METRICS = {
  /** spanmetrics connector, namespace `traces.span.metrics`, histogram unit `s`. */
  spanCalls: 'traces_span_metrics_calls_total',
  spanDuration: 'traces_span_metrics_duration_seconds',
  /** Stable HTTP semantic conventions (OTEL_SEMCONV_STABILITY_OPT_IN=http), seconds. */
  httpServerDuration: 'http_server_request_duration_seconds',
  httpClientDuration: 'http_client_request_duration_seconds',
} as const;

/**
 * The Collector's own telemetry (service::telemetry::metrics, Prometheus format on
 * stack.ports.collectorMetrics), scraped as job SCRAPE_JOBS.collectorSelf. Labels: receiver,
 * exporter, transport. Collector 0.165 exposes them without unit and `_total` suffixes (checked
 * against a real Collector and Prometheus in the integration tier).
 */
export const COLLECTOR_METRICS = {
  acceptedSpans: 'otelcol_receiver_accepted_spans',
  refusedSpans: 'otelcol_receiver_refused_spans',
  acceptedMetricPoints: 'otelcol_receiver_accepted_metric_points',
  refusedMetricPoints: 'otelcol_receiver_refused_metric_points',
  acceptedLogRecords: 'otelcol_receiver_accepted_log_records',
  refusedLogRecords: 'otelcol_receiver_refused_log_records',
  sentSpans: 'otelcol_exporter_sent_spans',
  failedSpans: 'otelcol_exporter_send_failed_spans',
  sentMetricPoints: 'otelcol_exporter_sent_metric_points',
  failedMetricPoints: 'otelcol_exporter_send_failed_metric_points',
  sentLogRecords: 'otelcol_exporter_sent_log_records',
  failedLogRecords: 'otelcol_exporter_send_failed_log_records',
  queueSize: 'otelcol_exporter_queue_size',
  queueCapacity: 'otelcol_exporter_queue_capacity',
} as const;

/**
 * Runtime metrics per language, as they reach Prometheus.
 * - python: opentelemetry-instrumentation-system-metrics (OTLP through the Collector), labelled
 *   with the service's SDK job (sdkJob). The Python instrumentation must install it.
 * - nodeOtel: the OpenTelemetry Node SDK's runtime metrics.
 * - nodePromClient: prom-client's default metrics, for Node services that serve their own
 *   /metrics (scraped as job="<service name>").
 */
export const RUNTIME_METRICS = {
  python: {
    cpuTime: 'process_cpu_time_seconds_total',
    /** label `type`: user | system */
    cpuTimeModeLabel: 'type',
    memoryRss: 'process_memory_usage_bytes',
    memoryVirtual: 'process_memory_virtual_bytes',
    threads: 'process_thread_count',
    gcCollections: 'cpython_gc_collections_total',
    gcGenerationLabel: 'cpython_gc_generation',
  },
  /**
   * @opentelemetry/instrumentation-runtime-node (part of auto-instrumentations-node 0.81) through
   * the Collector, job = sdkJob. It reports no process CPU or resident memory.
   */
  nodeOtel: {
    eventLoopDelayP99: 'nodejs_eventloop_delay_p99_seconds',
    eventLoopUtilization: 'nodejs_eventloop_utilization_ratio',
    heapUsed: 'v8js_memory_heap_used_bytes',
    heapSpaceLabel: 'v8js_heap_space_name',
    gcDuration: 'v8js_gc_duration_seconds',
    gcTypeLabel: 'v8js_gc_type',
  },
  nodePromClient: {
    cpuTime: 'process_cpu_seconds_total',
    memoryRss: 'process_resident_memory_bytes',
    heapUsed: 'nodejs_heap_size_used_bytes',
    heapTotal: 'nodejs_heap_size_total_bytes',
    eventLoopLagP99: 'nodejs_eventloop_lag_p99_seconds',
    gcDuration: 'nodejs_gc_duration_seconds',
    gcKindLabel: 'kind',
  },
} as const;

/** Label names on span metrics. */
export const SPAN_LABELS = {
  service: 'service_name',
  operation: 'span_name',
  kind: 'span_kind',
  status: 'status_code',
} as const;

/**
 * Span attributes the spanmetrics connector adds as dimensions (beyond service, name, kind and
 * status), so that dashboards can break a service's outgoing calls down by what they call; and
 * the Prometheus labels they become. With OTEL_SEMCONV_STABILITY_OPT_IN=http only, database spans
 * carry the older `db.system` (values postgresql, mysql, sqlite, mongodb, redis, elasticsearch:
 * the DEPENDENCY_KINDS names).
 */
export const SPAN_DIMENSIONS = {
  dbSystem: { attribute: 'db.system', label: 'db_system' },
  messagingSystem: { attribute: 'messaging.system', label: 'messaging_system' },
  rpcSystem: { attribute: 'rpc.system', label: 'rpc_system' },
  serverAddress: { attribute: 'server.address', label: 'server_address' },
} as const;

/** The spanmetrics connector's default duration buckets, in ms. */
const DEFAULT_SPAN_BUCKETS_MS = [
  2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000,
];

/**
 * Bucket bounds (ms) of METRICS.spanDuration: the connector's defaults plus every latency SLO
 * threshold of the model, so that each threshold is a bucket boundary a rule can select.
 */
export function spanDurationBucketsMs(model: SystemModel): number[] {
  const thresholds = [model.slo, ...model.services.map((s) => s.slo)].flatMap((slo) =>
    slo ? [slo.latencyThresholdMs] : [],
  );
  return [...new Set([...DEFAULT_SPAN_BUCKETS_MS, ...thresholds])].sort((a, b) => a - b);
}

/**
 * PromQL matcher for the `le` bucket of a threshold in ms on a seconds histogram. Prometheus 3
 * stores integer bounds as "1.0" where Prometheus 2 kept "1", so integers match both.
 */
export function leMatcher(thresholdMs: number): string {
  const b = leBound(thresholdMs);
  return `le${b.regex ? '=~' : '='}"${b.value.replace(/\\/g, '\\\\')}"`;
}

/** The `le` label value of a threshold's bucket (leMatcher): a regex for integer seconds. */
export function leBound(thresholdMs: number): { regex: boolean; value: string } {
  const seconds = thresholdMs / 1000;
  return Number.isInteger(seconds)
    ? { regex: true, value: `${seconds}(\\.0)?` }
    : { regex: false, value: `${seconds}` };
}

export const SPAN_KIND_SERVER = 'SPAN_KIND_SERVER';
export const SPAN_KIND_CLIENT = 'SPAN_KIND_CLIENT';
export const SPAN_KIND_PRODUCER = 'SPAN_KIND_PRODUCER';
export const SPAN_KIND_CONSUMER = 'SPAN_KIND_CONSUMER';
export const STATUS_ERROR = 'STATUS_CODE_ERROR';

/**
 * The kind of the spans that are a service's own work: the requests it serves, or, for a service
 * that serves no HTTP (servesHttp false), the tasks and messages it consumes. Celery's task runs
 * (`run/<task>`) and the kafkajs, amqplib, kafka-python and pika consumers are consumer spans. A
 * scheduler (celery beat) consumes nothing: its work is the tasks it publishes, producer spans
 * (Celery's `apply_async/<task>`).
 */
export function workSpanKind(service: ServiceModel): string {
  if (service.scheduler) return SPAN_KIND_PRODUCER;
  return service.servesHttp ? SPAN_KIND_SERVER : SPAN_KIND_CONSUMER;
}

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
  /** On client metrics: the host and port called. */
  serverAddress: 'server_address',
  serverPort: 'server_port',
  /** Set when a request failed: the status code (4xx/5xx for clients, 5xx for servers) or exception. */
  errorType: 'error_type',
} as const;

/** The `job` label value SDK metrics of a service carry. */
export function sdkJob(model: SystemModel, service: ServiceModel): string {
  return `${namespaceOf(model)}/${service.name}`;
}

/**
 * Where the stack's parts are reached from inside the compose network (service names double as
 * host names), the environment variables that carry their secrets, and Grafana's mounts. The
 * compose file, the Grafana provisioning files and the Collector config must agree on these.
 */
export const STACK_HOSTS = {
  collector: 'otel-collector',
  prometheus: 'prometheus',
  grafana: 'grafana',
  jaeger: 'jaeger',
  elasticsearch: 'elasticsearch',
  kibana: 'kibana',
  logstash: 'logstash',
} as const;

export const STACK_ENV = {
  /** Password of the `elastic` user; in .env, passed to Elasticsearch, Kibana and Grafana. */
  elasticPassword: 'ELASTIC_PASSWORD',
  grafanaAdminPassword: 'GF_SECURITY_ADMIN_PASSWORD',
} as const;

/** Container paths the compose file mounts stackPaths().grafanaProvisioning/.grafanaDashboards at. */
export const GRAFANA_MOUNTS = {
  provisioning: '/etc/grafana/provisioning',
  dashboards: '/var/lib/grafana/dashboards/obs',
} as const;

/** Scrape job names obs writes into prometheus.yml. */
export const SCRAPE_JOBS = {
  collectorExporter: 'otel-collector-exporter',
  collectorSelf: 'otel-collector',
  prometheus: 'prometheus',
} as const;

/** The `job` of a service that serves its own /metrics (service.metricsPath): its name. */
export function serviceScrapeJob(service: ServiceModel): string {
  return service.name;
}

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
const dataStreamPart = (s: string) => s.toLowerCase().replace(/-/g, '_');

/** The namespace part of every log data stream of the system (the environment). */
export function logsNamespace(model: SystemModel): string {
  return dataStreamPart(model.environment);
}

export function logsDataStream(model: SystemModel, service: ServiceModel) {
  const dataset = dataStreamPart(service.name);
  const namespace = logsNamespace(model);
  return { type: 'logs', dataset, namespace, name: `logs-${dataset}-${namespace}` } as const;
}

/** A Kubernetes Service's DNS name in a namespace: `payments.shop.svc.cluster.local`. */
const CLUSTER_DNS = /^([a-z0-9-]+)\.[a-z0-9-]+\.svc(?:\.cluster\.local)?\.?$/;

/**
 * The Service a lower-case host names inside a cluster: the first label of a cluster DNS name
 * (`payments.shop.svc.cluster.local` -> `payments`), else the host itself. The scanner reads
 * hosts in configuration this way, and the trace analyses read the peers of calls.
 */
export function serviceHost(host: string): string {
  return CLUSTER_DNS.exec(host)?.[1] ?? host;
}
