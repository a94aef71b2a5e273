/**
 * The generated Python instrumentation in a real Celery worker: a model with a worker service
 * (`celery -A app worker`) and a producer script, the files obs generates for it, and both started
 * exactly as their generated READMEs say, with a real Redis as broker and a real Jaeger as the
 * OTLP receiver. Checks that each task the producer sends arrives as the worker's consumer span
 * (`run/<task>`) under the worker's service name, in the trace of the producer's `apply_async`
 * span, its child. First with the solo pool (the task runs in the worker's own process), then with
 * the default prefork pool, where tasks run in forked pool processes: their spans arrive too, and
 * each pool process reports a service.instance.id of its own, not the main process's (the SDK
 * pinned here regenerates it after a fork). Last, `celery beat` as the producer: the tasks it
 * publishes on schedule are its producer spans, each the parent of the worker's run.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonInstrumentation } from '../../../collectors/python/generator.js';
import { runGenerator } from '../../../model/generator.js';
import { parseModel } from '../../../model/load.js';
import { readmeRun, serviceOf, startFromReadme, tagOf } from '../../support/instrumented.js';
import type { JaegerSpan, JaegerTrace } from '../../support/instrumented.js';
import { startJaeger } from '../../support/jaeger.js';
import type { Jaeger } from '../../support/jaeger.js';
import { freePorts } from '../../support/ports.js';
import { httpGet, start, waitFor } from '../../support/processes.js';
import type { Running } from '../../support/processes.js';
import { tools } from '../../support/tools.js';

/** The Celery app the worker runs (`-A app`); the task records which process ran it. */
const APP = `import os
import time

from celery import Celery
from celery.signals import worker_ready
from opentelemetry import trace

app = Celery("app", broker=os.environ["BROKER_URL"], backend=os.environ["BROKER_URL"])
# Only celery beat reads this: the task once a second.
app.conf.beat_schedule = {"add": {"task": "app.add", "schedule": 1.0, "args": (40, 2)}}


@app.task
def add(x, y):
    time.sleep(0.5)  # long enough that a second task goes to another pool process
    trace.get_current_span().set_attribute("test.pid", os.getpid())
    return {"sum": x + y, "pid": os.getpid()}


@worker_ready.connect
def ready(**kwargs):
    # A span from the worker's main process, to compare its resource with the pool processes'.
    with trace.get_tracer("celery-test").start_as_current_span("worker ready") as span:
        span.set_attribute("test.pid", os.getpid())
`;

/** The producer: sends TASKS tasks at once, waits for their results, prints them as JSON. */
const TASKS = 6;
const SEND = `import json

from app import add

results = [add.delay(i, 1) for i in range(${TASKS})]
print(json.dumps([r.get(timeout=30) for r in results]))
`;

interface Span extends JaegerSpan {
  references?: { refType: string; spanID: string; traceID: string }[];
}
type Trace = Omit<JaegerTrace, 'spans'> & { spans: Span[] };

