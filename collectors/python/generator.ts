/**
 * The Python instrumentation generator: for every Python service, the packages to add, the
 * gunicorn/logging configuration that sets OpenTelemetry up without touching the service's code,
 * the OTEL_* environment and a README with the exact lines. The service's own files are never
 * edited; what to change in them is spelled out instead.
 */
import type { Generator, GeneratorResult } from '../../model/generator.js';
import type { ServiceModel, SystemModel } from '../../model/schema.js';
import type { GeneratedFile } from '../../core/writer.js';
import {
  CONTAINER_DIR,
  commandLine,
  composeCommand,
  envFile,
  fromService,
  header,
  instrumentationDir,
  perService,
  readme,
  serviceEnv,
  shellLine,
} from '../instrumentation/common.js';
import { pythonPackages } from './packages.js';
import { pythonRun } from './run.js';
import { gunicornConfPy, loggingIni, obsLoggingPy } from './templates.js';

export interface PythonInstrumentationConfig {
  /** Release of opentelemetry-distro and the opentelemetry-instrumentation-* packages. Default 0.66b1. */
  contribVersion: string;
  /** Release of opentelemetry-exporter-otlp (the SDK release that goes with contribVersion). Default 1.45.1. */
  sdkVersion: string;
}

/** Extra environment for Python services on top of serviceOtelEnv. */
function pythonEnv(service: ServiceModel): Record<string, string> {
  const excluded = ['/health(z)?$', ...(service.metricsPath ? [`${service.metricsPath}$`] : [])];
  return {
    // Scrapes and health checks would otherwise be most of the traces.
    OTEL_PYTHON_EXCLUDED_URLS: excluded.join(','),
    ...(service.framework === 'django' && service.settingsModule
      ? { DJANGO_SETTINGS_MODULE: service.settingsModule }
      : {}),
  };
}

function describe(service: ServiceModel): string[] {
  return [
    `Python${service.framework ? `, ${service.framework}` : ''}${service.server ? ` under ${service.server}` : ''}`,
    ...(service.entrypoint ? [`app \`${service.entrypoint}\``] : []),
    ...(service.libraries.length > 0 ? [`libraries ${service.libraries.join(', ')}`] : []),
  ];
}

function composeSnippet(
  service: ServiceModel,
  dir: string,
  command: string[],
  env: Record<string, string>,
): string {
  const lines = [
    'services:',
    `  ${service.composeService ?? service.name}:`,
    `    command: ${composeCommand(command)}`,
    '    env_file:',
    `      - ${dir}/otel.env`,
    ...(Object.keys(env).length > 0
      ? [
          '    environment:',
          ...Object.entries(env).flatMap(([k, v]) => [
            // Compose cannot read the image's own value: it has to be written out here.
            ...(k === 'PYTHONPATH'
              ? ['      # If the image sets PYTHONPATH, append its value after a colon.']
              : []),
            `      ${k}: ${v}`,
          ]),
        ]
      : []),
    '    volumes:',
    `      - ./${dir}:${CONTAINER_DIR}:ro`,
  ];
  return lines.join('\n');
}

