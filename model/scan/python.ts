/**
 * A Python service folder: its packages (requirements, pyproject, Pipfile, setup.py), framework,
 * app object, whether it serves its own /metrics, and the port its code falls back to.
 */
import path from 'node:path';
import type { FrameworkName } from '../schema.js';
import { PYTHON_LIBRARIES, librariesOf } from './dependencies.js';
import type { Findings } from './findings.js';
import { listFiles, readText } from './files.js';
import {
  pipfileDependencies,
  pyprojectDependencies,
  readRequirements,
  setupPyDependencies,
} from './manifests.js';
import type { CodeAnalysis, SourceFile } from './code.js';

const DEV_REQUIREMENTS = /(^|[-_/])(dev|test|tests|lint|docs|ci)([-_.]|$)/;

async function packagesOf(dir: string, label: string, findings: Findings): Promise<string[]> {
  const names: string[] = [];
  const files = await listFiles(dir, { maxDepth: 1, maxFiles: 500 });
  const reqs = files.filter(
    (f) =>
      /(^|\/)requirements[^/]*\.(txt|in)$/.test(f) &&
      !DEV_REQUIREMENTS.test(f.replace(/^.*requirements/, '')) &&
      (!f.includes('/') || f.startsWith('requirements/')),
  );
  // requirements.in is the pip-tools source of requirements.txt: read one of them, not both.
  const chosen = reqs.filter(
    (f) => !(f.endsWith('.in') && reqs.includes(f.replace(/\.in$/, '.txt'))),
  );
  for (const f of chosen)
    names.push(...(await readRequirements(path.join(dir, f), `${label}/${f}`, findings)));
  const pyproject = await readText(path.join(dir, 'pyproject.toml'));
  if (pyproject !== undefined)
    names.push(...pyprojectDependencies(pyproject, `${label}/pyproject.toml`));
  const pipfile = await readText(path.join(dir, 'Pipfile'));
  if (pipfile !== undefined) names.push(...pipfileDependencies(pipfile, `${label}/Pipfile`));
  const setupPy = await readText(path.join(dir, 'setup.py'));
  if (setupPy !== undefined) names.push(...setupPyDependencies(setupPy));
  return [...new Set(names)];
}

/** `app/main.py` -> `app.main`; a src layout's `src/` is not part of the module name. */
function moduleOf(file: string, sources: readonly SourceFile[]): string {
  let p = file.replace(/\.py$/, '').replace(/\/__init__$/, '');
  if (p.startsWith('src/') && !sources.some((s) => s.path === 'src/__init__.py')) p = p.slice(4);
  return p.split('/').join('.');
}

/** Assignments of an app object: `app = Flask(__name__)`, `api: FastAPI = FastAPI()`. */
function appObjects(sources: readonly SourceFile[], ctor: string) {
  const re = new RegExp(`^([A-Za-z_]\\w*)\\s*(?::\\s*\\w+\\s*)?=\\s*(?:\\w+\\.)?${ctor}\\(`, 'm');
  const out: { file: string; variable: string }[] = [];
  for (const s of sources) {
    const m = re.exec(s.text);
    if (m) out.push({ file: s.path, variable: m[1]! });
  }
  return out;
}

