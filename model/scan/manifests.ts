/**
 * Dependency manifests: requirements files, pyproject.toml (PEP 621 and Poetry), Pipfile and
 * package.json. A manifest that cannot be parsed is an error naming its file and line; a package
 * list that cannot be fully read (an unreadable `-r` include) is a finding.
 */
import path from 'node:path';
import { TomlError, parse as parseToml } from 'smol-toml';
import { ExitCode, ObsError, messageOf } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { Findings } from './findings.js';
import { readText } from './files.js';

/** PEP 503 normalization: `Flask_SQLAlchemy` -> `flask-sqlalchemy`. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The distribution name at the start of a PEP 508 requirement (`redis[hiredis]>=5; ...`). */
export function requirementName(spec: string): string | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec);
  return m ? normalizePythonName(m[1]!) : undefined;
}

/** Names in a requirements file, following `-r` includes (relative to the including file). */
export async function readRequirements(
  file: string,
  label: string,
  findings: Findings,
  seen = new Set<string>(),
): Promise<string[]> {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = await readText(file);
  if (text === undefined) return [];
  const names: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const include = /^(?:-r|--requirement)\s*=?\s*(\S+)/.exec(line);
    if (include) {
      const inc = path.resolve(path.dirname(file), include[1]!);
      const got = await readRequirements(inc, include[1]!, findings, seen);
      if (got.length === 0 && (await readText(inc)) === undefined) {
        findings.warn(
          'requirements-include-missing',
          `${label}: included file ${include[1]} not found`,
          { file: label },
        );
      }
      names.push(...got);
      continue;
    }
    if (line.startsWith('-')) continue; // -e ., --index-url, -c constraints
    const name = requirementName(line);
    if (name) names.push(name);
  }
  return names;
}

function tomlFail(file: string, err: unknown): never {
  throw new ObsError(`invalid TOML: ${messageOf(err).split('\n')[0]}`, {
    code: 'OBS_BAD_TOML',
    exit: ExitCode.dataError,
    file,
    line: err instanceof TomlError ? err.line : undefined,
    cause: err,
  });
}

type Table = Record<string, unknown>;
const table = (v: unknown): Table => (isRecord(v) ? v : {});

/** Runtime dependencies of a pyproject.toml: `[project].dependencies` and Poetry's table. */
export function pyprojectDependencies(text: string, file: string): string[] {
  let doc: Table;
  try {
    doc = parseToml(text);
  } catch (err) {
    tomlFail(file, err);
  }
  const project = table(doc.project);
  const names: string[] = [];
  if (Array.isArray(project.dependencies)) {
    for (const d of project.dependencies) {
      const n = typeof d === 'string' ? requirementName(d) : undefined;
      if (n) names.push(n);
    }
  }
  const poetry = table(table(table(doc.tool).poetry).dependencies);
  for (const key of Object.keys(poetry)) if (key !== 'python') names.push(normalizePythonName(key));
  return names;
}

/** `[packages]` of a Pipfile. */
export function pipfileDependencies(text: string, file: string): string[] {
  let doc: Table;
  try {
    doc = parseToml(text);
  } catch (err) {
    tomlFail(file, err);
  }
  return Object.keys(table(doc.packages)).map(normalizePythonName);
}

/** `install_requires=[...]` string literals of a setup.py, read without running it. */
export function setupPyDependencies(text: string): string[] {
  const m = /install_requires\s*=\s*\[([\s\S]*?)\]/.exec(text);
  if (!m) return [];
  return [...m[1]!.matchAll(/["']([^"']+)["']/g)]
    .map((x) => requirementName(x[1]!))
    .filter((n): n is string => n !== undefined);
}

export interface PackageJson {
  name?: string;
  type?: string;
  main?: string;
  scripts: Record<string, string>;
  /** dependencies and optionalDependencies: what runs in production. */
  dependencies: string[];
  devDependencies: string[];
}

/** 1-based line of a character offset. */
function lineAtOffset(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

export function parsePackageJson(text: string, file: string): PackageJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec(messageOf(err));
    throw new ObsError(`invalid JSON: ${messageOf(err)}`, {
      code: 'OBS_BAD_PACKAGE_JSON',
      exit: ExitCode.dataError,
      file,
      line: pos ? lineAtOffset(text, Number(pos[1])) : undefined,
      cause: err,
    });
  }
  const pkg = table(raw);
  const strMap = (v: unknown) =>
    Object.fromEntries(
      Object.entries(table(v)).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  return {
    name: typeof pkg.name === 'string' ? pkg.name : undefined,
    type: typeof pkg.type === 'string' ? pkg.type : undefined,
    main: typeof pkg.main === 'string' ? pkg.main : undefined,
    scripts: strMap(pkg.scripts),
    dependencies: [
      ...Object.keys(table(pkg.dependencies)),
      ...Object.keys(table(pkg.optionalDependencies)),
    ],
    devDependencies: Object.keys(table(pkg.devDependencies)),
  };
}
