/**
 * End to end: the example shop under the stack `obs init` generates for it, natively (no Docker).
 *
 * 1. `obs init` (the built CLI) on a copy of examples/shop generates the stack from its obs.yaml.
 * 2. obs.yaml is edited as a user would (free ports; 5 s scrape, evaluation and span-metrics
 *    flush, so that a run takes minutes) and `obs init` runs again. Then: Jaeger; the Collector
 *    built from the generated manifest, on the generated config; Prometheus 2.42 on the generated
 *    prometheus.yml and alert rules; every shop service started as its generated README says.
 * 3. The load generator drives shopper traffic; then one fault is switched on (FAULT below, or
 *    OBS_E2E_FAULT=service:error_rate=0.5 / service:latency_ms=800) and the load goes on until the
 *    generated alert for that service fires.
 * 4. The assertions below, each on evidence the run collected: the Collector is the build of the
 *    manifest obs init wrote; traces of every service reach Jaeger; the generated burn-rate alert
 *    of the faulty service fires (not before the fault); every panel query of the generated
 *    dashboards returns data; log lines carry trace ids that lead to the failed spans; the
 *    Collector's trace archive holds every service; `obs analyze traces` ranks the faulty
 *    service first, from Jaeger's query API and from the archive (alone, and cut into a baseline
 *    and an incident).
 * 5. Everything is stopped and its ports checked free; a failing step adds the output of the
 *    components it depends on to its error.
 *
 * Logs: the services' OTLP log export is off (OTEL_LOGS_EXPORTER=none). With the example's
 * `stack.logs.shipper: logstash`, the Collector would forward OTLP logs to Logstash, which cannot
 * run here, so they would only pile up as export failures; the JSON lines on stdout, which
 * Logstash reads in the real stack, are what the trace-id check reads. OTLP log export itself is
 * proven in test/integration/instrumentation/.
 *
 * OBS_E2E_RECORD=<folder>: also write the trace archive of the run, cut into a baseline (before
 * the fault) and an incident (fault on) sample, gzipped: how examples/shop/telemetry/ was made.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorGenerator } from '../../collectors/collector/generator.js';
import { shellLine } from '../../collectors/instrumentation/common.js';
import { ALERTS } from '../../compose/prometheus/rules.js';
import { LOG_FIELDS, SPAN_LABELS, stackPaths } from '../../model/conventions.js';
import { runGenerator } from '../../model/generator.js';
import { loadModel } from '../../model/load.js';
import type { SystemModel } from '../../model/schema.js';
import type { TraceReport } from '../../analyze/report/shape.js';
import type { InitResult } from '../../init/pipeline.js';
import { checkPanelQueries, queryProblems, queryReport } from '../support/dashboard-queries.js';
import type { JaegerTrace } from '../support/instrumented.js';
import { editModel, jsonLines, readmeRun } from '../support/instrumented.js';
import type { Jaeger } from '../support/jaeger.js';
import { startJaeger } from '../support/jaeger.js';
import type { NativeStack } from '../support/native-stack.js';
import { expectPortsFree, startNativeStack } from '../support/native-stack.js';
import type { ArchivedService } from '../support/otlp-archive.js';
import { cutArchive, readArchive } from '../support/otlp-archive.js';
import { httpGet } from '../support/processes.js';
import { runObs } from '../support/run-obs.js';
import type { Faults, LoadSummary, RunningShop, ShopService } from '../support/shop.js';
import { SHOP_DIR, freePorts, nativeAddress, runLoadgen, startShop } from '../support/shop.js';
import { tools } from '../support/tools.js';

/**
 * The fault the test switches on: a leaf service failing 30% of its requests. At 0.5 the shop's
 * breakers open often enough that most failures start at the gateway (failing fast), and without
 * a baseline obs analyze traces then ranks the gateway first; with one it names payments.
 */
