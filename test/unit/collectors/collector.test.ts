import type { CollectorConfig } from '../../../collectors/collector/generator.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { componentsOf } from '../../../collectors/collector/builder.js';
import { COMPONENTS } from '../../../collectors/collector/components.js';
import type { ComponentSections } from '../../../collectors/collector/config.js';
import { collectorGenerator } from '../../../collectors/collector/generator.js';
import { STACK_ENV, TRACE_ARCHIVE, stackPaths } from '../../../model/conventions.js';
import { runGenerator } from '../../../model/generator.js';
import type { SystemModel } from '../../../model/schema.js';
import { validationError } from '../../support/generators.js';
import { fixtureModel } from '../../support/models.js';

/** The value at a path in parsed YAML, or undefined. */
function dig(value: unknown, ...keys: (string | number)[]): unknown {
  let cur = value;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

const shop = fixtureModel('shop');
const withShipper = (m: SystemModel, shipper: 'collector' | 'logstash'): SystemModel => ({
  ...m,
  stack: { ...m.stack, logs: { ...m.stack.logs, shipper } },
});

function generate(model: SystemModel) {
  const { files } = runGenerator(collectorGenerator, model);
  const p = stackPaths(model);
  const file = (path: string) => {
    const f = files.find((x) => x.path === path);
    if (!f) throw new Error(`no ${path}`);
    return f.content;
  };
  return {
    files,
    config: parse(file(p.collectorConfig)) as unknown,
    manifest: parse(file(p.collectorBuilder)) as unknown,
    text: file(p.collectorConfig),
  };
}

const problem = (model: SystemModel, config: Partial<CollectorConfig> = {}) =>
  validationError(collectorGenerator, model, config);

describe('collector config', () => {
  it('runs memory_limiter first, then resource_detection, then batch, in every pipeline', () => {
    const { config } = generate(shop);
    for (const name of ['traces', 'metrics', 'logs']) {
      const procs = dig(config, 'service', 'pipelines', name, 'processors') as string[];
      expect(procs[0]).toBe('memory_limiter');
      expect(procs[1]).toBe('resource_detection');
      expect(procs.at(-1)).toBe('batch');
    }
  });

  it('feeds traces to Jaeger and to the span_metrics connector, and metrics to Prometheus', () => {
    const { config } = generate(shop);
    const p = dig(config, 'service', 'pipelines');
    expect(dig(p, 'traces', 'exporters')).toEqual(['otlp_grpc/jaeger', 'span_metrics']);
    expect(dig(p, 'metrics', 'receivers')).toEqual(['otlp', 'span_metrics']);
    expect(dig(p, 'metrics', 'exporters')).toEqual(['prometheus']);
    expect(dig(config, 'exporters', 'otlp_grpc/jaeger', 'endpoint')).toBe(
      `jaeger:${shop.stack.ports.jaegerOtlpGrpc}`,
    );
    expect(dig(config, 'exporters', 'prometheus', 'endpoint')).toBe(
      `0.0.0.0:${shop.stack.ports.collectorPrometheus}`,
    );
  });

  it('configures span metrics in seconds with the model flush interval and SLO buckets', () => {
    const m = { ...shop, stack: { ...shop.stack, spanMetricsFlushInterval: '7s' } };
    const sm = dig(generate(m).config, 'connectors', 'span_metrics');
    expect(dig(sm, 'histogram', 'unit')).toBe('s');
    expect(dig(sm, 'metrics_flush_interval')).toBe('7s');
    expect(dig(sm, 'namespace')).toBe('traces.span.metrics');
    // order-service's own threshold (250ms) is not a default bucket.
    expect(dig(sm, 'histogram', 'explicit', 'buckets')).toContain('250ms');
    expect(dig(sm, 'histogram', 'explicit', 'buckets')).toContain('500ms');
  });

  it('serves its own telemetry on collectorMetrics and health on collectorHealth', () => {
    const { config } = generate(shop);
    const reader = dig(
      config,
      'service',
      'telemetry',
      'metrics',
      'readers',
      0,
      'pull',
      'exporter',
      'prometheus',
    );
    expect(dig(reader, 'port')).toBe(shop.stack.ports.collectorMetrics);
    expect(dig(config, 'extensions', 'health_check', 'endpoint')).toBe(
      `0.0.0.0:${shop.stack.ports.collectorHealth}`,
    );
    expect(dig(config, 'service', 'extensions')).toEqual(['health_check']);
  });

  it('ships logs to Logstash over OTLP/HTTP JSON when the shipper is logstash', () => {
    const { config, manifest } = generate(withShipper(shop, 'logstash'));
    expect(dig(config, 'service', 'pipelines', 'logs', 'exporters')).toEqual([
      'otlp_http/logstash',
    ]);
    expect(dig(config, 'exporters', 'otlp_http/logstash')).toMatchObject({
      endpoint: `http://logstash:${shop.stack.ports.logstashHttp}`,
      encoding: 'json',
    });
    expect(JSON.stringify(manifest)).not.toContain('elasticsearchexporter');
  });

  it('ships logs to Elasticsearch data streams with the password from the environment', () => {
    const { config, text } = generate(withShipper(shop, 'collector'));
    const es = dig(config, 'exporters', 'elasticsearch');
    expect(dig(es, 'password')).toBe(`\${env:${STACK_ENV.elasticPassword}}`);
    expect(dig(config, 'service', 'pipelines', 'logs', 'processors')).toContain(
      'resource/data_stream',
    );
    expect(dig(config, 'processors', 'resource/data_stream', 'attributes')).toEqual([
      { key: 'data_stream.dataset', from_attribute: 'service.name', action: 'upsert' },
      { key: 'data_stream.namespace', value: 'dev', action: 'upsert' },
    ]);
    expect(text).not.toMatch(/password:\s*[^$\s]/);
  });

  it('lets tests and native runs move endpoints to loopback', () => {
    const { files } = runGenerator(collectorGenerator, shop, {
      listenHost: '127.0.0.1',
      hosts: { jaeger: '127.0.0.1', elasticsearch: '127.0.0.1', logstash: '127.0.0.1' },
    });
    const text = files[0]!.content;
    expect(text).not.toContain('0.0.0.0');
    expect(text).not.toMatch(/endpoint: (http:\/\/)?(jaeger|logstash|elasticsearch):/);
  });
});

const withArchive = (
  m: SystemModel,
  archive: Partial<SystemModel['stack']['traceArchive']> = {},
) => ({
  ...m,
  stack: { ...m.stack, traceArchive: { ...m.stack.traceArchive, enabled: true, ...archive } },
});

describe('trace archive (stack.traceArchive)', () => {
  it('is off by default: no file exporter in the config or the manifest', () => {
    const { config, manifest } = generate(shop);
    expect(shop.stack.traceArchive.enabled).toBe(false);
    expect(dig(config, 'exporters', 'file/traces')).toBeUndefined();
    expect(JSON.stringify(manifest)).not.toContain('fileexporter');
  });

  it('writes every trace as OTLP JSON lines to the mounted folder, with rotation', () => {
    const m = withArchive(shop, { rotation: { maxMegabytes: 20, maxBackups: 3, maxDays: 0 } });
    const { config } = generate(m);
    expect(dig(config, 'service', 'pipelines', 'traces', 'exporters')).toEqual([
      'otlp_grpc/jaeger',
      'span_metrics',
      'file/traces',
    ]);
    expect(dig(config, 'exporters', 'file/traces')).toEqual({
      path: `${TRACE_ARCHIVE.mount}/${TRACE_ARCHIVE.file}`,
      format: 'json',
      create_directory: true,
      rotation: { max_megabytes: 20, max_backups: 3, max_days: 0 },
    });
    // Only traces are archived.
    for (const p of ['metrics', 'logs']) {
      expect(dig(config, 'service', 'pipelines', p, 'exporters')).not.toContain('file/traces');
    }
  });

  it('adds the contrib file exporter to the manifest at the contrib release', () => {
    const { manifest } = generate(withArchive(shop));
    expect(dig(manifest, 'exporters')).toContainEqual({
      gomod:
        'github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter v0.165.1',
    });
  });

  it('lets native runs put the archive in a folder of their own', () => {
    const { files } = runGenerator(collectorGenerator, withArchive(shop), {
      traceArchiveDir: '/tmp/run-1/traces/',
    });
    const config = parse(files[0]!.content) as unknown;
    expect(dig(config, 'exporters', 'file/traces', 'path')).toBe('/tmp/run-1/traces/traces.jsonl');
    expect(problem(withArchive(shop), { traceArchiveDir: 'traces' })).toBe(
      'collector: traceArchiveDir must be an absolute path, got "traces"',
    );
  });
});

describe('collector builder manifest', () => {
  for (const [shipper, archive] of [
    ['collector', false],
    ['logstash', false],
    ['logstash', true],
  ] as const) {
    it(`lists exactly the components the config uses (${shipper} logs${archive ? ', trace archive' : ''})`, () => {
      const m = withShipper(shop, shipper);
      const { config, manifest } = generate(archive ? withArchive(m) : m);
      const used = componentsOf(config as ComponentSections).map((c) => COMPONENTS[c].module);
      const listed = ['receivers', 'processors', 'connectors', 'exporters', 'extensions'].flatMap(
        (s) => ((dig(manifest, s) ?? []) as { gomod: string }[]).map((m) => m.gomod.split(' ')[0]),
      );
      expect(listed.sort()).toEqual(used.sort());
    });
  }

  it('keeps all modules at one release: core v0.165.0, contrib v0.165.1, stable v1.71.0', () => {
    const { manifest } = generate(shop);
    const mods = JSON.stringify(manifest).match(/"gomod":"[^"]+"/g) ?? [];
    expect(mods.length).toBeGreaterThan(8);
    for (const m of mods) {
      if (m.includes('opentelemetry-collector-contrib')) expect(m).toContain(' v0.165.1"');
      else if (m.includes('/confmap/provider/')) expect(m).toContain(' v1.71.0"');
      else expect(m).toContain(' v0.165.0"');
    }
    expect(dig(manifest, 'dist', 'resource', 'detection', 'detectors')).toEqual([
      { env: {} },
      { system: {} },
    ]);
  });

  it('carries the do-not-edit header', () => {
    for (const f of generate(shop).files) expect(f.content).toMatch(/^# Generated by `obs init`/);
  });
});

describe('collector validate()', () => {
  it('refuses a collector release whose component names it does not know', () => {
    const m = { ...shop, stack: { ...shop.stack, collectorVersion: '0.150.0' } };
    expect(problem(m, {})).toBe(
      'collector: stack.collectorVersion 0.150.0 is not supported: obs knows the component names of 0.165.0',
    );
  });

  it('refuses memory limits that cannot work', () => {
    expect(problem(shop, { memoryLimitPercentage: 120 })).toBe(
      'collector: memoryLimitPercentage must be in (0, 100], got 120',
    );
    expect(problem(shop, { memorySpikeLimitPercentage: 90 })).toBe(
      'collector: memorySpikeLimitPercentage must be above 0 and below memoryLimitPercentage (80), got 90',
    );
  });

  it('refuses host names that would break the config', () => {
    expect(problem(shop, { hosts: { jaeger: 'a b', elasticsearch: 'es', logstash: 'ls' } })).toBe(
      'collector: hosts.jaeger must be a host name or address, got "a b"',
    );
  });
});
