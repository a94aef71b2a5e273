/**
 * The Node instrumentation generator: for every Node service, an instrumentation module preloaded
 * with `--import` (ES modules, with the loader hook) or `--require` (CommonJS), the packages to
 * add, the OTEL_* environment and a README with the exact lines. The service's own files are never
 * edited.
 */
import type { Generator, GeneratorResult } from '../../model/generator.js';
import { parseNodeCommand } from '../../model/scan/command.js';
import type { ServiceModel, SystemModel } from '../../model/schema.js';
import type { GeneratedFile } from '../../core/writer.js';
import {
  CONTAINER_DIR,
  commandLine,
  composeCommand,
  envFile,
  fromService,
  instrumentationDir,
  perService,
  readme,
  serviceEnv,
} from '../instrumentation/common.js';
import { instrumentationModule } from './templates.js';

export interface NodeInstrumentationConfig {
  /** Range of @opentelemetry/sdk-node and the other 0.x SDK packages. Default ~0.223.0 (SDK 2.x, Node 20). */
  sdkVersion: string;
  /** Range of @opentelemetry/auto-instrumentations-node. Default ~0.81.0 (0.82 needs Node 22.15). */
  autoInstrumentationsVersion: string;
  /** Range of @opentelemetry/api. Default ^1.9.0. */
  apiVersion: string;
  /** Range of @fastify/otel, added for Fastify services. Default ^0.21.0. */
  fastifyOtelVersion: string;
}

/** The loader hook ES module apps need so instrumentations can patch `import`ed modules. */
export const ESM_LOADER = '--experimental-loader=@opentelemetry/instrumentation/hook.mjs';

function packages(service: ServiceModel, config: NodeInstrumentationConfig): string[] {
  const sdk = config.sdkVersion;
  return [
    `@opentelemetry/api@${config.apiVersion}`,
    `@opentelemetry/api-logs@${sdk}`,
    `@opentelemetry/sdk-node@${sdk}`,
    `@opentelemetry/auto-instrumentations-node@${config.autoInstrumentationsVersion}`,
    `@opentelemetry/exporter-trace-otlp-proto@${sdk}`,
    `@opentelemetry/exporter-metrics-otlp-proto@${sdk}`,
    `@opentelemetry/exporter-logs-otlp-proto@${sdk}`,
    ...(service.moduleType === 'esm' ? [`@opentelemetry/instrumentation@${sdk}`] : []),
    ...(service.framework === 'fastify' ? [`@fastify/otel@${config.fastifyOtelVersion}`] : []),
  ];
}

/** `@scope/name@range` -> `"@scope/name": "range"` for package.json. */
function dependencyLine(spec: string): string {
  const at = spec.lastIndexOf('@');
  return `"${spec.slice(0, at)}": "${spec.slice(at + 1)}",`;
}

/** How the service starts instrumented: its command, and NODE_OPTIONS when node is not run directly. */
interface NodeStart {
  words: string[];
  nodeOptions?: string;
}

const PACKAGE_MANAGERS = new Set(['npm', 'yarn', 'pnpm', 'bun']);

/**
 * `node [flags] main` keeps the app's own flags with the preload first. Another program (`next
 * start`, `npm start` whose main script is not known) keeps the user's command, and the preload
 * goes through NODE_OPTIONS, which every node process it starts reads.
 */
function nodeStart(service: ServiceModel, preload: string): NodeStart {
  const parsed = service.command ? parseNodeCommand(service.command) : undefined;
  const words = parsed?.words ?? [];
  const esm = service.moduleType === 'esm';
  const flags = esm ? [ESM_LOADER, '--import', preload] : ['--require', preload];
  if (words[0] === 'node') return { words: ['node', ...flags, ...words.slice(1)] };
  const ownCommand =
    parsed?.server === undefined &&
    words[0] !== undefined &&
    !(PACKAGE_MANAGERS.has(words[0]) && service.entrypoint !== undefined);
  if (ownCommand) return { words, nodeOptions: flags.join(' ') };
  return { words: ['node', ...flags, service.entrypoint ?? 'index.js'] };
}

const startLine = (start: NodeStart) =>
  (start.nodeOptions ? `NODE_OPTIONS="${start.nodeOptions}" ` : '') + commandLine(start.words);

function composeSnippet(service: ServiceModel, dir: string, start: NodeStart): string {
  return [
    'services:',
    `  ${service.composeService ?? service.name}:`,
    `    command: ${composeCommand(start.words)}`,
    ...(start.nodeOptions
      ? ['    environment:', `      NODE_OPTIONS: ${JSON.stringify(start.nodeOptions)}`]
      : []),
    '    env_file:',
    `      - ${dir}/otel.env`,
    '    volumes:',
    `      - ./${dir}:${CONTAINER_DIR}:ro`,
  ].join('\n');
}

