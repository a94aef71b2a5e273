/**
 * The repository scanner: from a microservices repository to a system model.
 *
 * Where services come from, in order: the compose file, then Kubernetes workloads the compose file
 * does not have, and only when neither exists, folders with a package.json or Python project
 * files. Each service's code folder is read for language, framework, server, entrypoint and
 * libraries; its environment and depends_on name the siblings it talks to. What cannot be decided
 * is a finding in the result, never a silent guess; inputs that make a model impossible (malformed
 * files, a port clash, a service folder with no code, no services at all) are `ObsError`s.
 */
import path from 'node:path';
import { ExitCode, ObsError } from '../../core/errors.js';
import { withoutUrlPasswords } from '../../core/redact.js';
import { MODEL_FILE } from '../load.js';
import { API_VERSION, DEFAULT_MAX_PUBLISH_GAP, StackPorts, SystemModel } from '../schema.js';
import type { DependencyModel, StackPortsModel, SystemModelInput } from '../schema.js';
import { COMPOSE_FILES, hostPorts, readCompose } from './compose.js';
import type { ComposeProject } from './compose.js';
import {
  parseNodeCommand,
  parsePythonCommand,
  portOf,
  splitWords,
  substituteVariables,
} from './command.js';
import type { RunCommand } from './command.js';
import { detectLanguage, hasServiceMarkers, readSources } from './code.js';
import type { CodeAnalysis } from './code.js';
import {
  addDependency,
  dependenciesFromEnv,
  kindOfImage,
  siblingUrlsInSource,
} from './dependencies.js';
import type { Sibling } from './dependencies.js';
import { beatScheduleGap, publishGapText } from './beat-schedule.js';
import { parseDockerfile } from './dockerfile.js';
import type { DockerfileInfo } from './dockerfile.js';
import { Findings } from './findings.js';
import type { Finding } from './findings.js';
import { isDirectory, listFiles, readText, relativeTo } from './files.js';
import { readKubernetes } from './kubernetes.js';
import { analyzeNode, moduleTypeOf } from './node.js';
import { analyzePython } from './python.js';

export type { Finding } from './findings.js';

export interface ScanOptions {
  /** Output folder of generated files (relative to the root), never scanned. Default `observability`. */
  output?: string;
}

export interface ScanResult {
  model: SystemModel;
  findings: Finding[];
  /** What the services were read from, relative to the root. */
  sources: { compose?: string; kubernetes: string[]; folders: string[] };
}

/** A service before its code is read. */
interface Candidate {
  name: string;
  /** The compose file's key when the model name differs from it. */
  composeService?: string;
  origin: 'compose' | 'kubernetes' | 'folder';
  /** Where it is declared (compose file or manifest), for messages. */
  file?: string;
  line?: number;
  folder: string;
  dockerfile?: string;
  command?: string[];
  containerPorts: number[];
  env: Record<string, string>;
  dependsOn: string[];
}

/** Records a service other services may name (in URLs, host variables, depends_on). */
function addSibling(
  siblings: Map<string, Sibling>,
  name: string,
  role: Sibling['role'],
  kind?: Sibling['kind'],
): void {
  const key = name.toLowerCase();
  siblings.set(key, { name: key, role, ...(kind ? { kind } : {}) });
}

const NAME_RE = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;

/** Servers a start command names that serve HTTP (`python script.py` may or may not). */
const WEB_SERVERS: ReadonlySet<string> = new Set([
  'gunicorn',
  'uvicorn',
  'hypercorn',
  'flask',
  'django',
]);

/** A compose/k8s/folder name as a model name: lower case, '.' and spaces become '-'. */
function modelName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 63);
}

const FOLDER_PARENTS = ['', 'services', 'apps', 'src', 'packages', 'cmd'];

async function folderFor(root: string, names: readonly string[]): Promise<string | undefined> {
  for (const n of names) {
    for (const parent of FOLDER_PARENTS) {
      const rel = parent === '' ? n : `${parent}/${n}`;
      if (await isDirectory(path.join(root, rel))) return rel;
    }
  }
  return undefined;
}

