// `npm run example`, the README's first command, needs no server: its pieces are in the repository
// (the model obs init reads, the recorded sample traces), and the analysis of the samples names
// the service whose fault they were recorded with (examples/shop/telemetry/README.md).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { TraceReport } from '../../../analyze/report/shape.js';
import { parseModel } from '../../../model/load.js';
import { runObs } from '../../support/run-obs.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const script = /bash (scripts\/\S+\.sh)/.exec(pkg.scripts.example ?? '')?.[1];
const steps = script ? readFileSync(script, 'utf8') : '';
const samples = {
  incident: 'examples/shop/telemetry/incident.otlp.jsonl.gz',
  baseline: 'examples/shop/telemetry/baseline.otlp.jsonl.gz',
};

describe('npm run example', () => {
  it('runs obs init on the example shop and analyzes the bundled samples', () => {
    expect(script).toBeDefined();
    expect(steps).toMatch(/bin\/run\.js init examples\/shop\n/);
    expect(steps).toMatch(/bin\/run\.js analyze traces "\$samples\/incident\.otlp\.jsonl\.gz" --baseline "\$samples\/baseline\.otlp\.jsonl\.gz"/);
    expect(steps).toContain('samples=examples/shop/telemetry\n');
  });

  it('has the model obs init reads', () => {
    const file = 'examples/shop/obs.yaml';
    expect(parseModel(readFileSync(file, 'utf8'), file).services.length).toBe(5);
  });

  it('has small gzipped OTLP JSON lines samples with traces of every service', () => {
    for (const file of Object.values(samples)) {
      expect(existsSync(file), file).toBe(true);
      expect(statSync(file).size, file).toBeLessThan(3 * 1024 * 1024);
      const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
      const services = new Set<string>();
      for (const line of lines) {
        const req = JSON.parse(line) as {
          resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[];
        };
        for (const r of req.resourceSpans) {
          const name = r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
          if (name) services.add(name);
          // Recorded without the machine's id.
          expect(r.resource.attributes.map((a) => a.key)).not.toContain('host.id');
        }
      }
      expect([...services].sort(), file).toEqual(['cart', 'catalog', 'gateway', 'orders', 'payments']);
    }
  });

  // Starts Node and oclif and reads 30k spans: allow for a loaded machine (5 s was seen to fail).
  it('names the service the samples were recorded with a fault in', { timeout: 60_000 }, async () => {
    const readme = readFileSync('examples/shop/telemetry/README.md', 'utf8');
    const faulty = /\| `(\w+)`: `error_rate`/.exec(readme)?.[1];
    expect(faulty).toBe('payments');
    const out = await runObs(['analyze', 'traces', samples.incident, '--baseline', samples.baseline, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as TraceReport;
    expect(report.rootCauses[0]?.service).toBe(faulty);
  });
});