const FAULT = parseFault(process.env.OBS_E2E_FAULT ?? 'payments:error_rate=0.3');
/** Requests per second of the load generator: what two shared cores carry with the stack. */
const RATE = 10;
const BASELINE_S = 45;
/** The load runs in rounds, so that it can end as soon as the alert fires. */
const ROUND_S = 15;
/** How long the alert may take: `for: 2m` plus windows filling, with room for a slow machine. */
const ALERT_WITHIN_MS = 7 * 60_000;
const RECORD = process.env.OBS_E2E_RECORD;

function parseFault(spec: string): { service: string; faults: Partial<Faults> } {
  const m = /^([a-z0-9_-]+):(error_rate|latency_ms)=([0-9.]+)$/.exec(spec);
  if (!m)
    throw new Error(
      `OBS_E2E_FAULT must be service:error_rate=0.5 or service:latency_ms=800, got ${spec}`,
    );
  const value = Number(m[3]);
  if (m[2] === 'error_rate' && !(value > 0 && value <= 0.5)) {
    throw new Error(`OBS_E2E_FAULT: error_rate must be in (0, 0.5], got ${value}`);
  }
  return { service: m[1]!, faults: { [m[2]!]: value } };
}

/** What a failing step shows: the last lines each named component printed. */
const outputs = new Map<string, () => string>();
function tail(text: string, lines = 60): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
async function blame<T>(components: readonly string[], fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const logs = components
      .map((c) => `--- ${c} (last lines)\n${tail(outputs.get(c)?.() ?? '(no output recorded)')}`)
      .join('\n');
    if (err instanceof Error) {
      err.message += `\n${logs}`;
      throw err;
    }
    throw new Error(`${String(err)}\n${logs}`);
  }
}

const isTraceId = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}

let work: string;
let repo: string;
let model: SystemModel;
let firstInit: InitResult;
let collectorBin: string;
let jaeger: Jaeger | undefined;
let stack: NativeStack | undefined;
let shop: RunningShop | undefined;
const services: string[] = [];
let serviceLogs: Record<string, string> = {};
let baselineLoad: LoadSummary | undefined;
const faultRounds: LoadSummary[] = [];
let loadStartAt = 0;
let faultOnAt = 0;
let loadEndAt = 0;
let alertsBeforeFault: Alert[] = [];
let firing: Alert | undefined;
let archive: Map<string, ArchivedService> | undefined;
let archiveFile = '';
let samples: { baseline: string; incident: string } | undefined;
const started = Date.now();

async function alerts(): Promise<Alert[]> {
  const body = await httpGet(`${stack!.prometheusUrl}/api/v1/alerts`);
  return (JSON.parse(body ?? '{}') as { data?: { alerts?: Alert[] } }).data?.alerts ?? [];
}

const burnAlertOf = (list: Alert[], service: string) =>
  list.find(
    (a) =>
      a.labels.alertname === ALERTS.errorBudgetBurn && a.labels[SPAN_LABELS.service] === service,
  );

/** The copy obs works on: the shop's sources, without anything generated or installed. */
async function copyShop(dest: string): Promise<void> {
  const skip = new Set([
    'node_modules',
    '.run',
    'data',
    'observability',
    '.obs',
    'obs.schema.json',
    '__pycache__',
    'telemetry',
  ]);
  await cp(SHOP_DIR, dest, {
    recursive: true,
    filter: (src) => !skip.has(path.basename(src)) && !/\.db(-shm|-wal)?$/.test(src),
  });
  // Installed dependencies, as `npm ci` and the README's `npm install` would leave them: the
  // cart's own, and the OpenTelemetry packages its generated instrumentation loads.
  await symlink(
    path.join(SHOP_DIR, 'cart', 'node_modules'),
    path.join(dest, 'cart', 'node_modules'),
  );
  await symlink(tools.nodeInstrumentation(), path.join(dest, 'node_modules'));
}

async function obsInit(): Promise<InitResult> {
  const out = await runObs(['init', repo, '--json']);
  if (out.code !== 0)
    throw new Error(`obs init exited with ${out.code}:\n${out.stdout}\n${out.stderr}`);
  return JSON.parse(out.stdout) as InitResult;
}

