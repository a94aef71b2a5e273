/**
 * Elasticsearch's own grok library, run through test/support/elastic-grok/GrokCheck.java, which
 * combines the patterns as the ingest grok processor does. No maintained grok implementation on
 * npm runs on Node 20 without native builds or GitHub-only dependencies (node-grok, grok-js need the
 * native `oniguruma` addon), so the integration tier runs the real thing: the jars are installed
 * by scripts/setup.d/elastic-grok.sh from Maven Central.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS_DIR } from './tools.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = path.join(HERE, 'elastic-grok', 'GrokCheck.java');

export interface GrokSpec {
  patterns: readonly string[];
  definitions?: Record<string, string>;
  /** ecs_compatibility of the processor. Default v1. */
  ecs?: 'v1' | 'disabled';
}

export type Captures = Record<string, unknown> | null;

function classpath(): string {
  const dir = path.join(TOOLS_DIR, 'elastic-grok');
  if (!existsSync(path.join(dir, '.complete'))) {
    throw new Error(
      `Elasticsearch grok library not found in ${dir}: run ./scripts/setup.sh --test-tools first`,
    );
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => path.join(dir, f))
    .join(path.delimiter);
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Matches every input with one grok processor configuration; `null` where nothing matched. */
export function elasticGrok(spec: GrokSpec, inputs: readonly string[]): Promise<Captures[]> {
  const lines = [`E ${b64(spec.ecs ?? 'v1')}`];
  for (const [k, v] of Object.entries(spec.definitions ?? {})) lines.push(`D ${b64(k)} ${b64(v)}`);
  for (const p of spec.patterns) lines.push(`P ${b64(p)}`);
  for (const i of inputs) lines.push(`I ${b64(i)}`);
  return new Promise((resolve, reject) => {
    const child = execFile(
      'java',
      ['-cp', classpath(), SOURCE],
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`GrokCheck failed: ${err.message}\n${stderr}`));
        const out = stdout
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as { captures?: Captures; error?: string });
        const bad = out.find((o) => o.error !== undefined);
        if (bad) return reject(new Error(`grok patterns do not compile: ${bad.error}`));
        if (out.length !== inputs.length) {
          return reject(new Error(`GrokCheck answered ${out.length} of ${inputs.length} inputs`));
        }
        resolve(out.map((o) => o.captures ?? null));
      },
    );
    child.stdin?.end(lines.join('\n') + '\n');
  });
}
