/**
 * Runs the example shop (`examples/shop`) natively, without Docker, for the integration and
 * end-to-end tiers.
 *
 * The shop's own files say how: `compose.yaml` gives the services, their code folders (build
 * contexts), container ports and environment; each Dockerfile's exec-form CMD gives the command.
 * Natively every service listens on a free port of 127.0.0.1, its command is the CMD with the
 * address rewritten, and service URLs in its environment (http://catalog:8000) point at the
 * native ports. Python services run from the test virtualenv, Node services with this Node.
 *
 * Each service runs in its own process group with its output in `<workDir>/<name>.log`;
 * `stop()` ends every group (TERM, then KILL after a grace period) and checks the ports are free.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { tools } from './tools.js';

export const SHOP_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/shop',
);
export const LOADGEN = path.join(SHOP_DIR, 'loadgen', 'loadgen.py');

export type ShopRuntime = 'python' | 'node';

/** One service of the shop as it runs natively. */
export interface ShopService {
  /** Compose service name, e.g. `orders`. */
  readonly name: string;
  /** Absolute path of its code folder (the compose build context). */
  readonly dir: string;
  readonly runtime: ShopRuntime;
  /** Port it listens on inside its container (compose `ports`, right-hand side). */
  readonly containerPort: number;
  /** Native port on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
}

export interface ShopOptions {
  /** Extra environment of a service (e.g. OTEL_*), applied over everything else. */
  env?: (service: ShopService) => Record<string, string> | undefined;
  /**
   * The command a service runs, given its default argv (Dockerfile CMD with resolved executable
   * and rewritten address). Return it changed, e.g. prefixed with `opentelemetry-instrument`
   * or with `--import` flags after the node executable. Default: unchanged.
   */
  command?: (service: ShopService, argv: readonly string[]) => string[];
  /**
   * The shop's folder: services run from its code folders. Default SHOP_DIR; the end-to-end test
   * gives a copy with the stack `obs init` generated in it.
   */
  shopDir?: string;
  /** Folder for logs and SQLite stores. Default: a fresh temporary folder, removed by stop(). */
  workDir?: string;
  /** Time for every service to answer GET /health. Default 30 s. */
  healthTimeoutMs?: number;
  /** Time between TERM and KILL on stop(). Default 8 s. */
  stopGraceMs?: number;
}

/** The fault switches of a service (GET/POST /admin/fault). */
export interface Faults {
  error_rate: number;
  latency_ms: number;
  crash: boolean;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningShop {
  readonly services: Readonly<Record<string, ShopService>>;
  readonly workDir: string;
  /** Base URL of a service. Throws for an unknown name. */
  url(name: string): string;
  /** Partial update of a service's fault switches; returns the new settings. */
  setFault(name: string, changes: Partial<Faults>): Promise<Faults>;
  /** Switch every fault of a service off. */
  resetFault(name: string): Promise<Faults>;
  /** Everything the service wrote to stdout and stderr so far. */
  logs(name: string): string;
  /** How a service ended, or undefined while it runs. */
  exitOf(name: string): ServiceExit | undefined;
  /**
   * Stop every service and wait until its process group is gone and its port is free (throws
   * naming the ports that stay busy). Removes a work folder it created: read logs() first.
   */
  stop(): Promise<void>;
}

const Port = z.union([z.string(), z.number()]);
const ComposeFile = z.object({
  services: z.record(
    z.string(),
    z.object({
      build: z.union([z.string(), z.object({ context: z.string() })]),
      ports: z.array(Port).min(1),
      environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    }),
  ),
});

export interface ServicePlan {
  name: string;
  dir: string;
  runtime: ShopRuntime;
  containerPort: number;
  composeEnv: Record<string, string>;
  cmd: string[];
}

/** Services, folders, ports, environment and commands as the shop's files declare them. */
export function readShop(shopDir = SHOP_DIR): ServicePlan[] {
  const composePath = path.join(shopDir, 'compose.yaml');
  const compose = ComposeFile.parse(parseYaml(readFileSync(composePath, 'utf8')));
  return Object.entries(compose.services).map(([name, svc]) => {
    const context = typeof svc.build === 'string' ? svc.build : svc.build.context;
    const dir = path.resolve(shopDir, context);
    const runtime: ShopRuntime = existsSync(path.join(dir, 'package.json')) ? 'node' : 'python';
    const containerPort = Number(String(svc.ports[0]).split(':').at(-1));
    if (!Number.isInteger(containerPort)) {
      throw new Error(`${composePath}: service ${name}: cannot read a port from ${svc.ports[0]}`);
    }
    const composeEnv = Object.fromEntries(
      Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v)]),
    );
    return { name, dir, runtime, containerPort, composeEnv, cmd: dockerCmd(dir) };
  });
}

