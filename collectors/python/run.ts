/**
 * How a Python service starts instrumented, derived from the command the scanner found: gunicorn
 * gets the generated config (SDK set up per worker after the fork); uvicorn, hypercorn and plain
 * scripts run under `opentelemetry-instrument`; development servers lose their reloader.
 */
import { parsePythonCommand } from '../../model/scan/command.js';
import type { ServiceModel } from '../../model/schema.js';
import { shellLine } from '../instrumentation/common.js';

export interface PythonRun {
  /** The command words; `dir` is where the generated files are, as the command sees them. */
  command: (dir: string) => string[];
  /** Environment the command needs besides otel.env (e.g. PYTHONPATH for obs_logging). */
  env: (dir: string) => Record<string, string>;
  notes: string[];
  /** Which generated files it uses. */
  gunicornConf: boolean;
  loggingIni: boolean;
  /** The app calls obs_logging.configure() itself (no server config to hook into). */
  configureInCode: boolean;
  /**
   * The model's `server` and its `command` name different servers (one of them edited in
   * obs.yaml, not the other): what the run line follows and how to make them agree.
   */
  conflict?: string;
}

/**
 * When `server` and the start command disagree: the run line follows `server`, so a command the
 * user changed alone would be dropped without a word.
 */
function serverConflict(model: ServiceModel, named: string | undefined): string | undefined {
  if (model.server === undefined || named === undefined || named === model.server) return undefined;
  return `obs.yaml says \`server: ${model.server}\` but its command runs ${named}: the run line follows \`server\` and replaces the command's server. Set \`server: ${named}\` to run the command as it is, or change the command.`;
}

/** Drops options (with their values) from an argument list. */
function without(
  args: readonly string[],
  valued: readonly string[],
  flags: readonly string[] = [],
) {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (flags.includes(a)) continue;
    if (valued.includes(a)) {
      i++;
      continue;
    }
    if (valued.some((v) => v.startsWith('--') && a.startsWith(`${v}=`))) continue;
    out.push(a);
  }
  return out;
}

function gunicornLine(service: ServiceModel, args: readonly string[] | undefined) {
  const port = service.port ?? 8000;
  const kept = args
    ? without(args, ['-c', '--config'], ['--reload', '--preload'])
    : [
        ...(service.framework === 'fastapi' || service.server === 'uvicorn'
          ? ['-k', 'uvicorn.workers.UvicornWorker']
          : []),
        '--bind',
        `0.0.0.0:${port}`,
        defaultApp(service),
      ];
  return (dir: string) => ['gunicorn', '-c', `${dir}/gunicorn.conf.py`, ...kept];
}

function defaultApp(service: ServiceModel): string {
  if (service.framework === 'django' && service.settingsModule)
    return `${service.settingsModule.replace(/\.settings(\.\w+)?$/, '')}.wsgi:application`;
  return service.entrypoint?.includes(':') ? service.entrypoint : 'app:app';
}

