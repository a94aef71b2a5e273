/**
 * What the Python and Node instrumentation generators share: the command named in headers, the
 * env file, paths as seen from a service's folder, and the per-service README layout.
 */
import path from 'node:path';
import { generatedHeader } from '../../model/generator.js';
import type { GeneratorResult } from '../../model/generator.js';
import type { LanguageName, ServiceModel, SystemModel } from '../../model/schema.js';
import { serviceOtelEnv, stackPaths } from '../../model/conventions.js';

/** The command generated files name in their do-not-edit header. */
export const COMMAND = 'obs init';

export const header = (comment: string) => generatedHeader(COMMAND, comment);
export const markdownHeader = () => generatedHeader(COMMAND, '<!--').replace(/\n$/, ' -->');

/** Folder of a service's generated instrumentation, relative to the repository root. */
export function instrumentationDir(model: SystemModel, service: ServiceModel): string {
  return stackPaths(model).instrumentation(service.name);
}

/**
 * A generated file's path as a command run from the service's own folder names it (how its
 * start command runs locally); `./` prefixed so Node's `--import` reads it as a path.
 */
export function fromService(service: ServiceModel, repoPath: string): string {
  const rel = path.posix.relative(service.path ?? '.', repoPath);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

const quote = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** Words as one shell line, quoted where needed. */
export const shellLine = (words: readonly string[]) => words.map(quote).join(' ');

/** A word that uses shell variables (`$PORT`, `${PORT:-8000}`) and nothing else a shell acts on. */
const expands = (w: string) =>
  /\$(\{[A-Za-z_]\w*(:?-[^}]*)?\}|[A-Za-z_])/.test(w) && !/[`"\\]|\$\(/.test(w);

/**
 * A start command as one shell line: like shellLine, but a word with variables the scanner left
 * in it (their values were not plain enough to write out) is double-quoted, so the shell that
 * runs the line still expands them.
 */
export const commandLine = (words: readonly string[]) =>
  words.map((w) => (expands(w) ? `"${w}"` : quote(w))).join(' ');

/**
 * The `command:` of a compose snippet. Exec form, unless a word needs the container's shell to
 * expand a variable: compose would substitute it from the host instead, and the exec form has no
 * shell. `$$` keeps compose's hands off.
 */
export function composeCommand(words: readonly string[]): string {
  if (!words.some(expands)) return JSON.stringify(words);
  return JSON.stringify(['sh', '-c', `exec ${commandLine(words).replace(/\$/g, '$$$$')}`]);
}

/** Where the compose snippet mounts the instrumentation folder inside the container. */
export const CONTAINER_DIR = '/otel';

/** The OTEL_* environment of a service plus language extras, in a stable order. */
export function serviceEnv(
  model: SystemModel,
  service: ServiceModel,
  extra: Record<string, string>,
): Record<string, string> {
  return { ...serviceOtelEnv(model, service), ...extra };
}

/** KEY=value lines (shell-quoted where needed) for `env_file:` or `set -a; . ./otel.env`. Values here are never secrets. */
export function envFile(env: Record<string, string>): string {
  // Single quotes keep regexes and commas literal for both `. otel.env` and compose's env_file.
  const lines = Object.entries(env).map(([k, v]) => `${k}=${shellLine([v])}`);
  return (
    header('#') +
    '# OpenTelemetry settings for this service. OTEL_EXPORTER_OTLP_ENDPOINT is the Collector as seen\n' +
    '# from the host; inside a container set it to the address the Collector has there.\n' +
    lines.join('\n') +
    '\n'
  );
}

export interface ReadmeParts {
  service: ServiceModel;
  dir: string;
  detected: string[];
  /** Shell lines that add the packages. */
  install: string[];
  /** Lines to add to the service's dependency file, verbatim. */
  packageLines: { file: string; lines: string[] };
  /** The run command, from the service folder. */
  run: string[];
  runNotes: string[];
  compose: string;
  logs: string[];
  files: { name: string; what: string }[];
}

const fence = (lang: string, lines: readonly string[]) =>
  ['```' + lang, ...lines, '```'].join('\n');

/** The per-service README: what was found, the exact lines to add, how to run, what is here. */
export function readme(p: ReadmeParts): string {
  const sections = [
    markdownHeader(),
    `# OpenTelemetry for \`${p.service.name}\``,
    `obs found: ${p.detected.join('; ')}. Nothing in \`${p.service.path ?? p.service.name}\` was changed: the steps below are yours to apply.`,
    `## 1. Add the packages`,
    `Add these lines to \`${p.packageLines.file}\`:`,
    fence('', p.packageLines.lines),
    'or install them directly:',
    fence('sh', p.install),
    `## 2. Start it instrumented`,
    `From \`${p.service.path ?? '.'}\`, with the environment of \`otel.env\`:`,
    fence('sh', [
      'set -a; . ' + fromService(p.service, `${p.dir}/otel.env`) + '; set +a',
      ...p.run,
    ]),
    ...p.runNotes,
    `## 3. In compose`,
    'Mount this folder and pass the environment (merge into your compose file):',
    fence('yaml', p.compose.trimEnd().split('\n')),
    `## Logs`,
    ...p.logs,
    `## Files here`,
    p.files.map((f) => `- \`${f.name}\`: ${f.what}`).join('\n'),
  ];
  return sections.join('\n\n') + '\n';
}

/** Runs `filesFor` for every service of one language and gathers files and notes. */
export function perService(
  model: SystemModel,
  language: LanguageName,
  filesFor: (service: ServiceModel) => Required<GeneratorResult>,
): GeneratorResult {
  const result = { files: [] as GeneratorResult['files'], notes: [] as string[] };
  for (const service of model.services.filter((s) => s.language === language)) {
    const { files, notes } = filesFor(service);
    result.files.push(...files);
    result.notes.push(...notes);
  }
  return result;
}