function candidatesFromCompose(
  project: ComposeProject,
  siblings: Map<string, Sibling>,
  findings: Findings,
): Candidate[] {
  const out: Candidate[] = [];
  for (const s of project.services) {
    const where = { service: s.name, file: project.file, line: s.line };
    if (s.context === undefined) {
      const kind = kindOfImage(s.image);
      addSibling(siblings, s.name, 'infra', kind);
      if (kind === undefined) {
        findings.info(
          'image-only-service',
          `${s.name} runs the image ${s.image ?? '(none)'} without code in this repository; it is not instrumented`,
          where,
        );
      }
      continue;
    }
    addSibling(siblings, s.name, 'app');
    out.push({
      name: s.name,
      origin: 'compose',
      file: project.file,
      line: s.line,
      folder: s.context,
      dockerfile: s.dockerfile,
      command:
        s.entrypoint !== undefined || s.command !== undefined
          ? [...(s.entrypoint ?? []), ...(s.command ?? [])]
          : undefined,
      containerPorts: [...s.ports.map((p) => p.target), ...s.expose],
      env: s.environment,
      dependsOn: s.dependsOn,
    });
  }
  return out;
}

async function commandFor(
  c: Candidate,
  docker: DockerfileInfo | undefined,
  folder: string,
): Promise<{ words: string[]; from: string } | undefined> {
  if (c.command) return { words: c.command, from: c.origin === 'compose' ? 'compose' : 'manifest' };
  if (docker?.command) return { words: docker.command, from: 'Dockerfile' };
  const procfile = await readText(path.join(folder, 'Procfile'));
  const web = procfile && /^web:\s*(.+)$/m.exec(procfile)?.[1];
  if (web) return { words: splitWords(web), from: 'Procfile' };
  return undefined;
}

/** Resolves the target of a library's dependency: the one sibling of that kind, if there is one. */
function targetFor(
  kind: DependencyModel['kind'],
  deps: readonly DependencyModel[],
  siblings: ReadonlyMap<string, Sibling>,
): string | undefined {
  const named = deps.filter((d) => d.kind === kind);
  if (named.length > 0) return named[0]!.target;
  const infra = [...siblings].filter(([, s]) => s.role === 'infra' && s.kind === kind);
  return infra.length === 1 ? infra[0]![0] : undefined;
}

/**
 * The folder that holds a service's code. Usually its build context; but a monorepo often builds
 * every service from the root (`context: .`, `dockerfile: orders/Dockerfile`), and then the
 * Dockerfile's folder is the service's when it has project files of its own.
 */
async function codeFolder(root: string, c: Candidate, findings: Findings): Promise<string> {
  if (c.dockerfile === undefined) return c.folder;
  const dir = path.posix.dirname(c.dockerfile);
  const inside = c.folder === '.' ? dir !== '.' : dir.startsWith(`${c.folder}/`);
  if (!inside || !(await hasServiceMarkers(path.join(root, dir)))) return c.folder;
  findings.info(
    'code-folder-from-dockerfile',
    `${c.name} builds from ${c.folder} with ${c.dockerfile}; its code was read from ${dir}`,
    { service: c.name, file: c.file, line: c.line },
  );
  return dir;
}

