/**
 * The system model: what `obs.yaml` holds.
 *
 * The scanner writes it, the user may edit it, every generator reads it. Each default is stated in
 * the field's description and applied here, once (zod `.default()`), so generators never carry
 * fallbacks of their own. Field descriptions double as the docs of the generated JSON Schema.
 */
import { z } from 'zod';

export const API_VERSION = 'obs/v1';

/** A name usable as a compose service, a Prometheus label value and a file name. */
const NAME = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;
const name = (what: string) =>
  z
    .string()
    .regex(NAME, `${what} must be lower-case letters, digits, '-' or '_', at most 63 characters`);

export const LANGUAGES = ['python', 'node'] as const;
export const FRAMEWORKS = [
  // Python
  'flask',
  'fastapi',
  'django',
  'aiohttp',
  'asyncio',
  // Node
  'express',
  'fastify',
  'http',
] as const;
export const SERVERS = [
  'gunicorn',
  'uvicorn',
  'hypercorn',
  'flask',
  'django',
  'python',
  'node',
] as const;
export const DEPENDENCY_KINDS = [
  'http',
  'grpc',
  'postgresql',
  'mysql',
  'sqlite',
  'mongodb',
  'redis',
  'kafka',
  'rabbitmq',
  'elasticsearch',
] as const;

export const Language = z.enum(LANGUAGES);
export const Framework = z.enum(FRAMEWORKS);
export const Server = z.enum(SERVERS);
export const DependencyKind = z.enum(DEPENDENCY_KINDS);

export const Dependency = z
  .object({
    kind: DependencyKind,
    target: z
      .string()
      .min(1)
      .describe('A sibling service name, or the host/system name of an external dependency.'),
    library: z
      .string()
      .optional()
      .describe('The client library it was detected from, e.g. psycopg, pymongo, ioredis.'),
  })
  .strict();

/** How long a scheduler may publish nothing before ServiceTaskPublishStopped fires (maxPublishGap). */
export const DEFAULT_MAX_PUBLISH_GAP = '1h';

export const Slo = z
  .object({
    availability: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.995)
      .describe('Share of requests that must not fail (server 5xx). Default 0.995.'),
    latencyThresholdMs: z
      .number()
      .positive()
      .default(500)
      .describe('A request slower than this counts against the latency SLO. Default 500 ms.'),
    latencyTarget: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.95)
      .describe('Share of requests that must be faster than latencyThresholdMs. Default 0.95.'),
  })
  .strict();

export const Service = z
  .object({
    name: name('service name'),
    path: z
      .string()
      .optional()
      .describe('Code folder relative to the repository root; absent for image-only services.'),
    composeService: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The service's key in the compose file when it is not a valid name (e.g. Web.Django); compose snippets use it.",
      ),
    language: Language,
    framework: Framework.optional().describe('Absent when none was recognized.'),
    server: Server.optional().describe('What runs the app in production.'),
    entrypoint: z
      .string()
      .optional()
      .describe(
        'Python: module:app (e.g. app:app), or the script run with python; Node: the main script (e.g. src/server.js), relative to path.',
      ),
    command: z
      .array(z.string())
      .optional()
      .describe(
        'The command that starts the service as found (compose, Kubernetes, Dockerfile, package.json); the generated run line wraps it.',
      ),
    settingsModule: z
      .string()
      .optional()
      .describe('Django only: the DJANGO_SETTINGS_MODULE, e.g. mysite.settings.'),
    moduleType: z
      .enum(['esm', 'cjs'])
      .optional()
      .describe('Node only: whether the service is an ES module package (type: module).'),
    port: z.number().int().min(1).max(65535).optional().describe('Port the service listens on.'),
    servesHttp: z
      .boolean()
      .default(true)
      .describe(
        'false for a service that serves no HTTP (a Celery worker, a queue consumer): it gets no HTTP SLO alerts or HTTP dashboard rows. Default true.',
      ),
    scheduler: z
      .boolean()
      .optional()
      .describe(
        'true for a scheduler that only publishes tasks (celery beat): its dashboards show the tasks it publishes (producer spans), and it gets no task SLO alerts. Absent: false.',
      ),
    maxPublishGap: z
      .string()
      .regex(
        /^[1-9]\d*(m|h|d)$/,
        'maxPublishGap must be a duration in minutes, hours or days, e.g. 90m, 1h, 25h, 2d',
      )
      .optional()
      .describe(
        `Schedulers only: ServiceTaskPublishStopped fires when the scheduler has published no task for this long (e.g. 1h, 25h). The scanner sets it to the longest gap between two runs of the Celery beat schedule it reads in the service's code, else ${DEFAULT_MAX_PUBLISH_GAP} with a warning; set it above that gap. Absent: ${DEFAULT_MAX_PUBLISH_GAP}.`,
      ),
    metricsPath: z
      .string()
      .startsWith('/')
      .optional()
      .describe('Set when the service serves its own Prometheus metrics (e.g. /metrics).'),
    metricsPort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe(
        'Port of the metrics endpoint when it is not `port` (prometheus_client start_http_server).',
      ),
    libraries: z
      .array(z.string())
      .default([])
      .describe('Detected libraries that have an OpenTelemetry instrumentation.'),
    dependencies: z.array(Dependency).default([]).describe('What the service talks to.'),
    slo: Slo.optional().describe(
      "Overrides the system-wide SLO for this service: its dashboard, alerts and its line in the overview (where services' SLOs differ, the overview shows each one's budget burn, coloured from 1x and 14.4x).",
    ),
  })
  .strict();

