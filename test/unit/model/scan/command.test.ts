import { describe, expect, it } from 'vitest';
import {
  parseNodeCommand,
  parsePythonCommand,
  portOf,
  splitWords,
  substituteVariables,
} from '../../../../model/scan/command.js';

describe('splitWords', () => {
  it('keeps quoted words together and unescapes', () => {
    expect(splitWords(`gunicorn -b "0.0.0.0:8000" 'app:create_app()' a\\ b`)).toEqual([
      'gunicorn',
      '-b',
      '0.0.0.0:8000',
      'app:create_app()',
      'a b',
    ]);
  });

  it('keeps only the last command of a && chain (migrations run before the server)', () => {
    expect(splitWords('python manage.py migrate && gunicorn mysite.wsgi')).toEqual([
      'gunicorn',
      'mysite.wsgi',
    ]);
  });
});

describe('parsePythonCommand', () => {
  it('reads gunicorn: app, bind port, worker class, config', () => {
    const c = parsePythonCommand(
      splitWords(
        'gunicorn -w 4 -k uvicorn.workers.UvicornWorker --bind=0.0.0.0:8080 -c gc.py main:app',
      ),
    );
    expect(c).toMatchObject({
      server: 'gunicorn',
      entrypoint: 'main:app',
      port: 8080,
      workerClass: 'uvicorn.workers.UvicornWorker',
      configFile: 'gc.py',
    });
  });

  it('sees through sh -c, exec, env assignments, python -m and tini', () => {
    const c = parsePythonCommand([
      'tini',
      '--',
      'sh',
      '-c',
      'exec FOO=1 python -m uvicorn app.main:app --port 9000',
    ]);
    expect(c).toMatchObject({ server: 'uvicorn', entrypoint: 'app.main:app', port: 9000 });
  });

  it('reports uvicorn --reload and --workers, which break instrumentation', () => {
    const c = parsePythonCommand(splitWords('uvicorn app:app --reload --workers 4'));
    expect(c.unsupportedFlags).toEqual(['--reload', '--workers']);
  });

  it('notices a command that already runs under opentelemetry-instrument', () => {
    const c = parsePythonCommand(
      splitWords('opentelemetry-instrument --traces_exporter otlp flask run'),
    );
    expect(c).toMatchObject({ alreadyInstrumented: true, server: 'flask', devRunner: 'flask run' });
  });

  it('reads Django runserver and plain scripts', () => {
    expect(parsePythonCommand(splitWords('python manage.py runserver 0.0.0.0:8001'))).toMatchObject(
      {
        server: 'django',
        port: 8001,
        unsupportedFlags: ['autoreload (add --noreload)'],
      },
    );
    expect(parsePythonCommand(splitWords('python3 worker.py --once'))).toMatchObject({
      server: 'python',
      entrypoint: 'worker.py',
    });
    expect(parsePythonCommand(splitWords('poetry run python -m worker'))).toMatchObject({
      server: 'python',
      entrypoint: 'worker',
    });
  });
});

describe('parsePythonCommand: the FastAPI CLI', () => {
  it('fastapi run is served by uvicorn; the app is left to the code', () => {
    const c = parsePythonCommand(splitWords('fastapi run app/main.py --port 8000 --workers 2'));
    expect(c).toMatchObject({ server: 'uvicorn', port: 8000, unsupportedFlags: ['--workers'] });
    expect(c.entrypoint).toBeUndefined();
    expect(parsePythonCommand(splitWords('python -m fastapi dev main.py'))).toMatchObject({
      server: 'uvicorn',
      devRunner: 'fastapi dev',
    });
  });

  it('a program that is no server obs knows (celery, waitress) has no server', () => {
    expect(parsePythonCommand(splitWords('celery -A mysite worker -l info')).server).toBe(
      undefined,
    );
  });

  it('celery beat is a scheduler; a worker, also with an embedded beat (-B), is not', () => {
    const scheduler = (line: string) => parsePythonCommand(splitWords(line)).scheduler;
    expect(scheduler('celery -A proj beat -l info')).toBe(true);
    expect(scheduler('python -m celery --app worker beat')).toBe(true);
    expect(scheduler('celery -A proj worker -B')).toBeUndefined();
    expect(scheduler('celery -A beat worker')).toBeUndefined();
    expect(parsePythonCommand(splitWords('celery -A proj beat')).taskWorker).toBe('celery');
  });

  it('a task worker run as a module (python -m celery) is read as the program itself', () => {
    for (const [module, plain] of [
      ['python -m celery -A proj worker', 'celery -A proj worker'],
      ['python3 -m rq worker', 'rq worker'],
      ['python -m dramatiq tasks', 'dramatiq tasks'],
    ] as const) {
      const read = (line: string) => {
        const { server, entrypoint, taskWorker } = parsePythonCommand(splitWords(line));
        return { server, entrypoint, taskWorker };
      };
      expect(read(module)).toEqual(read(plain));
      expect(read(plain)).toMatchObject({ server: undefined, entrypoint: undefined });
      expect(parsePythonCommand(splitWords(module)).words).toEqual(splitWords(module));
    }
  });
});

