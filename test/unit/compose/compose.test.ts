import type { ComposeConfig } from '../../../compose/generator.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeGenerator } from '../../../compose/generator.js';
import { SECRET_ENV, parseEnv, readStackSecrets } from '../../../compose/secrets.js';
import { STACK_SERVICES, stackMounts } from '../../../compose/stack.js';
import { collectorGenerator } from '../../../collectors/collector/generator.js';
import { prometheusGenerator } from '../../../compose/prometheus/generator.js';
import { TRACE_ARCHIVE, stackPaths } from '../../../model/conventions.js';
import { runGenerator } from '../../../model/generator.js';
import type { SystemModel } from '../../../model/schema.js';
import { validationError } from '../../support/generators.js';
import { fixtureModel } from '../../support/models.js';

const shop = fixtureModel('shop');
/** A fixed source of randomness, so that tests know the passwords they look for. */
const counting = () => {
  let n = 0;
  return (size: number) => Buffer.alloc(size, ++n);
};

interface ComposeService {
  image: string;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  deploy: { resources: { limits: { cpus: string; memory: string } } };
  environment?: Record<string, string>;
}

function generate(model: SystemModel = shop, config: Partial<ComposeConfig> = {}) {
  const { files } = runGenerator(composeGenerator, model, {
    random: counting(),
    ...config,
  });
  const p = stackPaths(model);
  const get = (path: string) => {
    const f = files.find((x) => x.path === path);
    if (!f) throw new Error(`no ${path}`);
    return f;
  };
  const compose = parse(get(p.compose).content) as {
    name: string;
    services: Record<string, ComposeService>;
  };
  return { files, compose, env: get(p.env), gitignore: get(p.gitignore) };
}

const problem = (model: SystemModel, config: Partial<ComposeConfig> = {}) =>
  validationError(composeGenerator, model, config);

describe('compose.yaml', () => {
  const { compose } = generate();

  it('runs the whole stack, each service with resource limits and a pinned image', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...STACK_SERVICES].sort());
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.deploy.resources.limits, name).toMatchObject({
        cpus: expect.stringMatching(/^\d/) as unknown,
        memory: expect.stringMatching(/^\d+[KMG]$/) as unknown,
      });
      expect(s.image, name).toMatch(/:v?\d/);
    }
  });

  it('publishes every port on 127.0.0.1 by default, and on stack.bindAddress when set', () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(10);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    const lan = generate({ ...shop, stack: { ...shop.stack, bindAddress: '10.1.2.3' } }).compose;
    for (const p of Object.values(lan.services).flatMap((s) => s.ports ?? [])) {
      expect(p).toMatch(/^10\.1\.2\.3:/);
    }
  });

  it('health-checks every long-running service whose image has a shell', () => {
    const without = Object.entries(compose.services)
      .filter(([, s]) => s.healthcheck === undefined)
      .map(([n]) => n);
    // The contrib image has no shell; the setup job runs once.
    expect(without.sort()).toEqual(['elasticsearch-setup', 'otel-collector']);
  });

  it('mounts the generated configs read-only, relative to the compose file', () => {
    expect(compose.services['otel-collector']?.volumes).toEqual([
      './collector/config.yaml:/etc/otelcol-contrib/config.yaml:ro',
    ]);
    expect(compose.services.prometheus?.volumes).toContain('./prometheus:/etc/prometheus:ro');
    expect(compose.services.grafana?.volumes).toContain(
      './grafana/provisioning:/etc/grafana/provisioning:ro',
    );
    expect(compose.services.logstash?.volumes).toEqual([
      './logstash/pipeline:/usr/share/logstash/pipeline:ro',
    ]);
  });

  it('takes passwords from .env and refuses to start without them', () => {
    expect(compose.services.elasticsearch?.environment?.[SECRET_ENV.elasticPassword]).toBe(
      '${ELASTIC_PASSWORD:?ELASTIC_PASSWORD is not set: run obs init to generate .env}',
    );
  });
});

describe('the trace archive folder (stack.traceArchive)', () => {
  const archived = (path?: string): SystemModel => ({
    ...shop,
    stack: {
      ...shop.stack,
      traceArchive: { ...shop.stack.traceArchive, enabled: true, ...(path ? { path } : {}) },
    },
  });

  it('is mounted read-write where the Collector config writes, and kept out of git', () => {
    const { compose, gitignore } = generate(archived());
    expect(compose.services['otel-collector']?.volumes).toEqual([
      './collector/config.yaml:/etc/otelcol-contrib/config.yaml:ro',
      `./traces:${TRACE_ARCHIVE.mount}`,
    ]);
    expect(gitignore.content.split('\n')).toContain('/traces/');
  });

  it('may live elsewhere: relative to the repository root, or absolute', () => {
    const relative = generate(archived('data/traces'));
    expect(relative.compose.services['otel-collector']?.volumes).toContain(
      `../data/traces:${TRACE_ARCHIVE.mount}`,
    );
    // Outside the output folder, the folder is the user's to keep out of git.
    expect(relative.gitignore.content).not.toContain('traces');
    const absolute = generate(archived('/srv/traces'));
    expect(absolute.compose.services['otel-collector']?.volumes).toContain(
      `/srv/traces:${TRACE_ARCHIVE.mount}`,
    );
  });

  it('is not mounted when the archive is off', () => {
    const { compose, gitignore } = generate();
    expect(JSON.stringify(compose)).not.toContain(TRACE_ARCHIVE.mount);
    expect(gitignore.content).not.toContain('traces');
  });
});

