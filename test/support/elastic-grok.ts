/**
 * Elasticsearch's own grok library (and java.time for date processor formats), served by
 * test/support/elastic-grok/GrokCheck.java in one JVM per test file. No maintained grok
 * implementation on npm installs on Node 20 without a native build or a GitHub-only dependency
 * (node-grok and grok-js need the native `oniguruma` addon), so the integration tier runs the code
 * the ingest grok processor runs; scripts/setup.d/elastic-grok.sh installs the jars from Maven.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TOOLS_DIR } from './tools.js';

const SOURCE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'elastic-grok',
  'GrokCheck.java',
);

export interface GrokSpec {
  patterns: readonly string[];
  definitions?: Record<string, string>;
  /** ecs_compatibility of the processor. Default v1. */
  ecs?: string;
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

interface Answer {
  captures?: Captures;
  value?: string;
  error?: string;
}

export class ElasticGrok {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((a: Answer) => void)[] = [];
  private readonly specs = new Map<string, string>();
  private stderr = '';

  constructor() {
    this.child = spawn('java', ['-cp', classpath(), SOURCE], { stdio: 'pipe' });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.waiting.shift()?.(JSON.parse(line) as Answer);
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0))
        w({ error: `GrokCheck exited (${code}): ${this.stderr}` });
    });
  }

  private ask(line: string): Promise<Answer> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(line + '\n');
    });
  }

  private specId(spec: GrokSpec): string {
    const key = JSON.stringify([spec.ecs ?? 'v1', spec.patterns, spec.definitions ?? {}]);
    let id = this.specs.get(key);
    if (id === undefined) {
      id = `s${this.specs.size}`;
      this.specs.set(key, id);
      this.child.stdin.write(
        `SPEC ${id} ${b64(spec.ecs ?? 'v1')} ${spec.patterns.map(b64).join(' ')}\n`,
      );
      for (const [k, v] of Object.entries(spec.definitions ?? {})) {
        this.child.stdin.write(`DEF ${id} ${b64(k)} ${b64(v)}\n`);
      }
    }
    return id;
  }

  /** The captures of one grok processor for `input`; null when no pattern matches. */
  async grok(spec: GrokSpec, input: string): Promise<Captures> {
    const a = await this.ask(`GROK ${this.specId(spec)} ${b64(input)}`);
    if (a.error !== undefined) throw new Error(`grok: ${a.error}`);
    return a.captures ?? null;
  }

  /** A date processor format applied to `input`: the output value, or an Error with the reason. */
  async date(format: string, zone: string, input: string): Promise<string | Error> {
    const a = await this.ask(`DATE ${b64(format)} ${b64(zone)} ${b64(input)}`);
    return a.value ?? new Error(a.error ?? 'no answer');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await exited;
  }
}