async function scanService(
  root: string,
  candidate: Candidate,
  siblings: ReadonlyMap<string, Sibling>,
  findings: Findings,
): Promise<SystemModelInput['services'][number] | undefined> {
  const c = { ...candidate, folder: await codeFolder(root, candidate, findings) };
  const folder = path.join(root, c.folder);
  const where = { service: c.name, file: c.file, line: c.line };
  if (!(await isDirectory(folder))) {
    throw new ObsError(`service ${c.name}: its code folder ${c.folder} does not exist`, {
      code: 'OBS_NO_CODE',
      exit: ExitCode.noInput,
      file: c.file,
      line: c.line,
    });
  }
  const dockerText = await readText(
    c.dockerfile ? path.join(root, c.dockerfile) : path.join(folder, 'Dockerfile'),
  );
  const docker = dockerText === undefined ? undefined : parseDockerfile(dockerText);
  const lang = await detectLanguage(folder, docker?.baseImage);
  if (lang.kind === 'other') {
    findings.warn(
      'language-unsupported',
      `${c.name} is written in ${lang.name}; obs instruments Python and Node services only, so it is skipped`,
      where,
    );
    return undefined;
  }
  if (lang.kind === 'none') {
    throw new ObsError(
      `service ${c.name}: no recognizable code in ${c.folder} (no requirements.txt, pyproject.toml, Pipfile, package.json or .py files)`,
      {
        code: 'OBS_NO_CODE',
        exit: ExitCode.dataError,
        file: c.file,
        line: c.line,
        suggestions: [
          `Point the service's build context at its code, or describe the service by hand in ${MODEL_FILE}.`,
        ],
      },
    );
  }
  if (lang.ambiguous) {
    findings.warn(
      'language-ambiguous',
      `${c.name} has both Python and Node project files; took ${lang.language} (set language in ${MODEL_FILE} if that is wrong)`,
      where,
    );
  }
  const sources = await readSources(folder, lang.language);
  // The container's environment: the Dockerfile's, then compose's or the manifest's over it.
  const env = { ...(docker?.env ?? {}), ...c.env };
  const analysis: CodeAnalysis =
    lang.language === 'python'
      ? await analyzePython(folder, c.folder, c.name, sources, findings, env)
      : await analyzeNode(folder, c.folder, c.name, sources, findings);

  // The start command: it names the server and the entrypoint more reliably than the code does.
  const found = await commandFor(c, docker, folder);
  if (found) found.words = substituteVariables(found.words, env, found.from === 'manifest');
  let run: RunCommand | undefined;
  if (lang.language === 'python' && found) run = parsePythonCommand(found.words);
  if (lang.language === 'node') {
    // package.json scripts run in a shell with the same environment: `--port $PORT` as above.
    const script = (words: readonly string[]) => substituteVariables(words, env, false);
    run = parseNodeCommand(
      found?.words ?? (analysis.startScript ? script(splitWords(analysis.startScript)) : []),
      analysis.scripts,
      script,
    );
  }
  if (run?.alreadyInstrumented)
    findings.warn(
      'already-instrumented',
      `${c.name} already starts under OpenTelemetry (${run.words[0] ?? ''}); remove that wrapper when you use the generated instrumentation`,
      where,
    );
  if (run?.devRunner)
    findings.warn(
      'dev-server',
      `${c.name} runs under ${run.devRunner}, a development server; use the production run line in its instrumentation README`,
      where,
    );
  for (const flag of run?.unsupportedFlags ?? [])
    findings.warn(
      'flag-breaks-instrumentation',
      `${c.name}: ${flag} does not work with OpenTelemetry instrumentation (forked or reloaded workers lose it); see its instrumentation README`,
      where,
    );
  if (run?.configFile)
    findings.info(
      'gunicorn-config',
      `${c.name} has its own gunicorn config ${run.configFile}; the generated gunicorn.conf.py replaces it, so merge your settings into it`,
      where,
    );
  if (lang.language === 'python' && run?.server === undefined) {
    // A command was found but is not a server obs knows (a worker, waitress): it is run as it is.
    if (run !== undefined && run.words.length > 0)
      findings.warn(
        'server-unknown',
        `${c.name} starts with \`${withoutUrlPasswords(run.words.join(' '), '***')}\`, which obs does not know as a web server; its run line wraps that command with opentelemetry-instrument`,
        where,
      );
    else if (analysis.framework !== undefined)
      findings.warn(
        'server-unknown',
        `${c.name}: no start command found (compose, Dockerfile, Procfile); the server is not known`,
        where,
      );
  }

  let entrypoint = run?.entrypoint ?? analysis.entrypoint;
  if (lang.language === 'node') {
    // Another program (`next start`) finds its own code: it needs no main script.
    const runsNode = run === undefined || run.words.length === 0 || run.server === 'node';
    if (entrypoint === undefined && runsNode)
      findings.warn(
        'entrypoint-unknown',
        `${c.name}: no main script found (start script, main, index.js, server.js)`,
        where,
      );
    analysis.moduleType = moduleTypeOf(entrypoint, analysis.moduleType ?? 'cjs');
    if (entrypoint !== undefined && /\.(m|c)?ts$/.test(entrypoint))
      findings.warn(
        'typescript-entry',
        `${c.name} starts from TypeScript (${entrypoint}); the instrumentation needs the compiled JavaScript entrypoint`,
        where,
      );
  }
  if (entrypoint?.startsWith('./')) entrypoint = entrypoint.slice(2);

  // HTTP: a web framework or server says so; a task-queue worker serves none, even when it runs
  // a Django app's code. Another program starting a Node app (`next start`) serves it itself.
  const servesHttp =
    run?.taskWorker === undefined &&
    (analysis.webFramework ||
      (run?.server !== undefined && WEB_SERVERS.has(run.server)) ||
      (lang.language === 'node' &&
        run !== undefined &&
        run.words.length > 0 &&
        run.server !== 'node'));
  const noHttp = 'it gets no HTTP SLO alerts or HTTP dashboard panels';
  // A scheduler may rightly publish nothing for as long as its schedule's longest gap: read from
  // its code when that can be done with confidence, else the default, said as a warning.
  let maxPublishGap: string | undefined;
  if (run?.scheduler) {
    const schedule = beatScheduleGap(sources, found?.words);
    maxPublishGap =
      schedule.gapMinutes === undefined
        ? DEFAULT_MAX_PUBLISH_GAP
        : publishGapText(schedule.gapMinutes);
    findings.info(
      'serves-no-http',
      `${c.name} runs ${run.taskWorker} beat, a scheduler that publishes tasks and runs none: it serves no HTTP, its dashboards show the tasks it publishes (producer spans), and it gets no task SLO alerts but ones on failed or stopped publishing (scheduler: true; maxPublishGap: ${maxPublishGap})`,
      where,
    );
    if (schedule.gapMinutes === undefined)
      findings.warn(
        'publish-gap-default',
        `${c.name}: ${schedule.reason}; maxPublishGap is the default ${DEFAULT_MAX_PUBLISH_GAP}: set it in ${MODEL_FILE} above the longest gap between two publishes of its schedule, or ServiceTaskPublishStopped fires between them`,
        where,
      );
    else
      findings.info(
        'publish-gap-from-schedule',
        `${c.name}: ${schedule.reason}; maxPublishGap is ${maxPublishGap}`,
        where,
      );
  } else if (run?.taskWorker !== undefined)
    findings.info(
      'serves-no-http',
      `${c.name} runs a ${run.taskWorker} worker, which serves no HTTP: ${noHttp}`,
      where,
    );
  else if (!servesHttp)
    findings.warn(
      'serves-no-http',
      `${c.name}: no web framework or server found, so it is taken to serve no HTTP and ${noHttp}; set servesHttp: true in ${MODEL_FILE} if it does`,
      where,
    );

  // The port: declared ports first, then the command, the Dockerfile, the environment, the code.
  const ports = [...new Set(c.containerPorts)];
  const port =
    ports[0] ??
    run?.port ??
    docker?.exposed[0] ??
    portOf(c.env.PORT ?? docker?.env.PORT) ??
    analysis.sourcePort;
  if (ports.length > 1 && analysis.metricsPort === undefined)
    findings.info(
      'several-ports',
      `${c.name} declares ports ${ports.join(', ')}; took ${ports[0]} as its HTTP port`,
      where,
    );
  // A worker listens on no port, unless it serves its metrics.
  if (port === undefined && (servesHttp || analysis.metricsPath !== undefined))
    findings.warn(
      'port-unknown',
      `${c.name}: the port it listens on was not found; set port in ${MODEL_FILE}`,
      where,
    );

  // What it talks to: the environment and source first (they name targets), then libraries.
  const self = c.name.toLowerCase();
  const deps: DependencyModel[] = [];
  for (const d of dependenciesFromEnv(env, siblings, self)) {
    addDependency(deps, { kind: d.kind, target: d.target });
    if (d.assumed)
      findings.info(
        'dependency-assumed',
        `${c.name} names ${d.target} in ${d.variable}; assumed it calls it over ${d.kind.toUpperCase()}`,
        where,
      );
  }
  for (const s of sources)
    for (const d of siblingUrlsInSource(s.text, siblings, self)) addDependency(deps, d);
  for (const { kind, library } of analysis.libraryKinds) {
    const target = targetFor(kind, deps, siblings);
    if (target === undefined && kind === 'sqlite') {
      addDependency(deps, { kind, target: kind, library }); // embedded: there is no server to find
    } else if (target === undefined) {
      addDependency(deps, { kind, target: kind, library });
      findings.warn(
        'dependency-target-unknown',
        `${c.name} uses ${library} (${kind}) but no ${kind} service or URL was found; recorded the target as "${kind}"`,
        where,
      );
    } else addDependency(deps, { kind, target, library });
  }
  for (const dep of c.dependsOn) {
    const sib = siblings.get(dep.toLowerCase());
    if (deps.some((d) => d.target === dep.toLowerCase())) continue;
    if (sib?.role === 'app') {
      addDependency(deps, { kind: 'http', target: dep.toLowerCase() });
      findings.info(
        'dependency-assumed',
        `${c.name} depends_on ${dep}; assumed it calls it over HTTP`,
        where,
      );
    } else if (sib?.kind !== undefined) {
      addDependency(deps, { kind: sib.kind, target: dep.toLowerCase() });
    }
  }
  // HTTP client libraries: attach the library to the HTTP dependencies they serve.
  const httpLib = analysis.libraries.find((l) =>
    ['requests', 'httpx', 'aiohttp-client', 'urllib3'].includes(l),
  );
  for (const d of deps)
    if (d.kind === 'http' && d.library === undefined && httpLib) d.library = httpLib;

  return {
    name: c.name,
    composeService: c.composeService,
    path: c.folder,
    language: analysis.language,
    framework: analysis.framework,
    server: lang.language === 'node' ? 'node' : run?.server,
    entrypoint,
    command: found?.words ?? (run && run.words.length > 0 ? run.words : undefined),
    settingsModule: analysis.settingsModule,
    moduleType: analysis.moduleType,
    port,
    servesHttp,
    // Written out, from its schedule or the default, so that it can be seen and edited in obs.yaml.
    ...(run?.scheduler ? { scheduler: true, maxPublishGap } : {}),
    metricsPath: analysis.metricsPath,
    metricsPort: analysis.metricsPort,
    libraries: analysis.libraries,
    dependencies: deps.map((d) => ({ ...d, target: modelName(d.target) || d.target })),
  };
}