describe('.env and .gitignore', () => {
  it('writes generated passwords to .env with mode 0600, listed in .gitignore', () => {
    const { env, gitignore } = generate();
    expect(env.mode).toBe(0o600);
    const vars = parseEnv(env.content);
    expect(Object.keys(vars).sort()).toEqual(Object.values(SECRET_ENV).sort());
    for (const v of Object.values(vars)) expect(v).toMatch(/^[0-9a-f]{48}$/);
    expect(new Set(Object.values(vars)).size).toBe(3);
    expect(gitignore.content.split('\n')).toContain('.env');
  });

  it('keeps passwords it is given and generates only the missing ones', () => {
    const kept = 'kept0password0from0the0last0run';
    const { env } = generate(shop, { secrets: { [SECRET_ENV.elasticPassword]: kept } });
    const vars = parseEnv(env.content);
    expect(vars[SECRET_ENV.elasticPassword]).toBe(kept);
    expect(vars[SECRET_ENV.grafanaAdminPassword]).toMatch(/^[0-9a-f]{48}$/);
  });

  it('puts no password in any file but .env, across all stack generators', () => {
    const { env, files } = generate();
    const all = [
      ...files,
      ...runGenerator(collectorGenerator, {
        ...shop,
        stack: { ...shop.stack, logs: { ...shop.stack.logs, shipper: 'collector' } },
      }).files,
      ...runGenerator(prometheusGenerator, shop).files,
    ];
    const passwords = Object.values(parseEnv(env.content));
    for (const f of all.filter((x) => x !== env)) {
      for (const p of passwords) expect(f.content, f.path).not.toContain(p);
      expect(f.mode ?? 0o644, f.path).toBe(0o644);
    }
  });
});

describe('readStackSecrets()', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const write = async (text: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'obs-env-'));
    dirs.push(dir);
    const file = path.join(dir, '.env');
    await writeFile(file, text);
    return file;
  };

  it('reads what a previous run wrote, so a re-run writes the same .env', async () => {
    const first = generate().env;
    const secrets = await readStackSecrets(await write(first.content));
    expect(generate(shop, { secrets }).env.content).toBe(first.content);
  });

  it('finds nothing when there is no .env yet', async () => {
    expect(await readStackSecrets(path.join(tmpdir(), 'obs-no-such-dir', '.env'))).toEqual({});
  });

  it('names the line of a malformed .env', async () => {
    const file = await write('# ok\nELASTIC_PASSWORD=abc\nthis is not a variable\n');
    await expect(readStackSecrets(file)).rejects.toMatchObject({
      code: 'OBS_BAD_ENV_FILE',
      line: 3,
      file,
    });
  });
});

describe('stackMounts()', () => {
  it('mounts only folders from stackPaths()', () => {
    const p = stackPaths(shop);
    const generated = Object.values(stackMounts(shop)).flatMap((ms) => ms.map((m) => m.generated));
    expect(generated.sort()).toEqual(
      [
        p.collectorConfig,
        'observability/prometheus',
        p.grafanaProvisioning,
        p.grafanaDashboards,
        p.logstashPipeline,
      ].sort(),
    );
  });
});

describe('compose validate()', () => {
  it('refuses two stack parts on one port', () => {
    const ports = { ...shop.stack.ports, grafana: shop.stack.ports.prometheus };
    expect(problem({ ...shop, stack: { ...shop.stack, ports } })).toBe(
      'compose: stack.ports prometheus and grafana are all 9090',
    );
  });

  it('refuses an unsafe password without echoing it', () => {
    const msg = problem(shop, { secrets: { [SECRET_ENV.elasticPassword]: 'pa$$ word' } });
    expect(msg).toBe(
      "compose: secrets: ELASTIC_PASSWORD must be 16 to 128 characters of A-Z, a-z, 0-9, '_' or '-', starting with a letter or digit",
    );
    expect(msg).not.toContain('pa$$');
  });

  it('refuses an image that is not pinned', () => {
    const images = { ...composeGenerator.defaults.images, grafana: 'grafana/grafana:latest' };
    expect(problem(shop, { images })).toBe(
      'compose: images.grafana must be pinned to a version (name:1.2.3), got grafana/grafana:latest',
    );
  });
});
