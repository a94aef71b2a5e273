/**
 * A service's code folder: which language it is in, its source files, and the shape both language
 * analyzers return.
 */
import path from 'node:path';
import type { DependencyModel, FrameworkName, LanguageName } from '../schema.js';
import { listFiles, readText } from './files.js';

export interface SourceFile {
  /** Relative to the service folder. */
  path: string;
  text: string;
}

export interface CodeAnalysis {
  language: LanguageName;
  framework?: FrameworkName;
  /** The code uses a web framework, one obs supports or another (Starlette, Koa, NestJS). */
  webFramework: boolean;
  /** Names from the dependency manifests (normalized for Python). */
  packages: string[];
  /** Libraries for the model's `libraries` (instrumentation names). */
  libraries: string[];
  /** Systems the client libraries talk to (targets resolved later). */
  libraryKinds: { kind: DependencyModel['kind']; library: string }[];
  entrypoint?: string;
  moduleType?: 'esm' | 'cjs';
  settingsModule?: string;
  metricsPath?: string;
  metricsPort?: number;
  /** A port the code falls back to (`PORT` default, `app.listen(3000)`). */
  sourcePort?: number;
  /** The start script from package.json, for Node services without another command. */
  startScript?: string;
  scripts?: Record<string, string>;
}

const PYTHON_MARKERS = ['requirements.txt', 'pyproject.toml', 'Pipfile', 'setup.py', 'manage.py'];
const OTHER_MARKERS: Readonly<Record<string, string>> = {
  'go.mod': 'Go',
  'pom.xml': 'Java',
  'build.gradle': 'Java',
  'build.gradle.kts': 'Kotlin',
  'Cargo.toml': 'Rust',
  Gemfile: 'Ruby',
  'composer.json': 'PHP',
  'mix.exs': 'Elixir',
};

export type LanguageGuess =
  | { kind: 'supported'; language: LanguageName; ambiguous?: LanguageName[] }
  | { kind: 'other'; name: string }
  | { kind: 'none' };

/**
 * Decides the language of a folder from its marker files; `dockerBase` (the Dockerfile's base
 * image) settles a folder that has both.
 */
export async function detectLanguage(dir: string, dockerBase?: string): Promise<LanguageGuess> {
  const files = await listFiles(dir, { maxDepth: 2, maxFiles: 2000 });
  const top = new Set(files.filter((f) => !f.includes('/')));
  const hasPython =
    PYTHON_MARKERS.some((m) => top.has(m)) ||
    files.some((f) => /(^|\/)requirements[^/]*\.txt$/.test(f)) ||
    files.some((f) => f.endsWith('.py'));
  const hasNode = top.has('package.json');
  if (hasPython && hasNode) {
    const base = dockerBase?.toLowerCase() ?? '';
    if (/(^|\/)(python|pypy)|uv:|poetry/.test(base))
      return { kind: 'supported', language: 'python' };
    if (/(^|\/)node|bun|deno/.test(base)) return { kind: 'supported', language: 'node' };
    const py = files.filter((f) => f.endsWith('.py')).length;
    const js = files.filter((f) => /\.(c|m)?[jt]s$/.test(f)).length;
    return {
      kind: 'supported',
      language: py >= js ? 'python' : 'node',
      ambiguous: ['python', 'node'],
    };
  }
  if (hasPython) return { kind: 'supported', language: 'python' };
  if (hasNode) return { kind: 'supported', language: 'node' };
  for (const [marker, name] of Object.entries(OTHER_MARKERS))
    if (top.has(marker)) return { kind: 'other', name };
  if (files.some((f) => f.endsWith('.csproj'))) return { kind: 'other', name: '.NET' };
  return { kind: 'none' };
}

/** Whether a folder holds a service obs can scan (used when there is no compose file). */
export async function hasServiceMarkers(dir: string): Promise<boolean> {
  const files = await listFiles(dir, { maxDepth: 0, maxFiles: 500 });
  return files.some(
    (f) => f === 'package.json' || PYTHON_MARKERS.includes(f) || f.startsWith('requirements'),
  );
}

const SOURCE_LIMIT = { files: 400, bytes: 8 * 1024 * 1024 };

/** Source files of one language under `dir`, bounded in count and total size. */
export async function readSources(dir: string, language: LanguageName): Promise<SourceFile[]> {
  const ext = language === 'python' ? /\.py$/ : /\.(c|m)?[jt]sx?$/;
  const files = (await listFiles(dir, { maxDepth: 6, maxFiles: 5000 }))
    .filter(
      (f) => ext.test(f) && !f.endsWith('.d.ts') && !/(^|\/)(tests?|__tests__|spec)\//.test(f),
    )
    .slice(0, SOURCE_LIMIT.files);
  const out: SourceFile[] = [];
  let bytes = 0;
  for (const f of files) {
    const text = await readText(path.join(dir, f));
    if (text === undefined) continue;
    bytes += text.length;
    if (bytes > SOURCE_LIMIT.bytes) break;
    out.push({ path: f, text });
  }
  return out;
}