/**
 * Stack ports that would clash with a port a service already publishes move to the next port
 * nobody uses; each move is reported, and written to obs.yaml where the user can change it.
 */
function stackPortsAvoiding(
  project: ComposeProject | undefined,
  findings: Findings,
): Partial<Record<keyof StackPortsModel, number>> {
  if (!project) return {};
  const stack = StackPorts.parse({});
  const taken = new Set<number>(Object.values(stack));
  const published = new Map<number, { service: string; line: number | undefined }>();
  for (const s of project.services)
    for (const p of s.ports)
      for (const port of hostPorts(p)) {
        published.set(port, { service: s.name, line: p.line });
        taken.add(port);
      }
  const moved: Partial<Record<keyof StackPortsModel, number>> = {};
  for (const [key, port] of Object.entries(stack) as [keyof StackPortsModel, number][]) {
    const user = published.get(port);
    if (user === undefined) continue;
    let next = port + 1;
    while (taken.has(next)) next++;
    taken.add(next);
    moved[key] = next;
    findings.info(
      'stack-port-moved',
      `${user.service} publishes port ${port}, which the observability stack uses for ${key} by default; the stack uses ${next} instead (stack.ports.${key} in ${MODEL_FILE})`,
      { service: user.service, file: project.file, line: user.line },
    );
  }
  return moved;
}