export const StackPorts = z
  .object({
    otlpGrpc: z.number().int().default(4317),
    otlpHttp: z.number().int().default(4318),
    collectorHealth: z.number().int().default(13133),
    collectorMetrics: z
      .number()
      .int()
      .default(8888)
      .describe("The Collector's own telemetry (Prometheus format)."),
    collectorPrometheus: z
      .number()
      .int()
      .default(8889)
      .describe("The Collector's Prometheus exporter: span metrics and OTLP metrics."),
    prometheus: z.number().int().default(9090),
    grafana: z.number().int().default(3000),
    jaegerUi: z.number().int().default(16686),
    jaegerOtlpGrpc: z
      .number()
      .int()
      .default(14317)
      .describe('OTLP gRPC port of Jaeger, which the Collector forwards traces to.'),
    elasticsearch: z.number().int().default(9200),
    kibana: z.number().int().default(5601),
    logstashBeats: z.number().int().default(5044),
    logstashHttp: z.number().int().default(8080),
  })
  .strict();

export const TraceArchiveRotation = z
  .object({
    maxMegabytes: z
      .number()
      .int()
      .positive()
      .default(100)
      .describe(
        'Size in MB at which the current file is closed and a new one started. Default 100.',
      ),
    maxBackups: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe('Closed files kept, the oldest deleted first; 0 keeps all. Default 10.'),
    maxDays: z
      .number()
      .int()
      .min(0)
      .default(7)
      .describe('Days a closed file is kept; 0 keeps them regardless of age. Default 7.'),
  })
  .strict();

export const TraceArchive = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Write every trace the Collector receives to OTLP JSON lines files (the Collector's file exporter). Default false.",
      ),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Folder the files go to: relative to the repository root, or absolute. Default <stack.output>/traces.',
      ),
    rotation: TraceArchiveRotation.default(TraceArchiveRotation.parse({})),
  })
  .strict();

export const Stack = z
  .object({
    output: z
      .string()
      .default('observability')
      .describe('Folder, relative to the repository root, that generated files go to.'),
    bindAddress: z
      .string()
      .default('127.0.0.1')
      .describe('Host address published ports bind to. Default loopback only.'),
    ports: StackPorts.default(StackPorts.parse({})),
    collectorVersion: z
      .string()
      .default('0.165.0')
      .describe('OpenTelemetry Collector core release; contrib modules use the matching release.'),
    spanMetricsFlushInterval: z
      .string()
      .regex(/^\d+(ms|s|m)$/)
      .default('15s')
      .describe('How often span metrics are exported. Default 15s (the connector default is 60s).'),
    scrapeInterval: z
      .string()
      .regex(/^\d+(ms|s|m)$/)
      .default('15s'),
    samplingRatio: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe('Head sampling ratio for traces (parentbased_traceidratio). Default 1.'),
    logs: z
      .object({
        shipper: z
          .enum(['collector', 'logstash'])
          .default('collector')
          .describe('collector: OTLP logs to the Elasticsearch exporter; logstash: JSON lines.'),
        retentionDays: z.number().int().positive().default(7).describe('ILM delete age.'),
      })
      .strict()
      .default({ shipper: 'collector', retentionDays: 7 }),
    traceArchive: TraceArchive.default(TraceArchive.parse({})).describe(
      'Every trace the Collector receives, also written to files for `obs analyze traces`.',
    ),
    grafanaFolder: z
      .string()
      .default('obs')
      .describe(
        'Title of the Grafana folder dashboards go to; its uid derives from the system name.',
      ),
  })
  .strict();

export const SystemModel = z
  .object({
    apiVersion: z.literal(API_VERSION),
    name: name('system name').describe('Name of the system, e.g. the repository name.'),
    namespace: name('namespace')
      .optional()
      .describe('service.namespace of every service; defaults to the system name.'),
    environment: z.string().default('dev').describe('deployment.environment.name. Default dev.'),
    slo: Slo.default(Slo.parse({})),
    services: z.array(Service).min(1, 'a system needs at least one service'),
    stack: Stack.default(Stack.parse({})),
  })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.services.forEach((s, i) => {
      if (seen.has(s.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'name'],
          message: `duplicate service name ${s.name}`,
        });
      }
      seen.add(s.name);
    });
  });

export type SystemModel = z.output<typeof SystemModel>;
export type SystemModelInput = z.input<typeof SystemModel>;
export type ServiceModel = z.output<typeof Service>;
export type DependencyModel = z.output<typeof Dependency>;
export type SloModel = z.output<typeof Slo>;
export type StackModel = z.output<typeof Stack>;
export type StackPortsModel = z.output<typeof StackPorts>;
export type TraceArchiveModel = z.output<typeof TraceArchive>;
export type LanguageName = z.output<typeof Language>;
export type FrameworkName = z.output<typeof Framework>;

/** The SLO that applies to a service: its own, else the system's. */
export function sloOf(model: SystemModel, service: ServiceModel): SloModel {
  return service.slo ?? model.slo;
}

/**
 * How long a scheduler may publish no task before its alert fires: its own maxPublishGap, else
 * DEFAULT_MAX_PUBLISH_GAP (left out of obs.yaml files written before the field existed).
 */
export function maxPublishGapOf(service: ServiceModel): string {
  return service.maxPublishGap ?? DEFAULT_MAX_PUBLISH_GAP;
}

/** service.namespace for every service of the model. */
export function namespaceOf(model: SystemModel): string {
  return model.namespace ?? model.name;
}
