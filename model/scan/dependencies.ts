/**
 * What a service talks to, from three kinds of evidence: client libraries in its dependency list,
 * URLs and host names in its environment naming sibling services, and the images of the services
 * it depends on. The tables here are the one place that knows which library means which system.
 */
import type { DependencyModel } from '../schema.js';
import { serviceHost } from '../conventions.js';

type Kind = DependencyModel['kind'];

export interface LibraryInfo {
  /** Name of the library in the model's `libraries`, which the generators map to packages. */
  library: string;
  kind?: Kind;
}

/** Python distributions (PEP 503 normalized names) obs knows. */
export const PYTHON_LIBRARIES: Readonly<Record<string, LibraryInfo>> = {
  flask: { library: 'flask' },
  fastapi: { library: 'fastapi' },
  django: { library: 'django' },
  starlette: { library: 'starlette' },
  aiohttp: { library: 'aiohttp-client', kind: 'http' },
  requests: { library: 'requests', kind: 'http' },
  httpx: { library: 'httpx', kind: 'http' },
  urllib3: { library: 'urllib3', kind: 'http' },
  grpcio: { library: 'grpc', kind: 'grpc' },
  psycopg: { library: 'psycopg', kind: 'postgresql' },
  'psycopg-binary': { library: 'psycopg', kind: 'postgresql' },
  psycopg2: { library: 'psycopg2', kind: 'postgresql' },
  'psycopg2-binary': { library: 'psycopg2', kind: 'postgresql' },
  asyncpg: { library: 'asyncpg', kind: 'postgresql' },
  pymongo: { library: 'pymongo', kind: 'mongodb' },
  motor: { library: 'pymongo', kind: 'mongodb' },
  redis: { library: 'redis', kind: 'redis' },
  'kafka-python': { library: 'kafka-python', kind: 'kafka' },
  'kafka-python-ng': { library: 'kafka-python', kind: 'kafka' },
  'confluent-kafka': { library: 'confluent-kafka', kind: 'kafka' },
  aiokafka: { library: 'aiokafka', kind: 'kafka' },
  pika: { library: 'pika', kind: 'rabbitmq' },
  'aio-pika': { library: 'aio-pika', kind: 'rabbitmq' },
  sqlalchemy: { library: 'sqlalchemy' },
  mysqlclient: { library: 'mysqlclient', kind: 'mysql' },
  pymysql: { library: 'pymysql', kind: 'mysql' },
  'mysql-connector-python': { library: 'mysql', kind: 'mysql' },
  elasticsearch: { library: 'elasticsearch', kind: 'elasticsearch' },
  celery: { library: 'celery' },
};

/** npm packages obs knows; auto-instrumentations-node covers those with a `library`. */
export const NODE_LIBRARIES: Readonly<Record<string, LibraryInfo>> = {
  express: { library: 'express' },
  fastify: { library: 'fastify' },
  koa: { library: 'koa' },
  '@hapi/hapi': { library: 'hapi' },
  pg: { library: 'pg', kind: 'postgresql' },
  mongodb: { library: 'mongodb', kind: 'mongodb' },
  mongoose: { library: 'mongoose', kind: 'mongodb' },
  redis: { library: 'redis', kind: 'redis' },
  ioredis: { library: 'ioredis', kind: 'redis' },
  kafkajs: { library: 'kafkajs', kind: 'kafka' },
  amqplib: { library: 'amqplib', kind: 'rabbitmq' },
  '@grpc/grpc-js': { library: 'grpc-js', kind: 'grpc' },
  mysql: { library: 'mysql', kind: 'mysql' },
  mysql2: { library: 'mysql2', kind: 'mysql' },
  '@elastic/elasticsearch': { library: 'elasticsearch', kind: 'elasticsearch' },
  axios: { library: 'http', kind: 'http' },
  'node-fetch': { library: 'http', kind: 'http' },
  got: { library: 'http', kind: 'http' },
  undici: { library: 'undici', kind: 'http' },
  sqlite3: { library: 'sqlite3', kind: 'sqlite' },
  'better-sqlite3': { library: 'better-sqlite3', kind: 'sqlite' },
  pino: { library: 'pino' },
  winston: { library: 'winston' },
  bunyan: { library: 'bunyan' },
  'prom-client': { library: 'prom-client' },
};

