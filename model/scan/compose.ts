/**
 * Reading a compose file: services with their build context, image, command, published ports,
 * depends_on and environment, each with the line it is declared on. Malformed YAML, a malformed
 * service and two services publishing the same host port are errors naming file and line.
 */
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Pair } from 'yaml';
import { ExitCode, ObsError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { parseYaml } from '../yaml.js';
import { splitWords } from './command.js';
import type { Findings } from './findings.js';
import { readText, relativeTo } from './files.js';

/** Compose file names in the order `docker compose` looks for them. */
export const COMPOSE_FILES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
] as const;

export interface ComposePort {
  /** Host address the port is published on; undefined means all addresses. */
  hostIp?: string;
  /** Host port; undefined when Docker picks one. */
  published?: number;
  /** The last host port of a range (`8000-8010:8000-8010`); undefined for one port. */
  publishedEnd?: number;
  /** Container port. */
  target: number;
  protocol: string;
  line?: number;
}

export interface ComposeService {
  name: string;
  line?: number;
  /** Build context relative to the repository root. */
  context?: string;
  /** Dockerfile relative to the repository root. */
  dockerfile?: string;
  image?: string;
  command?: string[];
  entrypoint?: string[];
  ports: ComposePort[];
  expose: number[];
  dependsOn: string[];
  /** environment and env_file, interpolated. Values may be secrets: never print them. */
  environment: Record<string, string>;
  /** `profiles:`; a service without any always starts. */
  profiles: string[];
}

export interface ComposeProject {
  /** Relative to the repository root. */
  file: string;
  services: ComposeService[];
}

type Plain = Record<string, unknown>;

/** KEY=VALUE lines (a `.env` or env_file); `#` comments, optional quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) continue;
    let v = m[2]!.trim();
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]!] = v;
  }
  return out;
}

/** Compose interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`, `$$`. */
export function interpolate(
  value: string,
  vars: Readonly<Record<string, string>>,
  unresolved: Set<string>,
): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare) => {
      if (whole === '$$') return '$';
      const name = braced ?? (bare as string);
      const v = vars[name];
      const empty = v === undefined || (op?.startsWith(':') === true && v === '');
      if (op?.endsWith('-')) return empty ? (arg ?? '') : v;
      if (op?.endsWith('+')) return empty ? '' : (arg ?? '');
      if (v === undefined) unresolved.add(name);
      return v ?? '';
    },
  );
}

/** Parses the short (`[ip:][published:]target[/proto]`) and long port syntax. */
export function parsePort(raw: unknown, line?: number): ComposePort | undefined {
  if (typeof raw === 'number') return { target: raw, protocol: 'tcp', line };
  if (isRecord(raw)) {
    const target = Number(raw.target);
    if (!Number.isInteger(target)) return undefined;
    return {
      target,
      ...hostRange(
        typeof raw.published === 'number' || typeof raw.published === 'string'
          ? String(raw.published)
          : undefined,
      ),
      hostIp: typeof raw.host_ip === 'string' ? raw.host_ip : undefined,
      protocol: typeof raw.protocol === 'string' ? raw.protocol : 'tcp',
      line,
    };
  }
  if (typeof raw !== 'string') return undefined;
  const [spec, protocol = 'tcp'] = raw.split('/');
  // An IPv6 host address comes in brackets; the last two colon-separated parts are the ports.
  const m = /^(?:(\[[^\]]+\]|[^:]*):)??(?:([\d-]*):)?([\d-]+)$/.exec(spec!.trim());
  if (!m) return undefined;
  const first = (s: string | undefined) =>
    s === undefined || s === '' ? undefined : Number(s.split('-')[0]);
  const target = first(m[3]);
  if (target === undefined || !Number.isInteger(target)) return undefined;
  const hostIp = m[1]?.replace(/^\[|\]$/g, '') || undefined;
  return { hostIp, ...hostRange(m[2]), target, protocol, line };
}