let jaeger: Jaeger;
let redis: Running;
let redisPort: number;
let PATH: string;
const running: Running[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  PATH = `${path.dirname(tools.venvBin('celery'))}:${process.env.PATH ?? ''}`;
  [redisPort] = (await freePorts(1)) as [number];
  redis = start('redis', tools.redisServer(), [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  jaeger = await startJaeger();
  await waitFor(
    'redis to listen',
    () => (/Ready to accept/.test(redis.stdout()) ? true : undefined),
    {
      procs: [redis],
    },
  );
}, 60_000);

afterAll(async () => {
  for (const r of running) await r.stop();
  await jaeger?.stop();
  await redis?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * A repository with the worker and the producer, and what obs generates for them: the worker
 * runs `command`, the producer `python send.py` (or `producerCommand`), both exporting to Jaeger.
 */
async function generated(
  worker: string,
  producer: string,
  command: string[],
  producerCommand = ['python', 'send.py'],
): Promise<string> {
  const model = parseModel(
    `apiVersion: obs/v1
name: tasks
stack:
  ports:
    otlpHttp: ${jaeger.otlpHttp}
services:
  - name: ${worker}
    path: ${worker}
    language: python
    servesHttp: false
    libraries: [celery, redis]
    command: ${JSON.stringify(command)}
  - name: ${producer}
    path: ${producer}
    language: python
    servesHttp: false
    libraries: [celery, redis]
    command: ${JSON.stringify(producerCommand)}
`,
    'obs.yaml',
  );
  const repo = await mkdtemp(path.join(tmpdir(), 'obs-celery-'));
  dirs.push(repo);
  for (const f of runGenerator(pythonInstrumentation, model).files) {
    await mkdir(path.dirname(path.join(repo, f.path)), { recursive: true });
    await writeFile(path.join(repo, f.path), f.content);
  }
  await mkdir(path.join(repo, worker));
  await writeFile(path.join(repo, worker, 'app.py'), APP);
  await mkdir(path.join(repo, producer));
  await writeFile(path.join(repo, producer, 'send.py'), SEND);
  return repo;
}

/**
 * Starts the worker from its README on Redis database `db` and waits until it is ready; then
 * `sender` (the producer or celery beat) from its README, which imports the worker's app module.
 */
async function startBoth(repo: string, worker: string, sender: string, db: number) {
  const BROKER_URL = `redis://127.0.0.1:${redisPort}/${db}`;
  const w = await startFromReadme(repo, worker, { PATH, BROKER_URL });
  running.push(w);
  await waitFor(
    'the Celery worker to be ready',
    () => (/ ready\.$/m.test(w.stderr()) ? true : undefined),
    { procs: [w] },
  );
  const p = await startFromReadme(repo, sender, {
    PATH,
    BROKER_URL,
    PYTHONPATH: path.join(repo, worker),
  });
  running.push(p);
  return { w, p };
}

/** Runs the worker and the producer from their READMEs; resolves to the producer's results. */
async function sendTasks(repo: string, worker: string, producer: string, db: number) {
  const { w, p } = await startBoth(repo, worker, producer, db);
  const exit = await new Promise<number | null>((resolve) => {
    if (p.child.exitCode !== null) resolve(p.child.exitCode);
    else p.child.once('exit', (code) => resolve(code));
  });
  if (exit !== 0) throw new Error(`producer exited ${exit}\n${p.stdout()}\n${p.stderr()}`);
  const results = JSON.parse(p.stdout().trim().split('\n').at(-1)!) as {
    sum: number;
    pid: number;
  }[];
  expect(results.map((r) => r.sum)).toEqual([...Array(TASKS).keys()].map((i) => i + 1));
  return { worker: w, results };
}

const kind = (s: Span) => tagOf(s, 'span.kind');

/** Every trace in Jaeger with the worker's consumer span, once `count` of them arrived. */
function taskTraces(worker: string, count = TASKS): Promise<Trace[]> {
  return waitFor(
    `${count} traces of ${worker} running app.add in Jaeger`,
    async () => {
      const got = await httpGet(
        `${jaeger.queryUrl}/api/traces?service=${worker}&operation=${encodeURIComponent('run/app.add')}&limit=100`,
      );
      const traces = got === undefined ? [] : (JSON.parse(got) as { data: Trace[] }).data;
      // Both halves of each trace: the producer's span may reach Jaeger after the worker's.
      const whole = traces.filter((t) =>
        t.spans.some((s) => s.operationName === 'apply_async/app.add'),
      );
      return whole.length >= count ? whole : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

/** The resource attribute `key` of the process that reported span `s`. */
function resourceOf(t: Trace, s: Span, key: string): unknown {
  return t.processes[s.processID]!.tags.find((x) => x.key === key)?.value;
}

/**
 * Checks each trace: the worker's consumer span under its service name, a child of the
 * producer's span. Returns, per process id (pid) that ran a task, the instance ids it reported.
 */
function checkTraces(traces: Trace[], worker: string, producer: string) {
  const instances = new Map<number, Set<unknown>>();
  for (const t of traces) {
    const consumer = t.spans.find((s) => s.operationName === 'run/app.add')!;
    const sent = t.spans.find((s) => s.operationName === 'apply_async/app.add')!;
    expect(serviceOf(t, consumer)).toBe(worker);
    expect(kind(consumer)).toBe('consumer');
    expect(serviceOf(t, sent)).toBe(producer);
    expect(kind(sent)).toBe('producer');
    expect(consumer.references).toContainEqual(
      expect.objectContaining({ refType: 'CHILD_OF', spanID: sent.spanID, traceID: t.traceID }),
    );
    expect(tagOf(consumer, 'celery.task_name')).toBe('app.add');
    expect(resourceOf(t, consumer, 'service.namespace')).toBe('tasks');
    const pid = tagOf(consumer, 'test.pid') as number;
    const ids = instances.get(pid) ?? new Set();
    ids.add(resourceOf(t, consumer, 'service.instance.id'));
    instances.set(pid, ids);
  }
  return instances;
}

/** The service.instance.id the worker's main process reports (its `worker ready` span). */
function mainInstance(worker: string): Promise<{ pid: number; instance: unknown }> {
  return waitFor(`the ${worker} main process's span in Jaeger`, async () => {
    const got = await httpGet(
      `${jaeger.queryUrl}/api/traces?service=${worker}&operation=${encodeURIComponent('worker ready')}&limit=5`,
    );
    const t = got === undefined ? undefined : (JSON.parse(got) as { data: Trace[] }).data[0];
    const s = t?.spans.find((x) => x.operationName === 'worker ready');
    if (t === undefined || s === undefined) return undefined;
    return {
      pid: tagOf(s, 'test.pid') as number,
      instance: resourceOf(t, s, 'service.instance.id'),
    };
  });
}

describe('generated Python instrumentation in a Celery worker', () => {
  it('solo pool: the task runs under opentelemetry-instrument, in the producer’s trace', async () => {
    const [worker, producer] = ['worker-solo', 'producer-solo'];
    const command = ['celery', '-A', 'app', 'worker', '-l', 'info', '--pool=solo'];
    const repo = await generated(worker, producer, command);
    // The run line is the user's command under opentelemetry-instrument.
    expect((await readmeRun(repo, worker)).command).toEqual([
      'opentelemetry-instrument',
      ...command,
    ]);

    const { worker: w, results } = await sendTasks(repo, worker, producer, 0);
    // Nothing forks: the worker's own process ran every task.
    expect(new Set(results.map((r) => r.pid))).toEqual(new Set([w.child.pid]));

    const instances = checkTraces(await taskTraces(worker), worker, producer);
    const main = await mainInstance(worker);
    expect(main.pid).toBe(w.child.pid);
    expect([...instances.keys()]).toEqual([w.child.pid]);
    expect([...instances.get(w.child.pid!)!]).toEqual([main.instance]);
  }, 90_000);

  it('prefork pool: tasks in forked pool processes arrive, each process with its own instance id', async () => {
    const [worker, producer] = ['worker-prefork', 'producer-prefork'];
    const command = ['celery', '-A', 'app', 'worker', '-l', 'info', '--concurrency', '2'];
    const repo = await generated(worker, producer, command);
    expect((await readmeRun(repo, worker)).command).toEqual([
      'opentelemetry-instrument',
      ...command,
    ]);

    const { worker: w, results } = await sendTasks(repo, worker, producer, 1);
    const pids = new Set(results.map((r) => r.pid));
    // Both pool processes ran tasks, and neither is the main process.
    expect(pids.size).toBe(2);
    expect(pids.has(w.child.pid!)).toBe(false);

    const instances = checkTraces(await taskTraces(worker), worker, producer);
    expect(new Set(instances.keys())).toEqual(pids);
    const main = await mainInstance(worker);
    expect(main.pid).toBe(w.child.pid);
    // One instance id per pool process, none shared with another or with the main process.
    const ids = [...instances.values()].map((s) => [...s]);
    for (const one of ids) expect(one).toHaveLength(1);
    const all = [main.instance, ...ids.flat()];
    expect(new Set(all).size).toBe(all.length);
    for (const id of all) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  }, 90_000);

  it('celery beat: each task it publishes is a producer span of the scheduler, parent of the task run', async () => {
    const [worker, clock] = ['worker-beat', 'clock'];
    const beat = ['celery', '-A', 'app', 'beat', '-l', 'info'];
    const repo = await generated(
      worker,
      clock,
      ['celery', '-A', 'app', 'worker', '-l', 'info', '--pool=solo'],
      beat,
    );
    expect((await readmeRun(repo, clock)).command).toEqual(['opentelemetry-instrument', ...beat]);

    await startBoth(repo, worker, clock, 2);
    checkTraces(await taskTraces(worker, 3), worker, clock);
  }, 90_000);
});