/** The model libraries and the systems they talk to, for a list of package names. */
export function librariesOf(
  packages: readonly string[],
  table: Readonly<Record<string, LibraryInfo>>,
): { libraries: Set<string>; kinds: { kind: Kind; library: string }[] } {
  const libraries = new Set<string>();
  const kinds: { kind: Kind; library: string }[] = [];
  for (const p of packages) {
    const info = table[p];
    if (!info) continue;
    libraries.add(info.library);
    if (info.kind && info.kind !== 'http') kinds.push({ kind: info.kind, library: info.library });
  }
  return { libraries, kinds };
}

/** Images of infrastructure services (`postgres:16`, `bitnami/redis`) and what they are. */
const IMAGE_KINDS: readonly [RegExp, Kind][] = [
  [/(^|\/)(postgres|postgis|timescaledb)(:|$)/, 'postgresql'],
  [/(^|\/)(mongo|mongodb)(:|$)/, 'mongodb'],
  [/(^|\/)(redis|valkey|redis-stack|keydb)(:|$)/, 'redis'],
  [/(^|\/)(kafka|cp-kafka|redpanda)(:|$)/, 'kafka'],
  [/(^|\/)rabbitmq(:|$)/, 'rabbitmq'],
  [/(^|\/)(mysql|mariadb)(:|$)/, 'mysql'],
  [/(^|\/)(elasticsearch|opensearch)(:|$)/, 'elasticsearch'],
];

export function kindOfImage(image: string | undefined): Kind | undefined {
  if (image === undefined) return undefined;
  const repo = image.toLowerCase().split('@')[0]!;
  return IMAGE_KINDS.find(([re]) => re.test(repo))?.[1];
}

const SCHEME_KINDS: Readonly<Record<string, Kind>> = {
  http: 'http',
  https: 'http',
  postgres: 'postgresql',
  postgresql: 'postgresql',
  'postgresql+psycopg': 'postgresql',
  'postgresql+psycopg2': 'postgresql',
  'postgresql+asyncpg': 'postgresql',
  mongodb: 'mongodb',
  'mongodb+srv': 'mongodb',
  redis: 'redis',
  rediss: 'redis',
  amqp: 'rabbitmq',
  amqps: 'rabbitmq',
  kafka: 'kafka',
  mysql: 'mysql',
  'mysql+pymysql': 'mysql',
  grpc: 'grpc',
  sqlite: 'sqlite',
};

/** Environment variable names whose value is a host (or host:port list) rather than a URL. */
const HOST_VAR =
  /(HOST|HOSTNAME|ADDR|ADDRESS|BROKERS?|BOOTSTRAP_SERVERS|SERVERS?|ENDPOINT|URL|URI|TARGET)$/i;
const KIND_HINTS: readonly [RegExp, Kind][] = [
  [/KAFKA|BROKER|BOOTSTRAP/i, 'kafka'],
  [/REDIS|CACHE/i, 'redis'],
  [/MONGO/i, 'mongodb'],
  [/RABBIT|AMQP/i, 'rabbitmq'],
  [/POSTGRES|PG_|PGHOST/i, 'postgresql'],
  [/MYSQL|MARIADB/i, 'mysql'],
  [/ELASTIC|ES_HOST/i, 'elasticsearch'],
  [/GRPC/i, 'grpc'],
];

/** What the scanner knows about the other services of the system. */
export interface Sibling {
  /** The service's name in the model (a Kubernetes Service name maps to its workload's). */
  name: string;
  /** `app`: a service with code obs instruments; otherwise the infrastructure kind, if known. */
  role: 'app' | 'infra';
  kind?: Kind;
}

