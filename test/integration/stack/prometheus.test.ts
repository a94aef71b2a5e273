/**
 * The generated Prometheus config, rules and rule tests pass the real promtool: `check config`
 * (which also loads the rule files it names), `check rules`, and `test rules`, whose tests make
 * each alert fire on a synthetic failure and stay silent on healthy traffic.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prometheusGenerator } from '../../../compose/prometheus/generator.js';
import { writeGenerated } from '../../../core/writer.js';
import { stackPaths } from '../../../model/conventions.js';
import { runGenerator } from '../../../model/generator.js';
import type { SystemModel } from '../../../model/schema.js';
import { fixtureModel } from '../../support/models.js';
import { tools } from '../../support/tools.js';
import { run } from './helpers.js';

const shop = fixtureModel('shop');
const scenarios: [string, SystemModel, Record<string, string>][] = [
  ['the shop fixture', shop, {}],
  [
    // An integer threshold in seconds is stored as le="1" by Prometheus 2; runbooks linked.
    'a 1s latency threshold and runbook links',
    { ...shop, slo: { ...shop.slo, latencyThresholdMs: 1000, availability: 0.99 } },
    { runbookBaseUrl: 'https://runbooks.example/obs' },
  ],
  [
    // Workers: task error budget burns on consumer spans; one also keeps its /metrics alert.
    'workers that serve no HTTP, one scraped at its compose service',
    {
      ...shop,
      services: shop.services.map((s) =>
        s.name === 'gateway'
          ? s
          : {
              ...s,
              servesHttp: false,
              ...(s.metricsPath ? { composeService: 'Orders.Worker' } : {}),
            },
      ),
    },
    {},
  ],
  [
    // Schedulers (celery beat): alerts on failed and stopped publishing (producer spans); one
    // keeps /metrics and has a nightly schedule's gap.
    'schedulers that publish tasks, one serving /metrics with a 25h publish gap',
    {
      ...shop,
      services: shop.services.map((s) =>
        s.name === 'gateway'
          ? s
          : {
              ...s,
              servesHttp: false,
              scheduler: true,
              ...(s.metricsPath ? { maxPublishGap: '25h' } : {}),
            },
      ),
    },
    {},
  ],
];

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function generated(model: SystemModel, config: Record<string, string>) {
  const root = await mkdtemp(path.join(tmpdir(), 'obs-prom-'));
  roots.push(root);
  const { files } = runGenerator(prometheusGenerator, model, config);
  await writeGenerated(root, files, { command: 'obs init' });
  return path.join(root, path.dirname(stackPaths(model).prometheusConfig));
}

describe.each(scenarios)('promtool on %s', (_name, model, config) => {
  it('check config, check rules and test rules pass', async () => {
    const promtool = tools.promtool();
    const dir = await generated(model, config);
    const rules = (await readdir(path.join(dir, 'rules'))).map((f) => `rules/${f}`);
    const tests = (await readdir(path.join(dir, 'tests'))).map((f) => `tests/${f}`);
    expect(rules).toHaveLength(model.services.length + 1);
    expect(tests).toHaveLength(rules.length);

    const cfg = await run(promtool, ['check', 'config', 'prometheus.yml'], dir);
    expect(cfg.code, cfg.stdout + cfg.stderr).toBe(0);
    expect(cfg.stdout).toContain(`SUCCESS: ${rules.length} rule files found`);

    const chk = await run(promtool, ['check', 'rules', ...rules], dir);
    expect(chk.code, chk.stdout + chk.stderr).toBe(0);

    const tst = await run(promtool, ['test', 'rules', ...tests], dir);
    expect(tst.code, tst.stdout + tst.stderr).toBe(0);
    expect(tst.stdout.match(/SUCCESS/g)).toHaveLength(tests.length);
  });
});

describe('promtool test rules', () => {
  it('fails when an alert threshold no longer matches its SLO (the tests can fail)', async () => {
    const dir = await generated(shop, {});
    const { readFile, writeFile } = await import('node:fs/promises');
    const file = path.join(dir, 'rules', 'service-gateway.yml');
    // Page only above 90% errors: the fast-burn test (which sends ~54%) must now fail.
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('> 0.072', '> 0.9'));
    const tst = await run(
      tools.promtool(),
      ['test', 'rules', 'tests/service-gateway.test.yml'],
      dir,
    );
    expect(tst.code).not.toBe(0);
    expect(tst.stdout + tst.stderr).toContain('a fast error budget burn pages');
  });
});