/**
 * How a shop service starts: its generated README's run block, with the listen address moved to
 * its native port. Two lines are added before the start command: the shop's shared code on
 * PYTHONPATH (its Dockerfiles install it at /opt/shopkit, on PYTHONPATH there), and the test's
 * settings (no OTLP logs, see above; spans exported every 500 ms).
 */
function commandFrom(run: {
  setup: string[];
  command: string[];
}): (service: ShopService) => string[] {
  return (service) => {
    const command = nativeAddress(run.command, service.containerPort, service.port);
    const script = [
      ...run.setup,
      `export PYTHONPATH="\${PYTHONPATH:+$PYTHONPATH:}${path.join(repo, 'common')}"`,
      'export OTEL_LOGS_EXPORTER=none OTEL_BSP_SCHEDULE_DELAY=500',
      `exec ${shellLine(command)}`,
    ];
    return ['sh', '-c', script.join('\n')];
  };
}

/** What the run did, for the test log (and the report of a run that recorded samples). */
function summary(): string {
  const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
  const faulty = faultRounds.reduce(
    (t, r) => ({ requests: t.requests + r.requests, errors: t.errors + r.errors }),
    { requests: 0, errors: 0 },
  );
  return [
    `e2e tier: ${secs(Date.now() - started)}; fault ${JSON.stringify(FAULT)} on at ${new Date(faultOnAt).toISOString()}; load ${RATE}/s`,
    `baseline: ${baselineLoad?.requests} requests, ${baselineLoad?.errors} errors in ${BASELINE_S} s`,
    `fault on: ${faulty.requests} requests, ${faulty.errors} errors in ${secs(loadEndAt - faultOnAt)}`,
    `alert ${firing?.labels.alertname ?? '-'} ${firing?.state ?? 'never fired'}, pending from ${firing ? secs(Date.parse(firing.activeAt) - faultOnAt) : '-'} after the fault`,
    `archive: ${[...(archive ?? new Map<string, ArchivedService>()).entries()].map(([s, a]) => `${s} ${a.spans} spans/${a.errors} errors`).join(', ')}`,
  ].join('\n');
}