/** `localDir`: the generated folder as seen from the service folder, for the notes' commands. */
export function pythonRun(model: ServiceModel, localDir: string): PythonRun {
  const parsed = model.command ? parsePythonCommand(model.command) : undefined;
  // The app named in the start command, when the model has no entrypoint of its own.
  const service = { ...model, entrypoint: model.entrypoint ?? parsed?.entrypoint };
  const words = parsed?.words ?? [];
  const args = words.slice(1);
  const server = service.server ?? parsed?.server;
  const port = service.port ?? 8000;
  const pythonPath = (dir: string) => ({ PYTHONPATH: dir });
  const notes: string[] = [];
  const conflict = serverConflict(model, parsed?.server ?? parsed?.taskWorker);
  if (conflict !== undefined) notes.push(conflict);
  const base = {
    ...(conflict !== undefined ? { conflict } : {}),
    notes,
    gunicornConf: false,
    loggingIni: false,
    configureInCode: false,
    env: () => ({}),
  };
  const gunicornAlternative = (why: string) => {
    const line = gunicornLine(service, undefined);
    notes.push(`${why}:\n\n\`\`\`sh\n${shellLine(line(localDir))}\n\`\`\``);
  };

  // `celery worker` and `python -m celery worker` alike run under opentelemetry-instrument, with
  // any pool: the SDK (1.45) gives each forked prefork pool process its own service.instance.id
  // and restarts its export threads there (test/integration/instrumentation/celery.test.ts).

  switch (server) {
    case 'gunicorn':
      if (words[0] !== 'gunicorn' && service.command && conflict === undefined)
        notes.push('The start command was not a plain gunicorn command; check the line above.');
      return {
        ...base,
        gunicornConf: true,
        command: gunicornLine(service, words[0] === 'gunicorn' ? args : undefined),
      };
    case 'uvicorn':
    case 'hypercorn': {
      const valued = server === 'uvicorn' ? ['--workers', '--log-config'] : ['--log-config'];
      const kept =
        words[0] === server
          ? without(args, valued, ['--reload'])
          : [defaultApp(service), '--host', '0.0.0.0', '--port', String(port)];
      if (words[0] !== undefined && words[0] !== server)
        notes.push(
          `The start command is \`${words.slice(0, 2).join(' ')}\`: the line above runs the same app with ${server} itself. Check the app path.`,
        );
      notes.push(
        `\`${server} --workers\` and \`--reload\` do not work with OpenTelemetry: workers fork after the SDK is set up.`,
      );
      gunicornAlternative(
        "For several workers, run gunicorn with uvicorn's worker class and the generated gunicorn.conf.py",
      );
      return {
        ...base,
        loggingIni: true,
        gunicornConf: true,
        env: pythonPath,
        command: (dir) => [
          'opentelemetry-instrument',
          server,
          ...kept,
          '--log-config',
          `${dir}/logging.ini`,
        ],
      };
    }
    case 'django': {
      const rest =
        words.length > 0
          ? without(args, [], ['--noreload'])
          : ['manage.py', 'runserver', `0.0.0.0:${port}`];
      gunicornAlternative('`runserver` is a development server; in production run gunicorn');
      notes.push(djangoLoggingNote());
      return {
        ...base,
        gunicornConf: true,
        env: pythonPath,
        command: () => ['opentelemetry-instrument', 'python', ...rest, '--noreload'],
      };
    }
    case 'flask': {
      const rest =
        words.length > 0
          ? without(args, [], ['--reload', '--debug', '--no-reload'])
          : ['--app', service.entrypoint ?? 'app', 'run', '--port', String(port)];
      gunicornAlternative(
        '`flask run` is a development server (and its reloader breaks instrumentation); in production run gunicorn',
      );
      return {
        ...base,
        gunicornConf: true,
        configureInCode: true,
        env: pythonPath,
        command: () => ['opentelemetry-instrument', 'flask', ...rest, '--no-reload'],
      };
    }
    case 'python': {
      const rest = words.length > 0 ? args : [service.entrypoint ?? 'main.py'];
      return {
        ...base,
        configureInCode: true,
        env: pythonPath,
        command: () => ['opentelemetry-instrument', 'python', ...rest],
      };
    }
    default: {
      // A command obs does not know (celery, rq, waitress-serve): OpenTelemetry's own wrapper
      // runs any Python process, so the user's command is kept rather than replaced.
      if (words.length > 0) {
        notes.push(
          `obs does not know \`${parsed?.taskWorker ?? words[0]}\` as a server: this runs the service's own command under \`opentelemetry-instrument\`.`,
        );
        return {
          ...base,
          configureInCode: true,
          env: pythonPath,
          command: () => ['opentelemetry-instrument', ...words],
        };
      }
      if (
        service.framework === 'flask' ||
        service.framework === 'django' ||
        service.framework === 'fastapi'
      ) {
        notes.push(
          'No start command was found; this runs the app under gunicorn. Adjust the app path and bind address if they differ.',
        );
        return { ...base, gunicornConf: true, command: gunicornLine(service, undefined) };
      }
      notes.push(
        'No start command was found: put `opentelemetry-instrument` in front of the command that starts the service.',
      );
      return {
        ...base,
        configureInCode: true,
        env: pythonPath,
        command: () => ['opentelemetry-instrument', 'python', service.entrypoint ?? 'main.py'],
      };
    }
  }
}

function djangoLoggingNote(): string {
  return [
    'With `runserver`, Django configures logging from `settings.LOGGING`; for JSON lines with trace ids add:',
    '```python',
    'LOGGING = {',
    '    "version": 1,',
    '    "disable_existing_loggers": False,',
    '    "formatters": {"json": {"()": "obs_logging.JsonFormatter"}},',
    '    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},',
    '    "root": {"level": "INFO", "handlers": ["stdout"]},',
    '}',
    '```',
  ].join('\n');
}