describe('parseNodeCommand', () => {
  it('reads -p/--port of another program (next start), not node -p (print)', () => {
    expect(parseNodeCommand(['npm', 'start'], { start: 'next start -p 3000' })).toMatchObject({
      words: ['next', 'start', '-p', '3000'],
      port: 3000,
    });
    expect(parseNodeCommand(splitWords('next start --port=3001')).port).toBe(3001);
    expect(parseNodeCommand(splitWords('node -p 3000 server.js')).port).toBeUndefined();
  });

  it('follows npm start into package.json scripts', () => {
    const c = parseNodeCommand(['npm', 'start'], {
      start: 'node --enable-source-maps dist/main.js',
    });
    expect(c).toMatchObject({ server: 'node', entrypoint: 'dist/main.js' });
  });

  it('skips the values of -r/--import and marks an existing OpenTelemetry preload', () => {
    const c = parseNodeCommand(
      splitWords('node -r @opentelemetry/auto-instrumentations-node/register server.js'),
    );
    expect(c).toMatchObject({ entrypoint: 'server.js', alreadyInstrumented: true });
  });

  it('marks development runners', () => {
    expect(parseNodeCommand(['npm', 'run', 'dev'], { dev: 'nodemon src/app.js' })).toMatchObject({
      devRunner: 'nodemon',
      entrypoint: 'src/app.js',
    });
  });
});

describe('portOf', () => {
  it.each([
    ['0.0.0.0:8000', 8000],
    [':9000', 9000],
    ['[::]:7000', 7000],
    ['8080', 8080],
    ['unix:/tmp/sock', undefined],
    ['0.0.0.0:70000', undefined],
  ])('%s -> %s', (bind, port) => expect(portOf(bind)).toBe(port));
});

describe('substituteVariables', () => {
  const env = { PORT: '8000', HOST: '0.0.0.0', API_KEY: '1234', APP: 'app.main:app' };

  it("Kubernetes' $(VAR) and the shell's $VAR, ${VAR:-default} take plain values of the env", () => {
    expect(substituteVariables(['-b', '0.0.0.0:$(PORT)'], env, true)).toEqual([
      '-b',
      '0.0.0.0:8000',
    ]);
    expect(substituteVariables(['--port', '$PORT', '${HOST:-127.0.0.1}'], env, false)).toEqual([
      '--port',
      '8000',
      '0.0.0.0',
    ]);
    expect(
      substituteVariables(['sh', '-c', 'uvicorn a:b --port ${PORT:-8003}'], env, false),
    ).toEqual(['sh', '-c', 'uvicorn a:b --port 8000']);
  });

  it('leaves unknown, secret-named and non-plain values as shell variables', () => {
    expect(
      substituteVariables(['$(WORKERS)', '--key=$API_KEY', '${APP}', '${PORT2:-8003}'], env, true),
    ).toEqual(['${WORKERS}', '--key=$API_KEY', '${APP}', '${PORT2:-8003}']);
    // Outside Kubernetes, $(...) is the shell's command substitution: not touched.
    expect(substituteVariables(['$(PORT)'], env, false)).toEqual(['$(PORT)']);
  });
});
