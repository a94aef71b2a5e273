/**
 * Reading a service's start command (from compose, a Kubernetes container, a Dockerfile, a Procfile
 * or package.json scripts): which server runs it, its entrypoint, the port it binds, and flags that
 * do not go with instrumentation (`uvicorn --reload`, an existing `opentelemetry-instrument`).
 */

/** Splits a shell command line into words: quotes and backslashes, no expansion. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if ((c === '&' && line[i + 1] === '&') || c === ';') {
      // Only the last command of `a && b` / `a; b` starts the service (migrations run first).
      words.length = 0;
      cur = '';
      inWord = false;
      if (c === '&') i++;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Kubernetes expands `$(VAR)` in command and args from the container's env; a shell never does. */
const KUBERNETES_VAR = /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;
/** `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`: what a shell expands. */
const SHELL_VAR = /\$(?:\{([A-Za-z_]\w*)(?::?-[^}]*)?\}|([A-Za-z_]\w*))/g;
/** Names of variables whose values are never written out, whatever they hold. */
const SECRET_NAME =
  /PASS|PWD|SECRET|TOKEN|KEY|CRED|AUTH|PRIVATE|SALT|CERT|SIGN|DSN|SESSION|COOKIE/i;
/** Values safe to write into obs.yaml and run lines: numbers (ports, counts) and bind addresses. */
const PLAIN_VALUE = /^(\d{1,6}|\d{1,3}(\.\d{1,3}){3}|\[?::\]?|localhost)$/;

/**
 * Replaces the service's environment variables in its start command by their values where those
 * are plain (a port, a bind address), so run lines work outside the container. Environment values
 * may be credentials: anything else stays a variable, and Kubernetes' `$(VAR)` becomes the
 * shell's `${VAR}` so a shell can still expand it.
 */
export function substituteVariables(
  words: readonly string[],
  env: Readonly<Record<string, string>>,
  kubernetes: boolean,
): string[] {
  const plain = (name: string) => {
    const value = env[name];
    return value !== undefined && !SECRET_NAME.test(name) && PLAIN_VALUE.test(value)
      ? value
      : undefined;
  };
  return words.map((w) => {
    const k8s = kubernetes
      ? w.replace(KUBERNETES_VAR, (_, n: string) => plain(n) ?? `\${${n}}`)
      : w;
    return k8s.replace(
      SHELL_VAR,
      (all, braced: string | undefined, bare: string | undefined) =>
        plain(braced ?? bare ?? '') ?? all,
    );
  });
}

export type PythonServer = 'gunicorn' | 'uvicorn' | 'hypercorn' | 'flask' | 'django' | 'python';

export interface RunCommand {
  /** The command without wrappers (`sh -c`, `exec`, env assignments, `opentelemetry-instrument`). */
  words: string[];
  server?: PythonServer | 'node';
  entrypoint?: string;
  port?: number;
  /** gunicorn `-k` / `--worker-class`. */
  workerClass?: string;
  /** gunicorn `-c` / `--config`. */
  configFile?: string;
  /** Flags that break instrumentation, e.g. `--reload`. */
  unsupportedFlags: string[];
  /** The command already runs under an OpenTelemetry wrapper or preload. */
  alreadyInstrumented: boolean;
  /** A development runner (nodemon, ts-node, tsx, `flask run`, `runserver`). */
  devRunner?: string;
  /** A task-queue worker that serves no HTTP (`celery worker`, `rq worker`, `dramatiq`). */
  taskWorker?: string;
  /** The task-queue program is its scheduler (`celery beat`): it publishes tasks, runs none. */
  scheduler?: boolean;
}

const PYTHON_RE = /^python(\d(\.\d+)?)?$/;
/** Init processes and entrypoint scripts that hand over to the real command. */
const INIT_WRAPPERS = /^(tini|dumb-init|.*entrypoint\.sh)$/;
const RUNNERS = new Set(['poetry', 'pipenv', 'uv', 'pdm', 'hatch', 'rye']);

/** Options that take a value, per program: the next word is not a positional argument. */
const VALUE_OPTIONS: Record<string, ReadonlySet<string>> = {
  gunicorn: new Set(
    [
      '-b --bind -w --workers -k --worker-class -c --config --chdir -t --timeout --threads',
      '--log-level --log-config -e --env --access-logfile --error-logfile -n --name',
      '--max-requests --max-requests-jitter --graceful-timeout --keep-alive -u --user -g --group',
      '--pythonpath --worker-connections --access-logformat --backlog -p --pid --paste',
    ]
      .join(' ')
      .split(' '),
  ),
  uvicorn: new Set(
    [
      '--host --port --uds --fd --workers --log-config --log-level --root-path --env-file',
      '--app-dir --reload-dir --reload-include --reload-exclude --loop --http --ws --lifespan',
      '--interface --forwarded-allow-ips --limit-concurrency --limit-max-requests',
      '--timeout-keep-alive --backlog --ssl-keyfile --ssl-certfile --h11-max-incomplete-event-size',
    ]
      .join(' ')
      .split(' '),
  ),
  hypercorn: new Set(
    '-b --bind -w --workers -k --worker-class -c --config --root-path --log-level'.split(' '),
  ),
  flask: new Set('-A --app --host -h --port -p --cert --key -e --env-file'.split(' ')),
  node: new Set(
    '-r --require --import --loader --experimental-loader --env-file --inspect-port -C --conditions'.split(
      ' ',
    ),
  ),
};