/** The host port, or the first and last of a range (`8000-8010`), as Compose publishes them. */
function hostRange(spec: string | undefined): Pick<ComposePort, 'published' | 'publishedEnd'> {
  const m = spec === undefined ? null : /^\s*(\d+)(?:-(\d+))?\s*$/.exec(spec);
  if (m === null) return { published: undefined };
  const published = Number(m[1]);
  const end = m[2] === undefined ? undefined : Number(m[2]);
  return end !== undefined && end > published && end <= 65535
    ? { published, publishedEnd: end }
    : { published };
}

/** The last host port a port publishes: the end of its range, or the port itself. */
const lastPort = (p: ComposePort): number | undefined => p.publishedEnd ?? p.published;

/** The host ports a port publishes: one, or each of a range. */
export function hostPorts(p: ComposePort): number[] {
  const out: number[] = [];
  if (p.published !== undefined)
    for (let port = p.published; port <= lastPort(p)!; port++) out.push(port);
  return out;
}

const ANY_ADDRESS = new Set([undefined, '', '0.0.0.0', '::']);

/** Two published ports clash when port and protocol match and the host addresses overlap. */
function clashes(a: ComposePort, b: ComposePort): boolean {
  if (a.published === undefined || b.published === undefined || a.protocol !== b.protocol)
    return false;
  // Ranges overlap (one port is a range of one).
  if (a.published > lastPort(b)! || b.published > lastPort(a)!) return false;
  return ANY_ADDRESS.has(a.hostIp) || ANY_ADDRESS.has(b.hostIp) || a.hostIp === b.hostIp;
}

/**
 * Two services run together unless both belong to profiles and share none: `api` under `prod`
 * and `api-dev` under `dev` may publish the same port, as compose never starts them at once.
 */
function runTogether(a: ComposeService, b: ComposeService): boolean {
  if (a === b || a.profiles.length === 0 || b.profiles.length === 0) return true;
  return a.profiles.some((p) => b.profiles.includes(p));
}

/** Throws on the first host port published twice (by two services, or twice by one). */
export function checkPortClashes(project: ComposeProject): void {
  const seen: { service: ComposeService; port: ComposePort }[] = [];
  for (const s of project.services) {
    for (const port of s.ports) {
      const other = seen.find((x) => runTogether(x.service, s) && clashes(x.port, port));
      if (other) {
        const who =
          other.service === s ? `twice by ${s.name}` : `by ${other.service.name} and ${s.name}`;
        throw new ObsError(
          `host port ${Math.max(port.published!, other.port.published!)}/${port.protocol} is published ${who}: the second one cannot start`,
          {
            code: 'OBS_PORT_CLASH',
            exit: ExitCode.dataError,
            file: project.file,
            line: port.line,
            suggestions: [
              `Change the published port of ${s.name} (line ${port.line ?? '?'}) or of ${other.service.name} (line ${other.port.line ?? '?'}).`,
            ],
          },
        );
      }
      seen.push({ service: s, port });
    }
  }
}

function words(v: unknown): string[] | undefined {
  if (typeof v === 'string') return splitWords(v);
  if (Array.isArray(v)) return v.map(String);
  return undefined;
}

function envOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item);
      const eq = s.indexOf('=');
      if (eq > 0) out[s.slice(0, eq)] = s.slice(eq + 1);
    }
  } else if (isRecord(v)) {
    for (const [k, val] of Object.entries(v)) {
      if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean')
        out[k] = String(val);
    }
  }
  return out;
}

/** env_file entries; the long form may say `required: false` (a missing file is fine then). */
function envFiles(v: unknown): { path: string; required: boolean }[] {
  if (typeof v === 'string') return [{ path: v, required: true }];
  if (!Array.isArray(v)) return [];
  return v.flatMap((x) =>
    typeof x === 'string'
      ? [{ path: x, required: true }]
      : isRecord(x) && typeof x.path === 'string'
        ? [{ path: x.path, required: x.required !== false && x.required !== 'false' }]
        : [],
  );
}

/** Interpolates every string in a plain YAML value. */
function interpolateDeep(
  v: unknown,
  vars: Record<string, string>,
  unresolved: Set<string>,
): unknown {
  if (typeof v === 'string') return interpolate(v, vars, unresolved);
  if (Array.isArray(v)) return v.map((x) => interpolateDeep(x, vars, unresolved));
  if (isRecord(v))
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, interpolateDeep(x, vars, unresolved)]),
    );
  return v;
}