/** The exec-form CMD of a Dockerfile, e.g. ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]. */
export function dockerCmd(dir: string): string[] {
  const file = path.join(dir, 'Dockerfile');
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .findLast((l) => /^CMD\s/.test(l));
  const argv: unknown = line ? JSON.parse(line.replace(/^CMD\s+/, '')) : undefined;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new Error(`${file}: expected an exec-form CMD ["program", "arg", ...]`);
  }
  return argv;
}

/** The CMD as it runs here: real executable, listening on 127.0.0.1:<port>. */
export function nativeArgv(plan: ServicePlan, port: number): string[] {
  const [program = '', ...args] = plan.cmd;
  const exe =
    plan.runtime === 'node' && program === 'node' ? process.execPath : tools.venvBin(program);
  return [exe, ...nativeAddress(args, plan.containerPort, port)];
}

/** Arguments with the container's listen address (0.0.0.0, its port) made 127.0.0.1:<port>. */
export function nativeAddress(
  args: readonly string[],
  containerPort: number,
  port: number,
): string[] {
  return args.map((arg, i) => {
    if (arg === `0.0.0.0:${containerPort}`) return `127.0.0.1:${port}`;
    if (arg === '0.0.0.0') return '127.0.0.1';
    if (args[i - 1] === '--port' && arg === String(containerPort)) return String(port);
    return arg;
  });
}

/** Environment values with service URLs (http://<service>:<containerPort>) made native. */
export function nativeEnv(
  env: Record<string, string>,
  services: readonly Pick<ShopService, 'name' | 'containerPort' | 'port'>[],
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => {
      let native = value;
      for (const s of services) {
        native = native.replace(
          new RegExp(`^(https?://)${s.name}:${s.containerPort}(?=/|$)`),
          `$1127.0.0.1:${s.port}`,
        );
      }
      return [key, native];
    }),
  );
}

/** `count` distinct free ports on 127.0.0.1 (held open together so they cannot repeat). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP port');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** True when nothing listens on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Start every service of the shop natively and wait until all answer GET /health. */
export async function startShop(options: ShopOptions = {}): Promise<RunningShop> {
  const shopDir = options.shopDir ?? SHOP_DIR;
  const plans = readShop(shopDir);
  const ports = await freePorts(plans.length);
  const services: Record<string, ShopService> = {};
  plans.forEach((plan, i) => {
    const port = ports[i]!;
    services[plan.name] = {
      name: plan.name,
      dir: plan.dir,
      runtime: plan.runtime,
      containerPort: plan.containerPort,
      port,
      url: `http://127.0.0.1:${port}`,
    };
  });
  for (const plan of plans) {
    if (plan.runtime === 'node' && !existsSync(path.join(plan.dir, 'node_modules'))) {
      throw new Error(
        `${plan.dir}/node_modules is missing: run ./scripts/setup.sh --test-tools first`,
      );
    }
  }

  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(path.join(tmpdir(), 'obs-shop-'));
  mkdirSync(workDir, { recursive: true });
  const children = new Map<string, ChildProcess>();
  const exits = new Map<string, ServiceExit>();
  const logFile = (name: string) => path.join(workDir, `${name}.log`);
  const logs = (name: string) => {
    try {
      return readFileSync(logFile(name), 'utf8');
    } catch {
      return '';
    }
  };
  const all = Object.values(services);
  const spawnErrors: string[] = [];

  for (const plan of plans) {
    const service = services[plan.name]!;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? workDir,
      LANG: process.env.LANG ?? 'C.UTF-8',
      TMPDIR: tmpdir(),
      ...nativeEnv(plan.composeEnv, all),
      // What the Dockerfiles set up inside the containers, made native.
      HOST: '127.0.0.1',
      PORT: String(service.port),
      DATA_DIR: path.join(workDir, `${plan.name}-data`),
      ...(plan.runtime === 'python'
        ? { PYTHONPATH: path.join(shopDir, 'common'), PYTHONUNBUFFERED: '1' }
        : {}),
      ...options.env?.(service),
    };
    const defaultArgv = nativeArgv(plan, service.port);
    const [program, ...args] = options.command?.(service, defaultArgv) ?? defaultArgv;
    const out = openSync(logFile(plan.name), 'a');
    const child = spawn(program!, args, {
      cwd: plan.dir,
      env,
      detached: true, // own process group, so stop() reaches gunicorn's workers too
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    children.set(plan.name, child);
    child.on('exit', (code, signal) => exits.set(plan.name, { code, signal }));
    child.on('error', (err) => {
      exits.set(plan.name, { code: null, signal: null });
      spawnErrors.push(`${plan.name}: ${err.message}`);
    });
  }

  const stop = async (): Promise<void> => {
    const graceMs = options.stopGraceMs ?? 8000;
    await Promise.all(
      [...children.entries()].map(async ([name, child]) => {
        const pid = child.pid;
        if (pid === undefined) return;
        signalGroup(pid, 'SIGTERM');
        const deadline = Date.now() + graceMs;
        while ((!exits.has(name) || groupAlive(pid)) && Date.now() < deadline) await sleep(50);
        if (!exits.has(name) || groupAlive(pid)) {
          signalGroup(pid, 'SIGKILL');
          while (!exits.has(name) || groupAlive(pid)) await sleep(20);
        }
      }),
    );
    const busy: number[] = [];
    for (const service of all) {
      let free = await portIsFree(service.port);
      for (let i = 0; !free && i < 50; i++) {
        await sleep(100);
        free = await portIsFree(service.port);
      }
      if (!free) busy.push(service.port);
    }
    if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
    if (busy.length > 0) throw new Error(`ports still in use after stop: ${busy.join(', ')}`);
  };

  const shop: RunningShop = {
    services,
    workDir,
    url(name) {
      const service = services[name];
      if (!service) throw new Error(`no service ${name} in the shop`);
      return service.url;
    },
    async setFault(name, changes) {
      return adminFault(shop.url(name), 'POST', changes);
    },
    async resetFault(name) {
      return adminFault(shop.url(name), 'DELETE');
    },
    logs,
    exitOf: (name) => exits.get(name),
    stop,
  };

  try {
    await waitHealthy(all, exits, options.healthTimeoutMs ?? 30_000);
  } catch (err) {
    // Name the service that failed and show what it said, then leave nothing running.
    const failed = err instanceof UnhealthyService ? [err.service] : all.map((s) => s.name);
    const details = failed
      .map((name) => `--- ${name} (${logFile(name)}):\n${tail(logs(name))}`)
      .join('\n');
    await stop().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    throw new Error([message, ...spawnErrors, details].join('\n'));
  }
  return shop;
}

class UnhealthyService extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(message);
  }
}

