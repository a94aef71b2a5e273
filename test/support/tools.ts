/**
 * Where the integration tier finds real components. `scripts/setup.sh --test-tools` installs them;
 * a missing tool fails the test with that command rather than skipping it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TOOLS_DIR =
  process.env.OBS_TOOLS_DIR ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'obs-dev');

const SETUP = 'run ./scripts/setup.sh --test-tools first';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `<name>-<hash of inputs>`, as setup.sh names cached tools (`hash_of`). Tests use the copy that
 * matches this checkout's inputs rather than the `<name>` link, which points at whichever checkout
 * ran setup last.
 */
function keyed(name: string, ...inputs: string[]): string {
  const h = createHash('sha256');
  for (const file of inputs) h.update(readFileSync(path.join(REPO, file)));
  return path.join(TOOLS_DIR, `${name}-${h.digest('hex').slice(0, 16)}`);
}
const venv = () => keyed('venv', 'test/tools/requirements.txt');

function must(file: string, what: string): string {
  if (!existsSync(file)) throw new Error(`${what} not found at ${file}: ${SETUP}`);
  return file;
}

function onPath(cmd: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${cmd} is not on PATH: ${SETUP}`);
  }
}

export const tools = {
  promtool: () => onPath('promtool'),
  prometheus: () => onPath('prometheus'),
  redisServer: () => onPath('redis-server'),
  jaeger: () => must(path.join(TOOLS_DIR, 'jaeger'), 'Jaeger'),
  python: () => must(path.join(venv(), 'bin', 'python'), 'Python virtualenv'),
  venvBin: (name: string) => must(path.join(venv(), 'bin', name), name),
  /** The Collector built from the builder manifest obs generates (scripts/setup.d/collector.sh). */
  otelcol: () => must(path.join(TOOLS_DIR, 'otelcol'), 'OpenTelemetry Collector'),
  /** compose-go's loader, to check compose files without Docker (scripts/setup.d/compose-check.sh). */
  composeCheck: () => must(path.join(TOOLS_DIR, 'compose-check'), 'compose-check'),
  /** node_modules with the packages generated Node instrumentation loads (scripts/setup.d/node-instrumentation.sh). */
  nodeInstrumentation: () =>
    must(
      path.join(
        keyed(
          'node-instrumentation',
          'test/tools/node-instrumentation/package.json',
          'test/tools/node-instrumentation/package-lock.json',
        ),
        'node_modules',
      ),
      'Node instrumentation packages',
    ),
};