/** Paths in a service that are relative to its compose file's folder, made absolute. */
function withAbsolutePaths(raw: Plain, dir: string): Plain {
  const out = { ...raw };
  const build = raw.build;
  if (typeof build === 'string') out.build = path.resolve(dir, build);
  else if (isRecord(build))
    out.build = {
      ...build,
      context: path.resolve(dir, typeof build.context === 'string' ? build.context : '.'),
    };
  const files = envFiles(raw.env_file);
  if (files.length > 0)
    out.env_file = files.map((f) => ({ path: path.resolve(dir, f.path), required: f.required }));
  return out;
}

/**
 * A service with what it `extends:` merged in, as compose does: the service's own keys win,
 * `environment` merges by variable, `ports` and `expose` add up. The base may sit in this file or
 * in another (`file:`), whose relative paths are then made absolute. Bases of bases are followed.
 */
async function withExtends(
  raw: Plain,
  services: Plain,
  dir: string,
  vars: Record<string, string>,
  unresolved: Set<string>,
  fail: (message: string) => never,
  depth = 0,
): Promise<Plain> {
  const ext = raw.extends;
  if (ext === undefined) return raw;
  const spec = typeof ext === 'string' ? { service: ext } : isRecord(ext) ? ext : {};
  const service = spec.service;
  if (typeof service !== 'string') return fail('extends: needs a service name');
  if (depth >= 10) fail(`extends: of ${service} goes more than 10 services deep`);
  const file = typeof spec.file === 'string' ? spec.file : undefined;
  let baseServices = services;
  let baseDir = dir;
  if (file !== undefined) {
    const abs = path.resolve(dir, file);
    const text = await readText(abs);
    if (text === undefined) return fail(`extends: file ${file} does not exist`);
    const { doc } = parseYaml(text, file, ' in compose file');
    const all = interpolateDeep(doc.toJSON(), vars, unresolved);
    baseServices = isRecord(all) && isRecord(all.services) ? all.services : {};
    baseDir = path.dirname(abs);
  }
  const base = baseServices[service];
  if (!isRecord(base)) return fail(`extends: service ${service} is not in ${file ?? 'this file'}`);
  const resolved = withAbsolutePaths(
    await withExtends(base, baseServices, baseDir, vars, unresolved, fail, depth + 1),
    baseDir,
  );
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const merged: Plain = { ...resolved, ...raw };
  delete merged.extends;
  merged.environment = { ...envOf(resolved.environment), ...envOf(raw.environment) };
  if (raw.ports !== undefined || resolved.ports !== undefined)
    merged.ports = [...list(resolved.ports), ...list(raw.ports)];
  if (raw.expose !== undefined || resolved.expose !== undefined)
    merged.expose = [...list(resolved.expose), ...list(raw.expose)];
  if (isRecord(resolved.build) && isRecord(raw.build))
    merged.build = { ...resolved.build, ...raw.build };
  return merged;
}