export interface EnvDependency {
  kind: Kind;
  target: string;
  /** The variable it came from; its value is never reported (it may hold credentials). */
  variable: string;
  /** The kind was assumed (no scheme, no image, no hint). */
  assumed: boolean;
}

function hostsIn(value: string): { scheme?: string; host: string }[] {
  const out: { scheme?: string; host: string }[] = [];
  const urlRe = /([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?([^/\s?#]+)/gi;
  let m: RegExpExecArray | null;
  let sawUrl = false;
  while ((m = urlRe.exec(value)) !== null) {
    sawUrl = true;
    // mongodb://a:27017,b:27017/db lists several hosts in one authority.
    for (const hp of m[2]!.split(',')) out.push({ scheme: m[1]!.toLowerCase(), host: hp });
  }
  if (!sawUrl) for (const hp of value.split(/[,\s]+/)) if (hp) out.push({ host: hp });
  return out.map(({ scheme, host }) => ({
    scheme,
    host: serviceHost(
      host
        .replace(/^\[|\](:\d+)?$/g, '')
        .replace(/:\d+$/, '')
        .toLowerCase(),
    ),
  }));
}

/** Dependencies on sibling services (and external hosts named in URLs) found in an environment. */
export function dependenciesFromEnv(
  env: Readonly<Record<string, string>>,
  siblings: ReadonlyMap<string, Sibling>,
  self: string,
): EnvDependency[] {
  const out: EnvDependency[] = [];
  for (const [variable, value] of Object.entries(env)) {
    for (const { scheme, host } of hostsIn(value)) {
      const sibling = siblings.get(host);
      if (host === '' || host === 'localhost' || host === '127.0.0.1') continue;
      if (host === self || sibling?.name === self) continue;
      if (scheme === undefined && (sibling === undefined || !HOST_VAR.test(variable))) continue;
      const fromScheme = scheme === undefined ? undefined : SCHEME_KINDS[scheme];
      if (scheme !== undefined && fromScheme === undefined && sibling === undefined) continue;
      const hint = KIND_HINTS.find(([re]) => re.test(variable))?.[1];
      const kind =
        fromScheme ?? sibling?.kind ?? hint ?? (sibling?.role === 'app' ? 'http' : undefined);
      if (kind === undefined) continue;
      // A URL to something that is not a sibling is an external system: keep it only for
      // non-HTTP kinds (a database host); external HTTP APIs are not part of the system.
      if (sibling === undefined && kind === 'http') continue;
      const assumed = fromScheme === undefined && sibling?.kind === undefined && hint === undefined;
      out.push({ kind, target: sibling?.name ?? host, variable, assumed });
    }
  }
  return out;
}

/** `http://orders:8080/...` string literals in source code that name a sibling service. */
export function siblingUrlsInSource(
  source: string,
  siblings: ReadonlyMap<string, Sibling>,
  self: string,
): { kind: Kind; target: string }[] {
  const out: { kind: Kind; target: string }[] = [];
  const re =
    /\b(https?|grpc):\/\/([a-z0-9][a-z0-9_-]*(?:\.[a-z0-9-]+\.svc(?:\.cluster\.local)?)?)(?=[:/'"`])/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source)) !== null) {
    const host = serviceHost(m[2]!.toLowerCase());
    if (host === self || siblings.get(host)?.role !== 'app' || siblings.get(host)?.name === self)
      continue;
    out.push({
      kind: m[1]!.toLowerCase() === 'grpc' ? 'grpc' : 'http',
      target: siblings.get(host)!.name,
    });
  }
  return out;
}

/** Adds a dependency unless one of the same kind and target is there; fills in the library. */
export function addDependency(list: DependencyModel[], dep: DependencyModel): void {
  const same = list.find((d) => d.kind === dep.kind && d.target === dep.target);
  if (same) {
    if (same.library === undefined && dep.library !== undefined) same.library = dep.library;
    return;
  }
  list.push(dep);
}
