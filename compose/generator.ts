/**
 * Generator of the compose stack: compose.yaml, `.env` with the stack's passwords (mode 0600) and
 * a .gitignore that keeps `.env` out of version control.
 *
 * Re-runs keep passwords: `obs init` reads the current `.env` with readStackSecrets() and passes
 * the result as `secrets`; only passwords missing there are generated. Without that, a re-run would
 * write new passwords that no longer match Elasticsearch's data volume.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { generatedHeader, generatedYaml } from '../model/generator.js';
import type { Generator } from '../model/generator.js';
import { stackPaths } from '../model/conventions.js';
import type { SystemModel } from '../model/schema.js';
import type { StackSecrets } from './secrets.js';
import { completeSecrets, formatEnv, secretProblems } from './secrets.js';
import type { Limits, StackOptions, StackService } from './stack.js';
import { STACK_SERVICES, composeStack } from './stack.js';

export interface ComposeConfig {
  /**
   * Passwords already in `.env` (readStackSecrets()), kept as they are. Those missing are
   * generated. Default: none, i.e. a first run.
   */
  secrets: StackSecrets;
  /** Randomness for new passwords. Default: node:crypto randomBytes. Tests pass a fixed source. */
  random: (n: number) => Buffer;
  /**
   * Images, pinned to a version. Defaults: the Collector contrib release that goes with
   * collector 0.165, Prometheus 3.5 LTS, Grafana 12.1, Jaeger 2.13, and the Elastic stack 8.19
   * (the release line the Elasticsearch client obs uses speaks).
   */
  images: StackOptions['images'];
  /** CPU and memory limits per service. Defaults fit a developer machine (about 5 CPUs, 6.5 GB). */
  limits: Record<StackService, Limits>;
  /** Compose project name. Default: `obs-<system name>`. */
  projectName: string | undefined;
}

/** Images are pinned: a tag that is a version, never `latest` or a bare name. */
const PINNED = /^[a-z0-9./_-]+(:v?[0-9]+[A-Za-z0-9._-]*|@sha256:[a-f0-9]{64})$/;
const CPUS = /^\d+(\.\d+)?$/;
const MEMORY = /^\d+[KMG]$/;

export const composeGenerator: Generator<ComposeConfig> = {
  name: 'compose',
  description: 'Compose stack with health checks and resource limits, .env with passwords',
  defaults: {
    secrets: {},
    random: randomBytes,
    images: {
      'otel-collector': 'otel/opentelemetry-collector-contrib:0.165.1',
      prometheus: 'prom/prometheus:v3.5.0',
      grafana: 'grafana/grafana:12.1.1',
      jaeger: 'jaegertracing/jaeger:2.13.0',
      elasticsearch: 'docker.elastic.co/elasticsearch/elasticsearch:8.19.7',
      kibana: 'docker.elastic.co/kibana/kibana:8.19.7',
      logstash: 'docker.elastic.co/logstash/logstash:8.19.7',
    },
    limits: {
      'otel-collector': { cpus: '1', memory: '512M' },
      prometheus: { cpus: '1', memory: '1G' },
      grafana: { cpus: '0.5', memory: '512M' },
      jaeger: { cpus: '0.5', memory: '512M' },
      elasticsearch: { cpus: '1', memory: '2G' },
      'elasticsearch-setup': { cpus: '0.25', memory: '128M' },
      kibana: { cpus: '0.5', memory: '1G' },
      logstash: { cpus: '0.5', memory: '1G' },
    },
    projectName: undefined,
  },

  validate(model, cfg) {
    const problems = [...portClashes(model), ...secretProblems(cfg.secrets)];
    for (const [service, image] of Object.entries(cfg.images)) {
      if (!PINNED.test(image)) {
        problems.push(`images.${service} must be pinned to a version (name:1.2.3), got ${image}`);
      }
    }
    for (const service of STACK_SERVICES) {
      const l = cfg.limits[service];
      if (!l || !CPUS.test(l.cpus) || !MEMORY.test(l.memory)) {
        problems.push(
          `limits.${service} must give cpus (e.g. "0.5") and memory (e.g. "512M"), got ${JSON.stringify(l)}`,
        );
      }
    }
    if (!/^(\d{1,3}\.){3}\d{1,3}$|^\[?[0-9a-fA-F:]+\]?$/.test(model.stack.bindAddress)) {
      problems.push(`stack.bindAddress must be an IP address, got ${model.stack.bindAddress}`);
    }
    return problems;
  },

  generate(model, cfg) {
    const p = stackPaths(model);
    const stack = composeStack(model, {
      images: cfg.images,
      limits: cfg.limits,
      projectName: cfg.projectName ?? `obs-${model.name}`,
    });
    const secrets = completeSecrets(cfg.secrets, cfg.random);
    const header = generatedHeader('obs init');
    return {
      files: [
        { path: p.compose, content: generatedYaml(stack) },
        { path: p.env, content: formatEnv(secrets, header), mode: 0o600 },
        { path: p.gitignore, content: gitignore(model, header) },
      ],
    };
  },
};

/**
 * What stays out of version control in the output folder: the passwords, and the trace archive
 * when it is inside the folder (elsewhere, it is the user's to ignore).
 */
function gitignore(model: SystemModel, header: string): string {
  const lines = [`${header}# Passwords of the stack.`, '.env'];
  const p = stackPaths(model);
  const inside = path.posix.isAbsolute(p.traceArchive)
    ? undefined
    : path.posix.relative(p.root, p.traceArchive);
  if (model.stack.traceArchive.enabled && inside && !inside.startsWith('..')) {
    lines.push('# Traces the Collector archives (stack.traceArchive).', `/${inside}/`);
  }
  return `${lines.join('\n')}\n`;
}

/** Ports of `stack.ports` that share a value: two parts of the stack cannot listen on one port. */
export function portClashes(model: SystemModel): string[] {
  const byPort = new Map<number, string[]>();
  for (const [name, port] of Object.entries(model.stack.ports)) {
    byPort.set(port, [...(byPort.get(port) ?? []), name]);
  }
  return [...byPort.entries()]
    .filter(([, names]) => names.length > 1)
    .map(([port, names]) => `stack.ports ${names.join(' and ')} are all ${port}`);
}