const FRAMEWORK_EVIDENCE: Readonly<Record<string, RegExp>> = {
  flask: /^\s*(from flask import|import flask)/m,
  fastapi: /^\s*(from fastapi import|import fastapi)/m,
  django: /^\s*(from django|import django)/m,
  aiohttp: /\bweb\.(Application|run_app)\(|from aiohttp import web/,
};

const OTHER_FRAMEWORKS = [
  'starlette',
  'sanic',
  'tornado',
  'bottle',
  'falcon',
  'quart',
  'litestar',
  'pyramid',
  'cherrypy',
];

/** The standard library's HTTP servers: a service may serve HTTP without any framework. */
const STDLIB_SERVER = /\b(?:http\.server|wsgiref\.simple_server|(?:Threading)?HTTPServer\()/;

export async function analyzePython(
  dir: string,
  label: string,
  service: string,
  sources: readonly SourceFile[],
  findings: Findings,
  env: Readonly<Record<string, string>> = {},
): Promise<CodeAnalysis> {
  const packages = await packagesOf(dir, label, findings);
  const where = { service, file: label };
  const { libraries, kinds: libraryKinds } = librariesOf(packages, PYTHON_LIBRARIES);
  if (sources.some((s) => /^\s*import sqlite3|^\s*from sqlite3 import/m.test(s.text))) {
    libraries.add('sqlite3');
    libraryKinds.push({ kind: 'sqlite', library: 'sqlite3' });
  }

  // Framework: declared packages, confirmed by imports in the code when there is a choice.
  const declared = (['flask', 'fastapi', 'django', 'aiohttp'] as const).filter((f) =>
    packages.includes(f),
  );
  const used = declared.filter((f) => sources.some((s) => FRAMEWORK_EVIDENCE[f]!.test(s.text)));
  let framework: FrameworkName | undefined;
  const candidates = used.length > 0 ? used : declared.filter((f) => f !== 'aiohttp');
  if (candidates.length === 1) framework = candidates[0];
  else if (candidates.length > 1) {
    framework = candidates[0];
    findings.warn(
      'framework-ambiguous',
      `${service} uses ${candidates.join(' and ')}; took ${framework} (set framework in obs.yaml if that is wrong)`,
      where,
    );
  } else if (sources.some((s) => /\basyncio\.(run|start_server|get_event_loop)\(/.test(s.text))) {
    framework = 'asyncio';
  }
  const other = OTHER_FRAMEWORKS.filter((f) => packages.includes(f));
  if (framework === undefined) {
    findings.warn(
      'framework-unknown',
      other.length > 0
        ? `${service} uses ${other.join(', ')}, which obs has no dedicated support for; it gets generic instrumentation`
        : `${service}: no web framework recognized (Flask, FastAPI, Django, aiohttp, asyncio); it gets generic instrumentation`,
      where,
    );
  }

  if (framework === 'aiohttp') libraries.add('aiohttp-server');
  const analysis: CodeAnalysis = {
    language: 'python',
    framework,
    // asyncio is a worker's event loop as often as a server's: it alone is no web framework.
    webFramework:
      (framework !== undefined && framework !== 'asyncio') ||
      other.length > 0 ||
      sources.some((s) => STDLIB_SERVER.test(s.text)),
    packages,
    libraries: [...libraries].sort(),
    libraryKinds,
  };

  // The app object, for `module:variable` entrypoints.
  if (framework === 'flask' || framework === 'fastapi') {
    const ctor = framework === 'flask' ? 'Flask' : 'FastAPI';
    const apps = appObjects(sources, ctor);
    const factory = sources.find((s) => /^def create_app\(/m.test(s.text));
    if (apps.length > 0)
      analysis.entrypoint = `${moduleOf(apps[0]!.file, sources)}:${apps[0]!.variable}`;
    else if (factory) analysis.entrypoint = `${moduleOf(factory.path, sources)}:create_app()`;
    if (apps.length > 1)
      findings.warn(
        'entrypoint-ambiguous',
        `${service} creates ${apps.length} ${ctor} apps (${apps.map((a) => a.file).join(', ')}); took the first`,
        where,
      );
  } else if (framework === 'django') {
    // The settings the server runs with: the container's environment, else the default in the
    // module it loads (wsgi.py/asgi.py), and only then manage.py's, often a development one.
    const settingOf = (s: SourceFile | undefined) =>
      s && /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/.exec(s.text)?.[1];
    const fromEnv = env.DJANGO_SETTINGS_MODULE;
    const settings =
      (fromEnv !== undefined && /^[A-Za-z_][\w.]*$/.test(fromEnv) ? fromEnv : undefined) ??
      sources
        .filter((s) => /(^|\/)[wa]sgi\.py$/.test(s.path))
        .map(settingOf)
        .find((m) => m !== undefined) ??
      settingOf(sources.find((s) => s.path.endsWith('manage.py')));
    if (settings) {
      analysis.settingsModule = settings;
      const pkg = settings.replace(/\.settings(\.\w+)?$/, '');
      if (sources.some((s) => s.path.endsWith(`${pkg.split('.').join('/')}/wsgi.py`)))
        analysis.entrypoint = `${pkg}.wsgi:application`;
    } else {
      findings.warn(
        'django-settings-unknown',
        `${service}: DJANGO_SETTINGS_MODULE not found in the environment, wsgi.py, asgi.py or manage.py; set settingsModule in obs.yaml`,
        where,
      );
    }
  } else {
    const main = sources.find((s) => /^if __name__ == ["']__main__["']:/m.test(s.text));
    if (main) analysis.entrypoint = main.path;
  }

  if (packages.includes('prometheus-client')) {
    const text = sources.map((s) => s.text).join('\n');
    const port = /start_http_server\(\s*(\d+)/.exec(text);
    if (port) {
      analysis.metricsPath = '/metrics';
      analysis.metricsPort = Number(port[1]);
    } else if (/["']\/metrics["']|make_wsgi_app|make_asgi_app/.test(text)) {
      analysis.metricsPath = '/metrics';
    } else {
      findings.warn(
        'metrics-path-unknown',
        `${service} uses prometheus_client but no /metrics endpoint was found; set metricsPath in obs.yaml`,
        where,
      );
    }
  }

  for (const s of sources) {
    const m =
      /\.run\([^)]*\bport\s*=\s*(\d{2,5})/.exec(s.text) ??
      /environ(?:\.get\(|\[)\s*["']PORT["']\s*,\s*["']?(\d{2,5})/.exec(s.text) ??
      /getenv\(\s*["']PORT["']\s*,\s*["']?(\d{2,5})/.exec(s.text);
    if (m) {
      analysis.sourcePort = Number(m[1]);
      break;
    }
  }
  return analysis;
}