function describe(service: ServiceModel): string[] {
  return [
    `Node (${service.moduleType === 'esm' ? 'ES modules' : 'CommonJS'})${service.framework ? `, ${service.framework}` : ''}`,
    ...(service.entrypoint ? [`main script \`${service.entrypoint}\``] : []),
    ...(service.libraries.length > 0 ? [`libraries ${service.libraries.join(', ')}`] : []),
  ];
}

function filesFor(model: SystemModel, service: ServiceModel, config: NodeInstrumentationConfig) {
  const dir = instrumentationDir(model, service);
  const moduleType = service.moduleType ?? 'cjs';
  const file = `instrumentation.${moduleType === 'esm' ? 'mjs' : 'cjs'}`;
  const local = fromService(service, `${dir}/${file}`);
  const pkgs = packages(service, config);
  const env = serviceEnv(model, service, {});
  const run = nodeStart(service, local);
  const container = nodeStart(service, `${CONTAINER_DIR}/${file}`);
  const logger = ['pino', 'winston', 'bunyan'].find((l) => service.libraries.includes(l));
  const notes: string[] = [];
  if (service.metricsPath)
    notes.push(
      `${service.name} serves its own ${service.metricsPath} with prom-client: Prometheus scrapes it as job="${service.name}", beside the OpenTelemetry metrics the SDK pushes.`,
    );
  if (
    service.command &&
    run.nodeOptions === undefined &&
    parseNodeCommand(service.command).words[0] !== 'node'
  )
    notes.push(
      `${service.name} starts with \`${service.command.join(' ')}\`: to keep it, pass the flags through NODE_OPTIONS="${moduleType === 'esm' ? `${ESM_LOADER} --import ${local}` : `--require ${local}`}".`,
    );

  const files: GeneratedFile[] = [
    { path: `${dir}/${file}`, content: instrumentationModule(service, moduleType) },
    { path: `${dir}/otel.env`, content: envFile(env) },
  ];
  const logs = logger
    ? [
        `The ${logger} instrumentation adds \`trace.id\` and \`span.id\` to every record logged while a request is served, and sends the records to the Collector.`,
        ...(logger === 'pino'
          ? [
              'For the field names the log pipeline reads, create the logger with:',
              "```js\npino({\n  messageKey: 'message',\n  timestamp: () => `,\"@timestamp\":\"${new Date().toISOString()}\"`,\n  formatters: { level: (label) => ({ 'log.level': label }) },\n  base: { 'service.name': process.env.OTEL_SERVICE_NAME },\n})\n```",
            ]
          : []),
      ]
    : [
        '`console.log`/`info`/`warn`/`error` become one JSON object per line on stdout, with `trace.id` and `span.id` while a request is served, and are sent to the Collector.',
      ];
  files.push({
    path: `${dir}/README.md`,
    content: readme({
      service,
      dir,
      detected: describe(service),
      install: [`npm install ${pkgs.join(' ')}`],
      packageLines: { file: 'package.json ("dependencies")', lines: pkgs.map(dependencyLine) },
      run: [startLine(run)],
      runNotes: notes,
      compose: composeSnippet(service, dir, container),
      logs,
      files: [
        { name: file, what: 'starts the OpenTelemetry SDK before the app loads' },
        {
          name: 'otel.env',
          what: 'OTEL_* settings: service name, Collector endpoint, exporters, sampling',
        },
      ],
    }),
  });
  return {
    files,
    notes: [
      `${service.name}: npm install ${pkgs.length} packages (${dir}/README.md), then start it with: ${startLine(run)}`,
    ],
  };
}

export const nodeInstrumentation: Generator<NodeInstrumentationConfig> = {
  name: 'node-instrumentation',
  description:
    'OpenTelemetry for Node services: an --import/--require module, packages, JSON logs, run lines',
  defaults: {
    sdkVersion: '~0.223.0',
    autoInstrumentationsVersion: '~0.81.0',
    apiVersion: '^1.9.0',
    fastifyOtelVersion: '^0.21.0',
  },
  validate(_model, config) {
    const problems: string[] = [];
    for (const [key, value] of Object.entries(config) as [string, string][]) {
      if (!/^[~^]?\d+\.\d+\.\d+$/.test(value))
        problems.push(`${key} must be a version or range such as ~0.223.0, not "${value}"`);
    }
    return problems;
  },
  generate(model, config): GeneratorResult {
    return perService(model, 'node', (service) => filesFor(model, service, config));
  },
};
