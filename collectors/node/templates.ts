/**
 * The instrumentation module obs generates for a Node service (`instrumentation.mjs` for ES module
 * apps, `.cjs` for CommonJS), for @opentelemetry/sdk-node 0.223 (SDK 2.x: resourceFromAttributes,
 * metricReaders; sdk-logs 0.223 processors take an options object: `{ exporter }`). It is preloaded with `--import` / `--require`, so the app's code is not edited.
 *
 * It resolves the OpenTelemetry packages from the app's own node_modules (found from the main
 * script), so it can stay in the generated folder outside the service.
 */
import { LOG_FIELDS } from '../../model/conventions.js';
import type { ServiceModel } from '../../model/schema.js';
import { header } from '../instrumentation/common.js';

/** A JavaScript string literal in the generated code's style. */
const js = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Options of the log library instrumentations, so their trace fields use LOG_FIELDS names. */
function logInstrumentations(service: ServiceModel): string[] {
  const f = LOG_FIELDS;
  const hook = [
    'logHook: (span, record) => {',
    '  const ctx = span.spanContext();',
    `  record[${js(f.traceId)}] = ctx.traceId;`,
    `  record[${js(f.spanId)}] = ctx.spanId;`,
    '},',
  ];
  const out: string[] = [];
  if (service.libraries.includes('pino'))
    out.push(
      "'@opentelemetry/instrumentation-pino': {",
      `  logKeys: { traceId: ${js(f.traceId)}, spanId: ${js(f.spanId)}, traceFlags: 'trace.flags' },`,
      '},',
    );
  for (const lib of ['winston', 'bunyan'])
    if (service.libraries.includes(lib))
      out.push(`'@opentelemetry/instrumentation-${lib}': {`, ...hook.map((l) => `  ${l}`), '},');
  return out;
}

/** console.* as JSON lines with trace ids, for services without a log library. */
function consoleJson(service: ServiceModel): string {
  const f = LOG_FIELDS;
  return `
// The service logs with console.*: each call becomes one JSON line on stdout with the trace and
// span ids of the request being served, and a log record sent to the Collector.
const { format } = req('node:util');
const { logs: logsApi, SeverityNumber } = req('@opentelemetry/api-logs');
const SERVICE = process.env.OTEL_SERVICE_NAME ?? ${js(service.name)};
const otelLogger = logsApi.getLogger('console');
const LEVELS = { debug: 'debug', log: 'info', info: 'info', warn: 'warn', error: 'error' };
const SEVERITY = { debug: SeverityNumber.DEBUG, info: SeverityNumber.INFO, warn: SeverityNumber.WARN, error: SeverityNumber.ERROR };
for (const [method, level] of Object.entries(LEVELS)) {
  console[method] = (...args) => {
    const line = {
      ${js(f.timestamp)}: new Date().toISOString(),
      ${js(f.level)}: level,
      ${js(f.logger)}: 'console',
      ${js(f.message)}: format(...args),
      ${js(f.service)}: SERVICE,
    };
    const ctx = api.trace.getActiveSpan()?.spanContext();
    if (ctx && api.isSpanContextValid(ctx)) {
      line[${js(f.traceId)}] = ctx.traceId;
      line[${js(f.spanId)}] = ctx.spanId;
    }
    const err = args.find((a) => a instanceof Error);
    if (err) {
      line[${js(f.errorType)}] = err.name;
      line[${js(f.errorMessage)}] = err.message;
      line[${js(f.errorStack)}] = err.stack;
    }
    process.stdout.write(JSON.stringify(line) + '\\n');
    otelLogger.emit({ severityNumber: SEVERITY[level], severityText: level.toUpperCase(), body: line.message });
  };
}
`;
}

export function instrumentationModule(service: ServiceModel, moduleType: 'esm' | 'cjs'): string {
  const esm = moduleType === 'esm';
  const usesConsole = !['pino', 'winston', 'bunyan'].some((l) => service.libraries.includes(l));
  const fastify = service.framework === 'fastify' || service.libraries.includes('fastify');
  const imports = esm
    ? `import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';`
    : `const { createRequire } = require('node:module');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');`;
  return `${header('//')}/*
 * OpenTelemetry for ${service.name}: traces, metrics and logs over OTLP to the Collector.
 * ${esm ? 'Start: node --experimental-loader=@opentelemetry/instrumentation/hook.mjs --import <this file> <main script>' : 'Start: node --require <this file> <main script>'}
 * Settings come from the OTEL_* environment (otel.env beside this file).
 */
${imports}

// Resolve packages from the app's node_modules (found from its main script), not from here.
const req = createRequire(pathToFileURL(path.resolve(process.argv[1] ?? 'index.js')));
const api = req('@opentelemetry/api');
const { NodeSDK, resources, metrics, logs } = req('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = req('@opentelemetry/auto-instrumentations-node');
const { OTLPTraceExporter } = req('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPMetricExporter } = req('@opentelemetry/exporter-metrics-otlp-proto');
const { OTLPLogExporter } = req('@opentelemetry/exporter-logs-otlp-proto');
${fastify ? "const { FastifyOtelInstrumentation } = req('@fastify/otel');\n" : ''}
const enabled = (signal) => (process.env[\`OTEL_\${signal}_EXPORTER\`] ?? 'otlp') !== 'none';

const sdk = new NodeSDK({
  // Service name, namespace and environment come from OTEL_SERVICE_NAME and
  // OTEL_RESOURCE_ATTRIBUTES; the instance id tells replicas apart in Prometheus.
  resource: resources.resourceFromAttributes({
    'service.instance.id': \`\${os.hostname()}-\${process.pid}\`,
  }),
  ...(enabled('TRACES') ? { traceExporter: new OTLPTraceExporter() } : {}),
  metricReaders: enabled('METRICS')
    ? [
        new metrics.PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter(),
          exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL ?? 60000),
        }),
      ]
    : [],
  logRecordProcessors: enabled('LOGS') ? [new logs.BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })] : [],
  instrumentations: [
    getNodeAutoInstrumentations({
${['// File system spans are noise in a web service.', "'@opentelemetry/instrumentation-fs': { enabled: false },", ...logInstrumentations(service)].map((l) => `      ${l}`).join('\n')}
    }),${fastify ? '\n    // Fastify routes and hooks (auto-instrumentations-node has no Fastify instrumentation).\n    new FastifyOtelInstrumentation({ registerOnInitialization: true }),' : ''}
  ],
});
sdk.start();
${usesConsole ? consoleJson(service) : ''}
// Flush what is buffered on SIGTERM; exit only if the app has no SIGTERM handler of its own.
process.on('SIGTERM', () => {
  sdk
    .shutdown()
    .catch(() => undefined)
    .finally(() => {
      if (process.listenerCount('SIGTERM') === 1) process.exit(0);
    });
});
`;
}
