/**
 * A Node service folder: package.json (dependencies, module type, start script, main), framework,
 * whether it serves its own /metrics with prom-client, and the port its code falls back to.
 */
import path from 'node:path';
import type { FrameworkName } from '../schema.js';
import { NODE_LIBRARIES, librariesOf } from './dependencies.js';
import type { Findings } from './findings.js';
import { readText } from './files.js';
import { parsePackageJson } from './manifests.js';
import type { CodeAnalysis, SourceFile } from './code.js';

const ENTRY_CANDIDATES = [
  'server.js',
  'index.js',
  'app.js',
  'main.js',
  'server.mjs',
  'index.mjs',
  'src/server.js',
  'src/index.js',
  'src/app.js',
  'src/main.js',
  'src/server.mjs',
  'src/index.mjs',
];

const OTHER_FRAMEWORKS = ['koa', '@hapi/hapi', '@nestjs/core', 'restify', 'hono', '@adonisjs/core'];

export async function analyzeNode(
  dir: string,
  label: string,
  service: string,
  sources: readonly SourceFile[],
  findings: Findings,
): Promise<CodeAnalysis> {
  const file = `${label}/package.json`;
  const pkg = parsePackageJson((await readText(path.join(dir, 'package.json'))) ?? '{}', file);
  const where = { service, file };
  const deps = pkg.dependencies;
  const { libraries, kinds: libraryKinds } = librariesOf(deps, NODE_LIBRARIES);
  libraries.add('http'); // node:http is always there, and instrumented
  const devOnly = ['express', 'fastify'].filter((f) => pkg.devDependencies.includes(f));
  if (devOnly.length > 0)
    findings.warn(
      'framework-dev-dependency',
      `${service} lists ${devOnly.join(', ')} only in devDependencies`,
      where,
    );

  let framework: FrameworkName | undefined;
  const other = OTHER_FRAMEWORKS.filter((f) => deps.includes(f));
  const fw = (['express', 'fastify'] as const).filter((f) => deps.includes(f));
  if (fw.length === 1) framework = fw[0];
  else if (fw.length > 1) {
    const imported = fw.filter((f) =>
      sources.some((s) => new RegExp(`(require\\(|from )["']${f}["']`).test(s.text)),
    );
    framework = imported[0] ?? fw[0];
    findings.warn(
      'framework-ambiguous',
      `${service} depends on ${fw.join(' and ')}; took ${framework} (set framework in obs.yaml if that is wrong)`,
      where,
    );
  } else if (other.length > 0) {
    findings.warn(
      'framework-unknown',
      `${service} uses ${other.join(', ')}, which obs has no dedicated support for; auto-instrumentation still covers its HTTP server`,
      where,
    );
  } else if (
    sources.some((s) => /\bcreateServer\(/.test(s.text) && /["'](node:)?https?["']/.test(s.text))
  ) {
    framework = 'http';
  } else {
    findings.warn(
      'framework-unknown',
      `${service}: no HTTP server recognized (Express, Fastify, node:http); it gets generic instrumentation`,
      where,
    );
  }

  const analysis: CodeAnalysis = {
    language: 'node',
    framework,
    webFramework: framework !== undefined || other.length > 0,
    packages: deps,
    libraries: [...libraries].sort(),
    libraryKinds,
    scripts: pkg.scripts,
    startScript: pkg.scripts.start,
  };

  const known = new Set(sources.map((s) => s.path));
  const main = pkg.main?.replace(/^\.\//, '');
  analysis.entrypoint =
    main !== undefined && known.has(main) ? main : ENTRY_CANDIDATES.find((c) => known.has(c));
  analysis.moduleType = pkg.type === 'module' ? 'esm' : 'cjs';

  if (deps.includes('prom-client')) {
    if (sources.some((s) => /["'`]\/metrics["'`]/.test(s.text))) analysis.metricsPath = '/metrics';
    else
      findings.warn(
        'metrics-path-unknown',
        `${service} uses prom-client but no /metrics route was found; set metricsPath in obs.yaml`,
        where,
      );
  }

  for (const s of sources) {
    const m =
      /\bPORT\s*(?:\|\||\?\?)\s*["']?(\d{2,5})/.exec(s.text) ??
      /\.listen\(\s*\{[^}]*\bport:\s*(\d{2,5})/.exec(s.text) ??
      /\.listen\(\s*(\d{2,5})\b/.exec(s.text);
    if (m) {
      analysis.sourcePort = Number(m[1]);
      break;
    }
  }
  return analysis;
}

/** ESM or CJS for an entrypoint: the file extension wins over package.json `type`. */
export function moduleTypeOf(entry: string | undefined, pkgType: 'esm' | 'cjs'): 'esm' | 'cjs' {
  if (entry?.endsWith('.mjs') || entry?.endsWith('.mts')) return 'esm';
  if (entry?.endsWith('.cjs') || entry?.endsWith('.cts')) return 'cjs';
  return pkgType;
}