async function waitHealthy(
  services: readonly ShopService[],
  exits: ReadonlyMap<string, ServiceExit>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    services.map(async (service) => {
      for (;;) {
        const exit = exits.get(service.name);
        if (exit) {
          throw new UnhealthyService(
            service.name,
            `${service.name} exited before it was healthy (code ${exit.code}, signal ${exit.signal})`,
          );
        }
        try {
          const res = await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(1000) });
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          throw new UnhealthyService(
            service.name,
            `${service.name} did not answer GET /health within ${timeoutMs} ms`,
          );
        }
        await sleep(100);
      }
    }),
  );
}

async function adminFault(
  baseUrl: string,
  method: 'POST' | 'DELETE',
  changes?: Partial<Faults>,
): Promise<Faults> {
  const res = await fetch(`${baseUrl}/admin/fault`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: changes === undefined ? undefined : JSON.stringify(changes),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as Faults | { error: string };
  if (!res.ok || 'error' in body) {
    throw new Error(`${method} ${baseUrl}/admin/fault: HTTP ${res.status} ${JSON.stringify(body)}`);
  }
  return body;
}

/** Latency percentiles in milliseconds, as the load generator prints them. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ActionSummary {
  count: number;
  errors: number;
  rejected: number;
  statuses: Record<string, number>;
  latency_ms: LatencySummary;
}

/** The load generator's `--json` summary. */
export interface LoadSummary {
  base_url: string;
  duration_s: number;
  target_rate: number;
  achieved_rate: number;
  requests: number;
  errors: number;
  error_rate: number;
  rejected: number;
  dropped: number;
  statuses: Record<string, number>;
  latency_ms: LatencySummary;
  actions: Record<string, ActionSummary>;
}

export interface LoadOptions {
  /** Requests per second. Default 20. */
  rate?: number;
  /** Seconds of load. Default 10. */
  durationS?: number;
  /** Simulated shoppers. Default 50. */
  users?: number;
  /** Random seed. Default 1. */
  seed?: number;
  /** More loadgen.py arguments, e.g. ['--mix', 'checkout=1']. */
  args?: string[];
}

/** Run examples/shop/loadgen/loadgen.py against a gateway and return its summary. */
export function runLoadgen(baseUrl: string, options: LoadOptions = {}): Promise<LoadSummary> {
  const argv = [
    LOADGEN,
    '--json',
    '--base-url',
    baseUrl,
    '--rate',
    String(options.rate ?? 20),
    '--duration',
    String(options.durationS ?? 10),
    '--users',
    String(options.users ?? 50),
    '--seed',
    String(options.seed ?? 1),
    ...(options.args ?? []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(tools.python(), argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      // Exit 1 means --max-error-rate was exceeded: the summary is still there.
      if (code !== 0 && code !== 1) {
        reject(new Error(`loadgen exited with ${code}: ${stderr.trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as LoadSummary);
      } catch {
        reject(new Error(`loadgen printed no JSON summary: ${stdout}\n${stderr}`));
      }
    });
  });
}