function optionValue(words: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    for (const n of names) {
      if (w === n) return words[i + 1];
      if (n.startsWith('--') && w.startsWith(`${n}=`)) return w.slice(n.length + 1);
      if (!n.startsWith('--') && w.startsWith(n) && w.length > n.length) return w.slice(n.length);
    }
  }
  return undefined;
}

function positionals(words: readonly string[], program: string): string[] {
  const takesValue = VALUE_OPTIONS[program] ?? new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      if (!w.includes('=') && takesValue.has(w)) i++;
    } else {
      out.push(w);
    }
  }
  return out;
}

/** `0.0.0.0:8000`, `:8000`, `[::]:8000`, `8000` -> 8000. */
export function portOf(bind: string | undefined): number | undefined {
  if (bind === undefined) return undefined;
  const m = /(?:^|:)(\d{1,5})$/.exec(bind.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Removes shells, `exec`, env assignments and runners around the real program. */
function unwrap(input: readonly string[]): { words: string[]; instrumented: boolean } {
  let words = [...input];
  let instrumented = false;
  for (let guard = 0; guard < 8 && words.length > 0; guard++) {
    const head = words[0]!;
    const base = head.split('/').pop()!;
    if (INIT_WRAPPERS.test(base)) {
      words = words.slice(words[1] === '--' ? 2 : 1);
    } else if ((base === 'sh' || base === 'bash') && words[1] === '-c' && words[2] !== undefined) {
      words = splitWords(words[2]);
    } else if (base === 'exec' || base === 'env' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(head)) {
      words = words.slice(1);
    } else if (RUNNERS.has(base) && words[1] === 'run') {
      words = words.slice(2);
    } else if (base === 'opentelemetry-instrument') {
      instrumented = true;
      let i = 1;
      while (i < words.length && words[i]!.startsWith('--')) i += words[i]!.includes('=') ? 1 : 2;
      words = words.slice(i);
    } else if (PYTHON_RE.test(base) && words[1] === '-m' && words[2] !== undefined) {
      const mod = words[2];
      if (['gunicorn', 'uvicorn', 'hypercorn', 'flask', 'fastapi'].includes(mod))
        words = words.slice(2);
      else if (mod === 'opentelemetry.instrumentation.auto_instrumentation') {
        instrumented = true;
        words = words.slice(3);
      } else break;
    } else break;
  }
  return { words, instrumented };
}

/** celery's global options that take a value. */
const CELERY_VALUED = new Set([
  '-A',
  '--app',
  '-b',
  '--broker',
  '--result-backend',
  '--loader',
  '--config',
  '--workdir',
]);

/**
 * The task-queue worker a command runs, if it runs one: `celery ... worker|beat` (also as
 * `python -m celery`), `rq worker`, `dramatiq`. Celery's `flower` serves HTTP and is not one.
 * `celery beat` is the scheduler: it publishes tasks on time and runs none (`celery worker -B`
 * embeds one in a worker, which still runs tasks).
 */
function taskWorkerOf(
  words: readonly string[],
): { program: string; scheduler: boolean } | undefined {
  const head = words[0]?.split('/').pop();
  const program = head !== undefined && PYTHON_RE.test(head) && words[1] === '-m' ? 2 : 0;
  const name = words[program]?.split('/').pop();
  const args = words.slice(program + 1);
  if (name === 'celery') {
    // The subcommand, not an option's value (`-A worker beat` is beat of an app named worker).
    const sub = args.find(
      (a, i) => (a === 'worker' || a === 'beat') && !CELERY_VALUED.has(args[i - 1] ?? ''),
    );
    if (sub !== undefined) return { program: 'celery', scheduler: sub === 'beat' };
  }
  if (name === 'rq' && args.includes('worker')) return { program: 'rq', scheduler: false };
  if (name === 'dramatiq') return { program: 'dramatiq', scheduler: false };
  return undefined;
}

/** Reads a Python service's start command. */
export function parsePythonCommand(input: readonly string[]): RunCommand {
  const { words, instrumented } = unwrap(input);
  const cmd: RunCommand = { words, unsupportedFlags: [], alreadyInstrumented: instrumented };
  const task = taskWorkerOf(words);
  cmd.taskWorker = task?.program;
  if (task?.scheduler) cmd.scheduler = true;
  const head = words[0]?.split('/').pop();
  const args = words.slice(1);
  if (head === 'gunicorn') {
    cmd.server = 'gunicorn';
    cmd.entrypoint = positionals(args, 'gunicorn')[0];
    cmd.port = portOf(optionValue(args, ['--bind', '-b']));
    cmd.workerClass = optionValue(args, ['--worker-class', '-k']);
    cmd.configFile = optionValue(args, ['--config', '-c']);
    if (args.includes('--reload')) cmd.unsupportedFlags.push('--reload');
    if (args.includes('--preload')) cmd.unsupportedFlags.push('--preload');
  } else if (head === 'uvicorn') {
    cmd.server = 'uvicorn';
    cmd.entrypoint = positionals(args, 'uvicorn')[0];
    cmd.port = portOf(optionValue(args, ['--port']));
    for (const f of ['--reload', '--workers']) {
      if (args.some((a) => a === f || a.startsWith(`${f}=`))) cmd.unsupportedFlags.push(f);
    }
  } else if (head === 'fastapi' && (args[0] === 'run' || args[0] === 'dev')) {
    // The FastAPI CLI serves the app with uvicorn. Its argument is a file, not `module:app`: the
    // entrypoint is left to the code's app object.
    cmd.server = 'uvicorn';
    cmd.port = portOf(optionValue(args, ['--port']));
    if (args[0] === 'dev') cmd.devRunner = 'fastapi dev';
    for (const f of ['--reload', '--workers']) {
      if (args.some((a) => a === f || a.startsWith(`${f}=`))) cmd.unsupportedFlags.push(f);
    }
  } else if (head === 'hypercorn') {
    cmd.server = 'hypercorn';
    cmd.entrypoint = positionals(args, 'hypercorn')[0];
    cmd.port = portOf(optionValue(args, ['--bind', '-b']));
  } else if (head === 'flask') {
    cmd.server = 'flask';
    cmd.devRunner = 'flask run';
    cmd.entrypoint = optionValue(args, ['--app', '-A']);
    cmd.port = portOf(optionValue(args, ['--port', '-p']));
    if (!args.includes('--no-reload') && args.includes('--reload'))
      cmd.unsupportedFlags.push('--reload');
  } else if (head !== undefined && PYTHON_RE.test(head) && cmd.taskWorker === undefined) {
    // `python -m celery ... worker` is the celery program, read as such above: not a script.
    const script = args.find((a) => !a.startsWith('-'));
    if (script?.endsWith('manage.py') && args.includes('runserver')) {
      cmd.server = 'django';
      cmd.devRunner = 'manage.py runserver';
      const after = args.slice(args.indexOf('runserver') + 1).find((a) => !a.startsWith('-'));
      cmd.port = portOf(after);
      if (!args.includes('--noreload')) cmd.unsupportedFlags.push('autoreload (add --noreload)');
    } else if (args[0] === '-m' && args[1] !== undefined) {
      cmd.server = 'python';
      cmd.entrypoint = args[1];
    } else if (script !== undefined) {
      cmd.server = 'python';
      cmd.entrypoint = script;
    }
  }
  return cmd;
}

const NODE_DEV_RUNNERS = new Set(['nodemon', 'ts-node', 'tsx', 'ts-node-dev', 'node-dev']);
const PACKAGE_MANAGERS = new Set(['npm', 'yarn', 'pnpm', 'bun']);

/**
 * Reads a Node service's start command; `npm start` / `npm run x` are looked up in `scripts`,
 * whose words go through `expand` (the caller's variable substitution) as the command's did.
 */
export function parseNodeCommand(
  input: readonly string[],
  scripts: Readonly<Record<string, string>> = {},
  expand: (words: readonly string[]) => string[] = (words) => [...words],
): RunCommand {
  let { words } = unwrap(input);
  for (let guard = 0; guard < 4; guard++) {
    const head = words[0]?.split('/').pop();
    if (head === undefined || !PACKAGE_MANAGERS.has(head)) break;
    const script = words[1] === 'run' || words[1] === 'run-script' ? words[2] : words[1];
    const body = script === undefined ? undefined : scripts[script];
    if (body === undefined) break;
    words = unwrap(expand(splitWords(body))).words;
  }
  const cmd: RunCommand = { words, unsupportedFlags: [], alreadyInstrumented: false };
  const head = words[0]?.split('/').pop();
  if (head === 'node' || (head !== undefined && NODE_DEV_RUNNERS.has(head))) {
    cmd.server = 'node';
    if (head !== 'node') cmd.devRunner = head;
    const args = words.slice(1);
    const preload = [
      optionValue(args, ['--require', '-r']),
      optionValue(args, ['--import']),
      optionValue(args, ['--experimental-loader', '--loader']),
    ];
    cmd.alreadyInstrumented = preload.some((p) => p?.includes('opentelemetry') ?? false);
    cmd.entrypoint = positionals(args, 'node')[0];
  } else if (head !== undefined) {
    // Another program (`next start -p 3000`, `nest start`): its usual port flags. Not for node,
    // whose -p is --print.
    cmd.port = portOf(optionValue(words.slice(1), ['--port', '-p']));
  }
  return cmd;
}
