/**
 * Real log output of the programs whose formats the ELK text and JSON pipelines parse: Python
 * logging, Flask, gunicorn and uvicorn serving real requests, OpenTelemetry Python's log
 * correlation format, Node's console and pino. Each
 * program runs from test/fixtures/elk-log-sources; servers listen on free ports and are stopped.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { LOG_FIELDS } from '../../model/conventions.js';
import { tools } from './tools.js';

const exec = promisify(execFile);
export const SOURCES_DIR = path.resolve('test/fixtures/elk-log-sources');

export interface CapturedOutput {
  stdout: string;
  stderr: string;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export async function runScript(cmd: string, args: string[]): Promise<CapturedOutput> {
  const { stdout, stderr } = await exec(cmd, args, { cwd: SOURCES_DIR, timeout: 60_000 });
  return { stdout, stderr };
}

/** Starts a server, waits for `ready` on its output, requests `paths`, stops it with SIGTERM. */
export async function runServer(
  cmd: string,
  args: (port: number) => string[],
  ready: RegExp,
  paths: string[],
): Promise<CapturedOutput> {
  const port = await freePort();
  const child = spawn(cmd, args(port), {
    cwd: SOURCES_DIR,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const out: CapturedOutput = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 30_000;
    while (!ready.test(out.stdout + out.stderr)) {
      if (child.exitCode !== null) throw new Error(`${cmd} exited early:\n${out.stderr}`);
      if (Date.now() > deadline) throw new Error(`${cmd} did not start:\n${out.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of paths) {
      const res = await fetch(`http://127.0.0.1:${port}${p}`);
      await res.text();
    }
    // Let the access log lines reach the pipes before stopping.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return out;
}

/**
 * Joins the lines of one stream into events as a multiline-aware shipper does (Filebeat
 * multiline, the Collector's recombine operator): indented lines, a Python traceback through its
 * final exception line, and "During handling..." chains continue the event before them.
 */
export function joinEvents(text: string): string[] {
  const events: string[] = [];
  let inTraceback = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const last = events.length - 1;
    const continues =
      last >= 0 &&
      (/^\s/.test(line) ||
        line.startsWith('Traceback (most recent call last):') ||
        /^(During handling|The above exception)/.test(line) ||
        inTraceback);
    if (line.startsWith('Traceback (most recent call last):')) inTraceback = true;
    else if (
      inTraceback &&
      !/^\s/.test(line) &&
      !/^(During handling|The above exception)/.test(line)
    ) {
      // The exception line ends the traceback (and belongs to it).
      inTraceback = false;
    }
    if (continues) events[last] += '\n' + line;
    else events.push(line);
  }
  return events;
}

export interface RealLogs {
  /** Source name -> events. */
  text: Record<string, string[]>;
  json: Record<string, string[]>;
}

/** Runs every log source; takes a few seconds (Python start-up, two servers). */
export async function captureRealLogs(): Promise<RealLogs> {
  const python = tools.python();
  const formats = await runScript(python, ['python_logging_formats.py']);
  const flask = await runScript(python, ['flask_app.py']);
  const gunicorn = await runServer(
    tools.venvBin('gunicorn'),
    (port) => [
      '-w',
      '1',
      '-b',
      `127.0.0.1:${port}`,
      '--access-logfile',
      '-',
      '--error-logfile',
      '-',
      'wsgi_app:app',
    ],
    /Booting worker/,
    ['/orders', '/fail'],
  );
  const uvicorn = await runServer(
    tools.venvBin('uvicorn'),
    (port) => ['fastapi_app:app', '--host', '127.0.0.1', '--port', String(port)],
    /Uvicorn running on/,
    ['/pay', '/refund'],
  );
  const otel = await runScript(python, ['otel_log_correlation.py']);
  const node = await runScript(process.execPath, ['node_console.mjs']);
  const pino = await runScript(process.execPath, ['node_pino.mjs']);
  const ecs = await runScript(python, ['json_log_fields.py', JSON.stringify(LOG_FIELDS)]);
  return {
    text: {
      'python logging': joinEvents(formats.stderr),
      flask: joinEvents(flask.stderr),
      'gunicorn error log': joinEvents(gunicorn.stderr),
      'gunicorn access log': joinEvents(gunicorn.stdout),
      'uvicorn log': joinEvents(uvicorn.stderr),
      'uvicorn access log': joinEvents(uvicorn.stdout),
      'otel python log correlation': joinEvents(otel.stderr),
      'node console': joinEvents(node.stdout + node.stderr),
    },
    json: {
      pino: pino.stdout.split('\n').filter((l) => l !== ''),
      'LOG_FIELDS json': ecs.stdout.split('\n').filter((l) => l !== ''),
    },
  };
}