/** `obs analyze traces ... --json` (the built CLI); logs the top of the ranking. */
async function analyze(args: string[]): Promise<TraceReport> {
  const out = await runObs(['analyze', 'traces', ...args, '--json']);
  if (out.code !== 0) throw new Error(`obs analyze traces exited with ${out.code}:\n${out.stderr}`);
  const report = JSON.parse(out.stdout) as TraceReport;
  const top = report.rootCauses.slice(0, 3).map((c) => `${c.service} ${c.score.toFixed(3)}`);
  console.log(
    `obs analyze traces ${args.join(' ')}: ${report.input.traces} traces; ${top.join(', ')}`,
  );
  return report;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'obs-e2e-'));
  repo = path.join(work, 'shop');
  await copyShop(repo);

  // 1. obs init generates the stack from the committed obs.yaml.
  firstInit = await obsInit();

  // 2. The stack, natively. obs.yaml edited as a user moving the stack would: free ports, Jaeger
  //    where it listens, and short intervals.
  jaeger = await startJaeger();
  outputs.set('jaeger', () => jaeger!.process.stdout() + jaeger!.process.stderr());
  const [otlpGrpc, otlpHttp, health, metrics, exporter, prometheus] = await freePorts(6);
  await editModel(repo, (doc) => {
    const ports = {
      otlpGrpc,
      otlpHttp,
      collectorHealth: health,
      collectorMetrics: metrics,
      collectorPrometheus: exporter,
      prometheus,
      jaegerUi: Number(new URL(jaeger!.queryUrl).port),
      jaegerOtlpGrpc: jaeger!.otlpGrpc,
    };
    for (const [name, port] of Object.entries(ports)) doc.setIn(['stack', 'ports', name], port);
    doc.setIn(['stack', 'scrapeInterval'], '5s');
    doc.setIn(['stack', 'spanMetricsFlushInterval'], '5s');
  });
  await obsInit();
  model = await loadModel(path.join(repo, 'obs.yaml'));
  services.push(...model.services.map((s) => s.name));
  if (!services.includes(FAULT.service)) {
    throw new Error(
      `OBS_E2E_FAULT names ${FAULT.service}, not a service of ${services.join(', ')}`,
    );
  }

  // The Collector built from the manifest this obs init wrote (scripts/setup.d/collector.sh).
  collectorBin = tools.otelcol(
    await readFile(path.join(repo, stackPaths(model).collectorBuilder), 'utf8'),
  );
  stack = await blame(['jaeger'], () =>
    startNativeStack(model, path.join(work, 'native'), collectorBin),
  );
  outputs.set('collector', () => stack!.collector.stdout() + stack!.collector.stderr());
  outputs.set('prometheus', () => stack!.prometheus.stdout() + stack!.prometheus.stderr());

  const runs = Object.fromEntries(
    await Promise.all(
      services.map(async (s) => [s, commandFrom(await readmeRun(repo, s))] as const),
    ),
  );
  const venvBin = path.dirname(tools.venvBin('opentelemetry-instrument'));
  shop = await blame(['collector'], () =>
    startShop({
      shopDir: repo,
      workDir: path.join(work, 'services'),
      healthTimeoutMs: 90_000,
      env: () => ({ PATH: `${venvBin}:${process.env.PATH ?? ''}` }),
      command: (service) => runs[service.name]!(service),
    }),
  );
  for (const s of services) outputs.set(s, () => shop!.logs(s));

  // 3. Load, then the fault, and load until its alert fires.
  const gateway = shop.url('gateway');
  loadStartAt = Date.now();
  baselineLoad = await blame(['gateway'], () =>
    runLoadgen(gateway, { rate: RATE, durationS: BASELINE_S, users: 30, seed: 1 }),
  );
  alertsBeforeFault = await alerts();
  await shop.setFault(FAULT.service, FAULT.faults);
  faultOnAt = Date.now();
  for (let round = 2; Date.now() - faultOnAt < ALERT_WITHIN_MS; round++) {
    faultRounds.push(
      await blame(['gateway', FAULT.service], () =>
        runLoadgen(gateway, { rate: RATE, durationS: ROUND_S, users: 30, seed: round }),
      ),
    );
    firing = burnAlertOf(await alerts(), FAULT.service);
    if (firing?.state === 'firing') break;
  }
  loadEndAt = Date.now();
  // Spans still in the services' and the Collector's batches.
  await new Promise((r) => setTimeout(r, 5000));
}, 900_000);