/** Scans the repository at `root` into a validated system model plus findings. */
export async function scanRepository(root: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const output = opts.output ?? 'observability';
  if (!(await isDirectory(root))) {
    throw new ObsError('not a folder', {
      code: 'OBS_NO_REPOSITORY',
      exit: ExitCode.noInput,
      file: root,
    });
  }
  const findings = new Findings();
  const siblings = new Map<string, Sibling>();
  const sources: ScanResult['sources'] = { kubernetes: [], folders: [] };

  const composeFiles: string[] = [];
  for (const f of COMPOSE_FILES)
    if ((await readText(path.join(root, f))) !== undefined) composeFiles.push(f);
  let project: ComposeProject | undefined;
  if (composeFiles[0] !== undefined) {
    project = await readCompose(root, path.join(root, composeFiles[0]), findings);
    sources.compose = project.file;
    if (composeFiles.length > 1)
      findings.warn(
        'compose-several',
        `found ${composeFiles.join(', ')}; read ${composeFiles[0]} only`,
        { file: composeFiles[0] },
      );
  }
  const candidates = project ? candidatesFromCompose(project, siblings, findings) : [];

  const k8s = await readKubernetes(root, findings, [output, MODEL_FILE, ...composeFiles]);
  sources.kubernetes = k8s.files;
  const known = new Set(candidates.map((c) => c.name.toLowerCase()));
  for (const w of k8s.workloads) {
    if (known.has(w.name.toLowerCase())) continue;
    known.add(w.name.toLowerCase());
    const imageName = w.image?.split('/').pop()?.split(/[:@]/)[0];
    const folder = await folderFor(root, [w.name, ...(imageName ? [imageName] : [])]);
    if (folder === undefined) {
      const kind = kindOfImage(w.image);
      addSibling(siblings, w.name, 'infra', kind);
      if (kind === undefined)
        findings.warn(
          'k8s-no-code',
          `${w.kind} ${w.name} (image ${w.image ?? 'unknown'}) has no code folder in this repository; it is not instrumented`,
          { service: w.name, file: w.file, line: w.line },
        );
      continue;
    }
    addSibling(siblings, w.name, 'app');
    candidates.push({
      name: w.name,
      origin: 'kubernetes',
      file: w.file,
      line: w.line,
      folder,
      command: w.command,
      containerPorts: w.ports,
      env: w.env,
      dependsOn: [],
    });
  }
  // A Kubernetes Service name is the host name siblings use to reach its workload.
  for (const s of k8s.services) {
    const target = s.workload === undefined ? undefined : siblings.get(s.workload.toLowerCase());
    if (target && !siblings.has(s.name.toLowerCase())) siblings.set(s.name.toLowerCase(), target);
  }

  // No compose file or manifests, or none of their services with code here (a workload named
  // unlike its folder): the folders with service markers are the services.
  if (candidates.length === 0) {
    const dirs = await childFolders(root, output);
    for (const rel of dirs) {
      if (!(await hasServiceMarkers(path.join(root, rel)))) continue;
      const name = rel.split('/').pop()!;
      addSibling(siblings, name, 'app');
      candidates.push({
        name,
        origin: 'folder',
        folder: rel,
        containerPorts: [],
        env: {},
        dependsOn: [],
      });
    }
    if (candidates.length === 0 && (await hasServiceMarkers(root))) {
      const name = path.basename(path.resolve(root));
      candidates.push({
        name,
        origin: 'folder',
        folder: '.',
        containerPorts: [],
        env: {},
        dependsOn: [],
      });
    }
    sources.folders = candidates.map((c) => c.folder);
  }

  const services: SystemModelInput['services'] = [];
  const usedNames = new Set<string>();
  for (const c of candidates) {
    const name = modelName(c.name);
    if (!NAME_RE.test(name) || usedNames.has(name)) {
      throw new ObsError(
        `service name ${c.name} cannot be used as a model name (lower-case letters, digits, '-', '_') or clashes with another`,
        {
          code: 'OBS_BAD_SERVICE_NAME',
          exit: ExitCode.dataError,
          file: c.file,
          line: c.line,
        },
      );
    }
    if (name !== c.name)
      findings.info('service-renamed', `${c.name} is called ${name} in the model`, {
        service: name,
        file: c.file,
        line: c.line,
      });
    usedNames.add(name);
    // Compose snippets must name the service as the compose file does, or merging adds a new one.
    const composeService = c.origin === 'compose' && name !== c.name ? c.name : undefined;
    const svc = await scanService(root, { ...c, name, composeService }, siblings, findings);
    if (svc) services.push(svc);
  }

  if (services.length === 0) {
    const looked = [
      project ? `${project.file} has no service with Python or Node code` : 'no compose file',
      k8s.files.length > 0
        ? `Kubernetes manifests (${k8s.files.join(', ')}) name no workload with code here (a workload's code is the folder named like it or like its image)`
        : 'no Kubernetes manifests',
      'no folder with a package.json or Python project files',
    ];
    throw new ObsError(`no services found: ${looked.join('; ')}`, {
      code: 'OBS_NO_SERVICES',
      exit: project || k8s.files.length > 0 ? ExitCode.dataError : ExitCode.noInput,
      file: relativeTo(process.cwd(), root),
      suggestions: [
        'Run obs init at the root of the repository that holds your services.',
        `Or describe the services by hand in ${MODEL_FILE} (see docs/MODEL.md).`,
      ],
    });
  }
  const ports = stackPortsAvoiding(project, findings);

  const systemName = modelName(path.basename(path.resolve(root)));
  const model = SystemModel.parse({
    apiVersion: API_VERSION,
    name: NAME_RE.test(systemName) ? systemName : 'system',
    services,
    ...(Object.keys(ports).length > 0 ? { stack: { ports } } : {}),
  } satisfies SystemModelInput);
  return { model, findings: findings.list, sources };
}

/** Folders one and two levels down (`orders`, `services/orders`) that may hold a service. */
async function childFolders(root: string, output: string): Promise<string[]> {
  const files = await listFiles(root, { maxDepth: 2, maxFiles: 20000, skip: [output] });
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    if (parts.length >= 2) dirs.add(parts[0]!);
    if (parts.length >= 3) dirs.add(`${parts[0]}/${parts[1]}`);
  }
  return [...dirs].sort();
}
