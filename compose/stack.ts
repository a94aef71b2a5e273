/**
 * The compose file of the stack: the Collector, Prometheus, Grafana, Jaeger, Elasticsearch (with
 * a one-shot job that sets Kibana's password), Logstash and Kibana. Config files are the
 * generated ones, mounted read-only; published ports bind to `stack.bindAddress`; every service
 * has resource limits; passwords come from `.env` as `${VAR:?}` references, so compose refuses to
 * start without them instead of falling back to a default.
 */
import path from 'node:path';
import { GRAFANA_MOUNTS, STACK_HOSTS, TRACE_ARCHIVE, stackPaths } from '../model/conventions.js';
import type { SystemModel } from '../model/schema.js';
import { SECRET_ENV } from './secrets.js';

/** Compose services of the stack; the names are STACK_HOSTS plus the setup job. */
export const STACK_SERVICES = [...Object.values(STACK_HOSTS), 'elasticsearch-setup'] as const;
export type StackService = (typeof STACK_SERVICES)[number];

export interface Limits {
  /** CPUs, as compose writes them, e.g. "1.5". */
  cpus: string;
  /** Memory, e.g. "512M". */
  memory: string;
}

export interface StackOptions {
  images: Record<Exclude<StackService, 'elasticsearch-setup'>, string>;
  limits: Record<StackService, Limits>;
  projectName: string;
}