/** Reads and checks a compose file; `file` is absolute, messages name it relative to `root`. */
export async function readCompose(
  root: string,
  file: string,
  findings: Findings,
): Promise<ComposeProject> {
  const rel = relativeTo(root, file);
  const text = (await readText(file)) ?? '';
  const { doc, lineOf } = parseYaml(text, rel, ' in compose file');
  const dir = path.dirname(file);
  const dotenv = parseEnvFile((await readText(path.join(dir, '.env'))) ?? '');
  const unresolved = new Set<string>();
  const fail = (message: string, node: unknown): never => {
    throw new ObsError(message, {
      code: 'OBS_BAD_COMPOSE',
      exit: ExitCode.dataError,
      file: rel,
      line: lineOf(node),
    });
  };

  if (!isMap(doc.contents))
    fail('a compose file must be a mapping with a services: key', doc.contents);
  const servicesNode = doc.get('services', true);
  if (servicesNode === undefined) fail('no services: key', doc.contents);
  if (!isMap(servicesNode)) fail('services: must be a mapping of service names', servicesNode);
  if (doc.has('include'))
    findings.warn(
      'compose-unsupported',
      'include: is not followed; services it brings in are not scanned',
      { file: rel, line: lineOf(doc.get('include', true)) },
    );
  const allServices = interpolateDeep(
    (servicesNode as { toJSON(): unknown }).toJSON(),
    dotenv,
    unresolved,
  ) as Plain;

  const services: ComposeService[] = [];
  for (const pair of (servicesNode as { items: Pair[] }).items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const name = String(pair.key.value);
    const line = lineOf(pair.key);
    if (pair.value === null || !isMap(pair.value))
      fail(`service ${name} must be a mapping`, pair.key);
    const raw = await withExtends(
      interpolateDeep((pair.value as { toJSON(): unknown }).toJSON(), dotenv, unresolved) as Plain,
      allServices,
      dir,
      dotenv,
      unresolved,
      (message) => fail(`service ${name}: ${message}`, pair.key),
    );
    const valueNode = pair.value as { get(k: string, keep: true): unknown };
    const svc: ComposeService = {
      name,
      line,
      ports: [],
      expose: [],
      dependsOn: [],
      environment: {},
      profiles: Array.isArray(raw.profiles) ? raw.profiles.map(String) : [],
      image: typeof raw.image === 'string' ? raw.image : undefined,
      command: words(raw.command),
      entrypoint: words(raw.entrypoint),
    };

    const build = raw.build;
    if (typeof build === 'string' || isRecord(build)) {
      const context = typeof build === 'string' ? build : (build.context ?? '.');
      if (typeof context !== 'string')
        fail(`service ${name}: build.context must be a path`, valueNode.get('build', true));
      if (/^[a-z]+:\/\//.test(context as string) || (context as string).startsWith('git@')) {
        findings.warn(
          'compose-remote-build',
          `${name} builds from a remote context; its code is not scanned`,
          { service: name, file: rel, line },
        );
      } else {
        const abs = path.resolve(dir, context as string);
        svc.context = relativeTo(root, abs);
        const df =
          isRecord(build) && typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile';
        svc.dockerfile = relativeTo(root, path.resolve(abs, df));
      }
    }

    const portsNode = valueNode.get('ports', true);
    if (raw.ports !== undefined) {
      if (!Array.isArray(raw.ports) || (portsNode !== undefined && !isSeq(portsNode)))
        fail(`service ${name}: ports must be a list`, portsNode);
      // Ports from an extended service come first and have no node in this file.
      const items = (portsNode as { items?: unknown[] } | undefined)?.items ?? [];
      const inherited = (raw.ports as unknown[]).length - items.length;
      (raw.ports as unknown[]).forEach((p, i) => {
        const node = i >= inherited ? items[i - inherited] : pair.key;
        const port = parsePort(p, lineOf(node));
        if (port === undefined)
          fail(`service ${name}: cannot read port ${JSON.stringify(p)}`, node);
        else svc.ports.push(port);
      });
    }
    if (Array.isArray(raw.expose)) {
      for (const e of raw.expose) {
        const n = Number(String(e).split('/')[0]);
        if (Number.isInteger(n)) svc.expose.push(n);
      }
    }
    if (Array.isArray(raw.depends_on)) svc.dependsOn = raw.depends_on.map(String);
    else if (isRecord(raw.depends_on)) svc.dependsOn = Object.keys(raw.depends_on);

    for (const ef of envFiles(raw.env_file)) {
      const envText = await readText(path.resolve(dir, ef.path));
      if (envText === undefined && !ef.required) continue;
      if (envText === undefined) {
        findings.warn(
          'env-file-missing',
          `${name}: env_file ${ef.path} does not exist; its variables are not scanned`,
          { service: name, file: rel, line },
        );
      } else Object.assign(svc.environment, parseEnvFile(envText));
    }
    Object.assign(svc.environment, envOf(raw.environment));
    services.push(svc);
  }

  if (unresolved.size > 0) {
    findings.info(
      'compose-unset-variables',
      `variables not set in .env and without a default were read as empty: ${[...unresolved].sort().join(', ')}`,
      { file: rel },
    );
  }
  const project = { file: rel, services };
  checkPortClashes(project);
  return project;
}