function filesFor(model: SystemModel, service: ServiceModel, config: PythonInstrumentationConfig) {
  const dir = instrumentationDir(model, service);
  const local = fromService(service, dir);
  const run = pythonRun(service, local);
  const pkgs = pythonPackages(service, { contrib: config.contribVersion, sdk: config.sdkVersion });
  const env = serviceEnv(model, service, pythonEnv(service));
  const files: GeneratedFile[] = [
    { path: `${dir}/requirements-otel.txt`, content: header('#') + pkgs.lines.join('\n') + '\n' },
    { path: `${dir}/obs_logging.py`, content: obsLoggingPy(service) },
    { path: `${dir}/otel.env`, content: envFile(env) },
  ];
  const described: { name: string; what: string }[] = [
    { name: 'requirements-otel.txt', what: 'the packages above, pinned' },
    { name: 'obs_logging.py', what: 'JSON log formatter with trace and span ids' },
    {
      name: 'otel.env',
      what: 'OTEL_* settings: service name, Collector endpoint, exporters, sampling',
    },
  ];
  if (run.gunicornConf) {
    files.push({ path: `${dir}/gunicorn.conf.py`, content: gunicornConfPy(service) });
    described.push({
      name: 'gunicorn.conf.py',
      what: 'sets OpenTelemetry up in each worker after the fork, JSON logs',
    });
  }
  if (run.loggingIni) {
    files.push({ path: `${dir}/logging.ini`, content: loggingIni() });
    described.push({
      name: 'logging.ini',
      what: `JSON logs for ${service.server ?? 'the server'} (--log-config)`,
    });
  }
  // PYTHONPATH is extended, not replaced: the app may need what is already on it.
  const exports = Object.entries(run.env(local)).map(([k, v]) =>
    k === 'PYTHONPATH'
      ? `export PYTHONPATH=${shellLine([v])}\${PYTHONPATH:+:$PYTHONPATH}`
      : `export ${k}=${shellLine([v])}`,
  );
  const runLine = commandLine(run.command(local));
  const logs = [
    `Every log record goes to stdout as one JSON object per line, with \`trace.id\` and \`span.id\` while a request is being served, and to the Collector over OTLP.`,
    ...(run.configureInCode
      ? [
          'This start command has no logging config to hook into: add these two lines where the app starts (with this folder on PYTHONPATH):',
          '```python\nimport obs_logging\nobs_logging.configure()\n```',
        ]
      : []),
  ];
  const containerCommand = run.command(CONTAINER_DIR);
  files.push({
    path: `${dir}/README.md`,
    content: readme({
      service,
      dir,
      detected: describe(service),
      install: [`pip install -r ${fromService(service, `${dir}/requirements-otel.txt`)}`],
      packageLines: { file: 'requirements.txt', lines: pkgs.lines },
      run: [...exports, runLine],
      runNotes: [
        ...run.notes,
        ...(service.libraries.includes('sqlite3')
          ? [
              "sqlite3: OpenTelemetry traces statements run on a cursor (`conn.cursor().execute(...)`); `Connection.execute()` makes its cursor inside the C module, out of the instrumentation's sight, and is not traced.",
            ]
          : []),
        ...(pkgs.uninstrumented.length > 0
          ? [
              `No OpenTelemetry instrumentation at this release for: ${pkgs.uninstrumented.join(', ')}.`,
            ]
          : []),
      ],
      compose: composeSnippet(service, dir, containerCommand, run.env(CONTAINER_DIR)),
      logs,
      files: described,
    }),
  });
  const notes = [
    `${service.name}: add ${pkgs.lines.length} packages (${dir}/requirements-otel.txt), then start it with: ${[...exports, runLine].join('; ')}`,
    ...(run.conflict !== undefined ? [`${service.name}: ${run.conflict}`] : []),
    ...(run.configureInCode
      ? [
          `${service.name}: call obs_logging.configure() at start-up for JSON logs (see ${dir}/README.md)`,
        ]
      : []),
    ...(pkgs.uninstrumented.length > 0
      ? [
          `${service.name}: no OpenTelemetry instrumentation at ${config.contribVersion} for ${pkgs.uninstrumented.join(', ')}`,
        ]
      : []),
  ];
  return { files, notes };
}

export const pythonInstrumentation: Generator<PythonInstrumentationConfig> = {
  name: 'python-instrumentation',
  description:
    'OpenTelemetry for Python services: packages, gunicorn/uvicorn set-up, JSON logs, run lines',
  defaults: { contribVersion: '0.66b1', sdkVersion: '1.45.1' },
  validate(_model, config) {
    const problems: string[] = [];
    if (!/^\d+\.\d+b\d+$/.test(config.contribVersion))
      problems.push(
        `contribVersion must be a contrib release such as 0.66b1, not "${config.contribVersion}"`,
      );
    if (!/^\d+\.\d+\.\d+$/.test(config.sdkVersion))
      problems.push(`sdkVersion must be an SDK release such as 1.45.1, not "${config.sdkVersion}"`);
    return problems;
  },
  generate(model, config): GeneratorResult {
    return perService(model, 'python', (service) => filesFor(model, service, config));
  },
};