/** Paths on the host side of a mount are relative to the compose file's folder. */
function fromCompose(model: SystemModel, target: string): string {
  const rel = path.posix.relative(path.posix.dirname(stackPaths(model).compose), target);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** `${VAR:?message}`: compose stops with the message when .env lacks the variable. */
const secret = (name: string) => `\${${name}:?${name} is not set: run obs init to generate .env}`;

/** Container-side `$VAR` in a command that compose must not interpolate. */
const containerVar = (name: string) => '$${' + name + '}';

export interface Mount {
  /** Host path as written in compose.yaml (relative to its folder). */
  source: string;
  /** The same path relative to the repository root, i.e. a generated file or folder. */
  generated: string;
  target: string;
}

/**
 * The trace archive folder as the compose file mounts it (read-write: the Collector writes there),
 * or undefined when stack.traceArchive is off. Not a generated folder, so not in stackMounts().
 */
export function traceArchiveVolume(model: SystemModel): string | undefined {
  if (!model.stack.traceArchive.enabled) return undefined;
  const folder = stackPaths(model).traceArchive;
  const source = path.posix.isAbsolute(folder) ? folder : fromCompose(model, folder);
  return `${source}:${TRACE_ARCHIVE.mount}`;
}

/** The generated files and folders each service mounts. */
export function stackMounts(model: SystemModel): Partial<Record<StackService, Mount[]>> {
  const p = stackPaths(model);
  const m = (generated: string, target: string): Mount => ({
    source: fromCompose(model, generated),
    generated,
    target,
  });
  return {
    'otel-collector': [m(p.collectorConfig, '/etc/otelcol-contrib/config.yaml')],
    prometheus: [m(path.posix.dirname(p.prometheusConfig), '/etc/prometheus')],
    grafana: [
      m(p.grafanaProvisioning, GRAFANA_MOUNTS.provisioning),
      m(p.grafanaDashboards, GRAFANA_MOUNTS.dashboards),
    ],
    logstash: [m(p.logstashPipeline, '/usr/share/logstash/pipeline')],
  };
}

export function composeStack(model: SystemModel, opts: StackOptions): Record<string, unknown> {
  const ports = model.stack.ports;
  const bind = model.stack.bindAddress;
  const publish = (host: number, container: number = host) => `${bind}:${host}:${container}`;
  const mounts = stackMounts(model);
  const volumesOf = (s: StackService) =>
    (mounts[s] ?? []).map((mt) => `${mt.source}:${mt.target}:ro`);
  const base = (s: StackService) => ({
    deploy: { resources: { limits: opts.limits[s] } },
  });
  const healthcheck = (test: string, startPeriod = '30s') => ({
    test: ['CMD-SHELL', test],
    interval: '10s',
    timeout: '5s',
    retries: 12,
    start_period: startPeriod,
  });
  const logsToElasticsearch = model.stack.logs.shipper === 'collector';
  const archive = traceArchiveVolume(model);
  const H = STACK_HOSTS;

  const services: Record<string, Record<string, unknown>> = {
    [H.collector]: {
      image: opts.images[H.collector],
      command: ['--config=/etc/otelcol-contrib/config.yaml'],
      volumes: [...volumesOf(H.collector), ...(archive ? [archive] : [])],
      ...(logsToElasticsearch
        ? { environment: { [SECRET_ENV.elasticPassword]: secret(SECRET_ENV.elasticPassword) } }
        : {}),
      ports: [
        publish(ports.otlpGrpc),
        publish(ports.otlpHttp),
        publish(ports.collectorHealth),
        publish(ports.collectorMetrics),
        publish(ports.collectorPrometheus),
      ],
      // The contrib image has no shell to run a health check in; its health_check extension
      // answers on the published collectorHealth port instead.
      depends_on: { [H.jaeger]: { condition: 'service_healthy' } },
      restart: 'unless-stopped',
      ...base(H.collector),
    },
    [H.jaeger]: {
      image: opts.images[H.jaeger],
      // The Collector sends traces to the OTLP gRPC port the model gives Jaeger.
      command: [`--set=receivers.otlp.protocols.grpc.endpoint=0.0.0.0:${ports.jaegerOtlpGrpc}`],
      ports: [publish(ports.jaegerUi, 16686)],
      healthcheck: healthcheck('wget -q -O /dev/null http://localhost:13133/status'),
      restart: 'unless-stopped',
      ...base(H.jaeger),
    },
    [H.prometheus]: {
      image: opts.images[H.prometheus],
      command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus'],
      volumes: [...volumesOf(H.prometheus), 'prometheus-data:/prometheus'],
      ports: [publish(ports.prometheus, 9090)],
      healthcheck: healthcheck('wget -q -O /dev/null http://localhost:9090/-/ready'),
      depends_on: { [H.collector]: { condition: 'service_started' } },
      restart: 'unless-stopped',
      ...base(H.prometheus),
    },
    [H.grafana]: {
      image: opts.images[H.grafana],
      environment: {
        GF_SECURITY_ADMIN_USER: 'admin',
        [SECRET_ENV.grafanaAdminPassword]: secret(SECRET_ENV.grafanaAdminPassword),
        GF_USERS_ALLOW_SIGN_UP: 'false',
        // Read by the provisioned Elasticsearch datasource.
        [SECRET_ENV.elasticPassword]: secret(SECRET_ENV.elasticPassword),
      },
      volumes: [...volumesOf(H.grafana), 'grafana-data:/var/lib/grafana'],
      ports: [publish(ports.grafana, 3000)],
      healthcheck: healthcheck('wget -q -O /dev/null http://localhost:3000/api/health'),
      depends_on: { [H.prometheus]: { condition: 'service_healthy' } },
      restart: 'unless-stopped',
      ...base(H.grafana),
    },
    [H.elasticsearch]: {
      image: opts.images[H.elasticsearch],
      environment: {
        'discovery.type': 'single-node',
        'xpack.security.enabled': 'true',
        'xpack.security.http.ssl.enabled': 'false',
        'xpack.license.self_generated.type': 'basic',
        [SECRET_ENV.elasticPassword]: secret(SECRET_ENV.elasticPassword),
        ES_JAVA_OPTS: '-Xms1g -Xmx1g',
      },
      volumes: ['elasticsearch-data:/usr/share/elasticsearch/data'],
      ports: [publish(ports.elasticsearch, 9200)],
      // Up and enforcing security: an anonymous request is refused for want of credentials.
      healthcheck: healthcheck(
        "curl -s http://localhost:9200 | grep -q 'missing authentication credentials'",
        '60s',
      ),
      restart: 'unless-stopped',
      ...base(H.elasticsearch),
    },
    'elasticsearch-setup': {
      image: opts.images[H.elasticsearch],
      environment: {
        [SECRET_ENV.elasticPassword]: secret(SECRET_ENV.elasticPassword),
        [SECRET_ENV.kibanaSystemPassword]: secret(SECRET_ENV.kibanaSystemPassword),
      },
      // Sets the password of the built-in kibana_system user, which Kibana connects as.
      command: [
        'bash',
        '-c',
        `until curl -s -u "elastic:${containerVar(SECRET_ENV.elasticPassword)}" ` +
          `-X POST -H 'Content-Type: application/json' ` +
          `http://${H.elasticsearch}:9200/_security/user/kibana_system/_password ` +
          `-d "{\\"password\\":\\"${containerVar(SECRET_ENV.kibanaSystemPassword)}\\"}" ` +
          `| grep -q '^{}'; do sleep 5; done`,
      ],
      depends_on: { [H.elasticsearch]: { condition: 'service_healthy' } },
      ...base('elasticsearch-setup'),
    },
    [H.kibana]: {
      image: opts.images[H.kibana],
      environment: {
        ELASTICSEARCH_HOSTS: `http://${H.elasticsearch}:9200`,
        ELASTICSEARCH_USERNAME: 'kibana_system',
        ELASTICSEARCH_PASSWORD: secret(SECRET_ENV.kibanaSystemPassword),
      },
      ports: [publish(ports.kibana, 5601)],
      healthcheck: healthcheck(
        "curl -s -I http://localhost:5601 | grep -q 'HTTP/1.1 302 Found'",
        '60s',
      ),
      depends_on: { 'elasticsearch-setup': { condition: 'service_completed_successfully' } },
      restart: 'unless-stopped',
      ...base(H.kibana),
    },
    [H.logstash]: {
      image: opts.images[H.logstash],
      environment: {
        [SECRET_ENV.elasticPassword]: secret(SECRET_ENV.elasticPassword),
        'xpack.monitoring.enabled': 'false',
        LS_JAVA_OPTS: '-Xms256m -Xmx256m',
      },
      volumes: volumesOf(H.logstash),
      ports: [publish(ports.logstashBeats), publish(ports.logstashHttp)],
      healthcheck: healthcheck('curl -fsS http://localhost:9600/ >/dev/null', '60s'),
      depends_on: { [H.elasticsearch]: { condition: 'service_healthy' } },
      restart: 'unless-stopped',
      ...base(H.logstash),
    },
  };

  return {
    name: opts.projectName,
    services,
    volumes: { 'prometheus-data': {}, 'grafana-data': {}, 'elasticsearch-data': {} },
  };
}
