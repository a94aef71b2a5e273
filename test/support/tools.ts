/**
 * Where the integration tier finds real components. `scripts/setup.sh --test-tools` installs them;
 * a missing tool fails the test with that command rather than skipping it.
 */
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
const EXAMPLE_MODEL = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/shop/obs.yaml',
);

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
 * otelcol-<hash>/ beside a copy of its manifest. Found by content, not through the
 * $TOOLS_DIR/otelcol link, which checkouts with other manifests sharing the cache re-point.
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
  jaeger: () => must(path.join(TOOLS_DIR, 'jaeger'), 'Jaeger'),
  python: () => must(path.join(TOOLS_DIR, 'venv', 'bin', 'python'), 'Python virtualenv'),
  venvBin: (name: string) => must(path.join(TOOLS_DIR, 'venv', 'bin', name), name),
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
      path.join(TOOLS_DIR, 'node-instrumentation', 'node_modules'),
      'Node instrumentation packages',
    ),
};
