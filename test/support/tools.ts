/**
 * Where the integration tier finds real components. `scripts/setup.sh --test-tools` installs them;
 * a missing tool fails the test with that command rather than skipping it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collectorGenerator } from '../../collectors/collector/generator.js';
import { stackPaths } from '../../model/conventions.js';
import { runGenerator } from '../../model/generator.js';
import { parseModel } from '../../model/load.js';

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

/** The example whose builder manifest scripts/setup.d/collector.sh builds the test Collector from. */
const EXAMPLE_MODEL = path.join(REPO, 'examples/shop/obs.yaml');

/** The builder manifest `obs init` generates for examples/shop/obs.yaml. */
export function exampleManifest(): string {
  const model = parseModel(readFileSync(EXAMPLE_MODEL, 'utf8'), EXAMPLE_MODEL);
  const manifest = runGenerator(collectorGenerator, model).files.find(
    (f) => f.path === stackPaths(model).collectorBuilder,
  );
  if (!manifest) throw new Error('the collector generator wrote no builder manifest');
  return manifest.content;
}

/**
 * The Collector built from exactly this builder manifest: collector.sh keeps each build in
 * otelcol-<hash>/ beside a copy of its manifest. Found by content rather than through the
 * `otelcol` link, for the same reason as keyed().
 */
function otelcolFor(manifest: string): string {
  const dirs = existsSync(TOOLS_DIR)
    ? readdirSync(TOOLS_DIR).filter((d) => /^otelcol-[0-9a-f]{16}$/.test(d))
    : [];
  const built = dirs.find((d) => {
    const copy = path.join(TOOLS_DIR, d, 'builder-config.yaml');
    return existsSync(copy) && readFileSync(copy, 'utf8').trimEnd() === manifest.trimEnd();
  });
  if (!built) {
    throw new Error(
      `no OpenTelemetry Collector built from this manifest in ${TOOLS_DIR}: ${SETUP}`,
    );
  }
  return must(path.join(TOOLS_DIR, built, 'otelcol-obs'), 'OpenTelemetry Collector');
}

export const tools = {
  promtool: () => onPath('promtool'),
  prometheus: () => onPath('prometheus'),
  redisServer: () => onPath('redis-server'),
  jaeger: () => must(path.join(TOOLS_DIR, 'jaeger'), 'Jaeger'),
  python: () => must(path.join(venv(), 'bin', 'python'), 'Python virtualenv'),
  venvBin: (name: string) => must(path.join(venv(), 'bin', name), name),
  /**
   * The Collector built from the builder manifest `obs init` generates for examples/shop/obs.yaml
   * (scripts/setup.d/collector.sh), or with a manifest: the one built from that manifest.
   */
  otelcol: (manifest: string = exampleManifest()) => otelcolFor(manifest),
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
