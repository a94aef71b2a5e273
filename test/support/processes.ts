/**
 * Child processes for integration tests: started in their own process group (so a shell and the
 * server it execs stop together), output captured, always stopped by the test that started them.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

export function start(
  name: string,
  command: string,
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Running {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const group = -child.pid;
      try {
        process.kill(group, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `check` until it returns a value, failing with the process output after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs?: number; intervalMs?: number; procs?: readonly Running[] } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    const dead = opts.procs?.find((p) => p.child.exitCode !== null);
    if (dead) break;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
  const logs = (opts.procs ?? [])
    .map(
      (p) =>
        `--- ${p.name} (exit ${p.child.exitCode ?? 'running'})\n${p.stdout().slice(-3000)}\n${p.stderr().slice(-3000)}`,
    )
    .join('\n');
  throw new Error(
    `timed out waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}\n${logs}`,
  );
}

/** GET a URL; resolves to the response body when the status is 2xx, undefined otherwise. */
export async function httpGet(url: string): Promise<string | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = await res.text();
  return res.ok ? body : undefined;
}
