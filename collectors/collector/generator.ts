/**
 * Generator of the Collector config and the builder manifest of the distribution that runs it.
 * One generator for both files, because the manifest is derived from the config: it lists
 * exactly the components the config uses.
 */
import type { GeneratedFile } from '../../core/writer.js';
import { STACK_HOSTS, TRACE_ARCHIVE, stackPaths } from '../../model/conventions.js';
import type { Generator } from '../../model/generator.js';
import { generatedYaml } from '../../model/generator.js';
import { builderManifest, componentsOf } from './builder.js';
import { RELEASES } from './components.js';
import type { CollectorConfig } from './config.js';
import { collectorConfig } from './config.js';

export type { CollectorConfig } from './config.js';

/** Name of the distribution the manifest builds, and of its binary. */
export const DISTRIBUTION_NAME = 'otelcol-obs';

export const collectorGenerator: Generator<CollectorConfig> = {
  name: 'collector',
  description: 'OpenTelemetry Collector config and the builder manifest of its distribution',
  defaults: {
    listenHost: '0.0.0.0',
    hosts: {
      jaeger: STACK_HOSTS.jaeger,
      elasticsearch: STACK_HOSTS.elasticsearch,
      logstash: STACK_HOSTS.logstash,
    },
    memoryLimitPercentage: 80,
    memorySpikeLimitPercentage: 25,
    elasticsearchUser: 'elastic',
    traceArchiveDir: TRACE_ARCHIVE.mount,
  },

  validate(model, cfg) {
    const problems: string[] = [];
    const version = model.stack.collectorVersion;
    if (RELEASES[version] === undefined) {
      problems.push(
        `stack.collectorVersion ${version} is not supported: obs knows the component names of ` +
          `${Object.keys(RELEASES).join(', ')}`,
      );
    }
    const { memoryLimitPercentage: limit, memorySpikeLimitPercentage: spike } = cfg;
    if (!(limit > 0 && limit <= 100)) {
      problems.push(`memoryLimitPercentage must be in (0, 100], got ${limit}`);
    }
    if (!(spike > 0 && spike < limit)) {
      problems.push(
        `memorySpikeLimitPercentage must be above 0 and below memoryLimitPercentage (${limit}), got ${spike}`,
      );
    }
    for (const [what, host] of [['listenHost', cfg.listenHost], ...Object.entries(cfg.hosts)]) {
      if (!/^[A-Za-z0-9.:[\]_-]+$/.test(host ?? '')) {
        problems.push(
          `${what === 'listenHost' ? what : `hosts.${what}`} must be a host name or address, got ${JSON.stringify(host)}`,
        );
      }
    }
    if (model.stack.traceArchive.enabled && !cfg.traceArchiveDir.startsWith('/')) {
      problems.push(
        `traceArchiveDir must be an absolute path, got ${JSON.stringify(cfg.traceArchiveDir)}`,
      );
    }
    return problems;
  },

  generate(model, cfg) {
    const release = RELEASES[model.stack.collectorVersion];
    if (!release) throw new Error('collector: generate() called without validate()');
    const paths = stackPaths(model);
    const config = collectorConfig(model, cfg);
    const manifest = builderManifest(componentsOf(config), {
      name: DISTRIBUTION_NAME,
      description: `OpenTelemetry Collector for ${model.name}, with the components its obs config uses`,
      version: model.stack.collectorVersion,
      release,
    });
    const files: GeneratedFile[] = [
      { path: paths.collectorConfig, content: generatedYaml(config) },
      { path: paths.collectorBuilder, content: generatedYaml(manifest) },
    ];
    return { files };
  },
};
