/**
 * Where the integration tier finds real components. `scripts/setup.sh --test-tools` installs them;
 * a missing tool fails the test with that command rather than skipping it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export const TOOLS_DIR =
  process.env.OBS_TOOLS_DIR ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'obs-dev');

const SETUP = 'run ./scripts/setup.sh --test-tools first';

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

function otelcol(): string {
  return must(path.join(TOOLS_DIR, 'otelcol'), 'OpenTelemetry Collector');
}

export const tools = {
  promtool: () => onPath('promtool'),
  prometheus: () => onPath('prometheus'),
  jaeger: () => must(path.join(TOOLS_DIR, 'jaeger'), 'Jaeger'),
  python: () => must(path.join(TOOLS_DIR, 'venv', 'bin', 'python'), 'Python virtualenv'),
  venvBin: (name: string) => must(path.join(TOOLS_DIR, 'venv', 'bin', name), name),
  /**
   * The Collector built from the builder manifest `obs init` generates for examples/shop/obs.yaml
   * (scripts/setup.d/collector.sh); otelcolManifest() is the manifest it was built from.
   */
  otelcol,
  otelcolManifest: () =>
    must(
      path.join(path.dirname(realpathSync(otelcol())), 'builder-config.yaml'),
      'the manifest of the Collector build',
    ),
  /** compose-go's loader, to check compose files without Docker (scripts/setup.d/compose-check.sh). */
  composeCheck: () => must(path.join(TOOLS_DIR, 'compose-check'), 'compose-check'),
  /** node_modules with the packages generated Node instrumentation loads (scripts/setup.d/node-instrumentation.sh). */
  nodeInstrumentation: () =>
    must(
      path.join(TOOLS_DIR, 'node-instrumentation', 'node_modules'),
      'Node instrumentation packages',
    ),
};