afterAll(async () => {
  if (baselineLoad) console.log(summary());
  // Safety net when a step failed early; the last test stops everything and checks the ports.
  await shop?.stop().catch(() => undefined);
  await stack?.stop().catch(() => undefined);
  await jaeger?.stop().catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

describe(`examples/shop under its generated stack, with ${FAULT.service} failing`, () => {
  it('obs init generates the stack from examples/shop/obs.yaml', async () => {
    expect(firstInit.model).toMatchObject({ source: 'loaded', name: 'shop' });
    const p = stackPaths(model);
    const written = new Set(firstInit.write.files.map((f) => f.path));
    for (const file of [
      p.collectorConfig,
      p.collectorBuilder,
      p.prometheusConfig,
      p.compose,
      ...services.flatMap((s) => [
        `${p.prometheusRules}/service-${s}.yml`,
        `${p.instrumentation(s)}/README.md`,
      ]),
    ]) {
      expect(written, file).toContain(file);
    }
    // The Collector under test was found by this manifest (tools.otelcol(manifest)): it is the
    // build of exactly what obs init wrote, and it has the file exporter the config uses.
    const manifest = await readFile(path.join(repo, p.collectorBuilder), 'utf8');
    expect(collectorBin).toBe(tools.otelcol(manifest));
    expect(manifest).toContain('exporter/fileexporter');
    // What the Collector runs is the generator's output for this obs.yaml, hosts moved to loopback.
    const generated = runGenerator(collectorGenerator, model).files[0]!;
    expect(await readFile(path.join(repo, generated.path), 'utf8')).toBe(generated.content);
    expect(await readFile(stack!.collectorConfig, 'utf8')).toContain('file/traces');
  });

  it('the load ran: clean before the fault, and on until the alert', () => {
    expect(baselineLoad!.requests).toBeGreaterThan(RATE * BASELINE_S * 0.7);
    expect(baselineLoad!.error_rate).toBeLessThan(0.02);
    // Retries and breakers may hide the fault from shoppers: it shows in the faulty service's
    // spans and logs, checked below.
    const after = faultRounds.reduce((n, r) => n + r.requests, 0);
    expect(after).toBeGreaterThan(faultRounds.length * ROUND_S * RATE * 0.7);
  });

  it('traces of every service reach Jaeger, and one checkout trace crosses all of them', async () => {
    await blame(['jaeger', 'collector'], async () => {
      const known = JSON.parse((await httpGet(`${jaeger!.queryUrl}/api/services`))!) as {
        data: string[];
      };
      expect(known.data).toEqual(expect.arrayContaining(services));
      const url = `${jaeger!.queryUrl}/api/traces?service=${FAULT.service === 'payments' ? 'payments' : 'orders'}&limit=200&lookback=1h`;
      const traces = (JSON.parse((await httpGet(url))!) as { data: JaegerTrace[] }).data;
      const across = traces.find((t) => {
        const names = new Set(Object.values(t.processes).map((p) => p.serviceName));
        return services.every((s) => names.has(s));
      });
      expect(across, 'a trace with spans of every service').toBeDefined();
    });
  });

  it(`the generated error-budget alert for ${FAULT.service} fires in Prometheus`, async () => {
    await blame(['prometheus', 'collector'], () => {
      expect(
        burnAlertOf(alertsBeforeFault, FAULT.service),
        'no alert before the fault',
      ).toBeUndefined();
      expect(firing?.state, `within ${ALERT_WITHIN_MS / 60_000} min of the fault`).toBe('firing');
      expect(firing?.labels).toMatchObject({ severity: 'critical', slo: 'availability' });
    });
  });

  it('every panel query of the dashboards obs init wrote returns data from Prometheus', async () => {
    const dir = path.join(repo, stackPaths(model).grafanaDashboards);
    const dashboards = await Promise.all(
      (await readdir(dir))
        .filter((f) => f.endsWith('.json'))
        .map(async (f) => {
          const json = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Record<
            string,
            unknown
          >;
          return { uid: String(json.uid), json };
        }),
    );
    expect(dashboards.length).toBe(services.length + 1); // the overview and one per service
    const checked = await checkPanelQueries(stack!.prometheusUrl, model, dashboards, {
      start: Math.ceil(loadStartAt / 1000) + 30,
      end: Math.floor(loadEndAt / 1000),
      rangeStart: loadStartAt / 1000,
    });
    console.log(`${checked.length} panel queries checked:\n${queryReport(checked)}`);
    await blame(['prometheus', 'collector'], () => {
      expect(checked.length).toBeGreaterThan(50);
      expect(queryProblems(checked)).toEqual([]);
    });
  });

  it('log lines carry trace ids, and the faulty service’s error lines lead to its failed spans', async () => {
    serviceLogs = Object.fromEntries(services.map((s) => [s, shop!.logs(s)]));
    for (const s of services) {
      const withTrace = jsonLines(serviceLogs[s]!).filter((l) => isTraceId(l[LOG_FIELDS.traceId]));
      expect(withTrace.length, `${s}: JSON log lines with ${LOG_FIELDS.traceId}`).toBeGreaterThan(
        0,
      );
    }
    if (FAULT.faults.error_rate === undefined) return;
    const faultLines = jsonLines(serviceLogs[FAULT.service]!).filter(
      (l) =>
        l[LOG_FIELDS.level] === 'error' &&
        String(l[LOG_FIELDS.message]).startsWith('injected fault'),
    );
    expect(faultLines.length).toBeGreaterThan(0);
    const traceId = String(faultLines.at(-1)![LOG_FIELDS.traceId]);
    const trace = (
      JSON.parse((await httpGet(`${jaeger!.queryUrl}/api/traces/${traceId}`))!) as {
        data: JaegerTrace[];
      }
    ).data[0]!;
    const failed = trace.spans.filter(
      (sp) =>
        trace.processes[sp.processID]?.serviceName === FAULT.service &&
        sp.tags.some((t) => t.key === 'error' && t.value === true),
    );
    expect(failed.length, `failed ${FAULT.service} spans in trace ${traceId}`).toBeGreaterThan(0);
  });

  it(`obs analyze traces on Jaeger's query API ranks ${FAULT.service} first`, async () => {
    // Every request enters at the gateway, so its traces are all the traces of the run.
    const report = await blame(['jaeger'], () =>
      analyze(['--jaeger', jaeger!.queryUrl, '--service', 'gateway', '--since', '5m']),
    );
    expect(report.input.traces).toBeGreaterThan(faultRounds.length * ROUND_S * RATE * 0.5);
    expect(report.rootCauses[0]?.service).toBe(FAULT.service);
  });

  it('stops everything it started; the Collector’s archive holds every service’s traces', async () => {
    const jaegerPorts = [
      jaeger!.otlpGrpc,
      jaeger!.otlpHttp,
      Number(new URL(jaeger!.queryUrl).port),
    ];
    const servicePorts = Object.values(shop!.services).map((s) => s.port);
    await shop!.stop(); // throws naming ports still in use
    shop = undefined;
    await stack!.stop(); // the Collector flushes its exporters on the way out
    archiveFile = stack!.archiveFile;
    stack = undefined;
    await jaeger!.stop();
    jaeger = undefined;
    await expectPortsFree([...jaegerPorts, ...servicePorts]);

    archive = await readArchive(archiveFile);
    for (const s of services) expect(archive.get(s)?.spans ?? 0, s).toBeGreaterThan(0);
    if (FAULT.faults.error_rate !== undefined) {
      expect(archive.get(FAULT.service)!.errors).toBeGreaterThan(0);
    }
    // The archive cut at the fault: a baseline and an incident sample.
    const dir = RECORD ?? work;
    await mkdir(dir, { recursive: true });
    samples = {
      baseline: path.join(dir, 'baseline.otlp.jsonl.gz'),
      incident: path.join(dir, 'incident.otlp.jsonl.gz'),
    };
    const counts = await cutArchive(
      archiveFile,
      [
        { from: 0, to: faultOnAt, file: samples.baseline },
        { from: faultOnAt, to: loadEndAt, file: samples.incident },
      ],
      ['host.id'], // the machine's id: nothing the analysis needs
    );
    if (RECORD) console.log(`recorded ${counts.join(' and ')} traces to ${RECORD}`);
  });

  it(`obs analyze traces on the Collector's file export of the run ranks ${FAULT.service} first`, async () => {
    const report = await analyze([archiveFile]);
    expect(report.input.traces).toBeGreaterThan(faultRounds.length * ROUND_S * RATE * 0.5);
    expect(report.rootCauses[0]?.service).toBe(FAULT.service);
    // As `npm run example` reads its samples: the fault period against the time before it.
    const compared = await analyze([samples!.incident, '--baseline', samples!.baseline]);
    expect(compared.baseline?.traces).toBeGreaterThan(BASELINE_S * RATE * 0.5);
    expect(compared.rootCauses[0]?.service).toBe(FAULT.service);
  });
});
