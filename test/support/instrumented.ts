/**
 * Running services the way a generated instrumentation README says, and reading what they sent:
 * the JSON lines on their stdout and their traces in Jaeger's query API.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { start, httpGet, waitFor } from './processes.js';
import type { Running } from './processes.js';
import { shellBlock } from './repos.js';

export interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  tags: { key: string; value: unknown }[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

/**
 * The run block of a service's generated README: the lines that set its environment up, and the
 * start command's words (the last line; its words are plain, without shell quoting).
 */
export async function readmeRun(
  repo: string,
  service: string,
): Promise<{ setup: string[]; command: string[] }> {
  const readme = await readFile(
    path.join(repo, 'observability/instrumentation', service, 'README.md'),
    'utf8',
  );
  const lines = shellBlock(readme, '2. Start it instrumented').split('\n');
  const last = lines.at(-1)!;
  if (/['"\\$`]/.test(last)) throw new Error(`${service}: cannot split the README line ${last}`);
  return { setup: lines.slice(0, -1), command: last.split(/\s+/) };
}

/** Starts a service with the run block of its README, from the service's folder. */
export async function startFromReadme(
  repo: string,
  service: string,
  env: Record<string, string>,
): Promise<Running> {
  const run = await readmeRun(repo, service);
  // The server replaces the shell: stop() reaches it.
  const lines = [...run.setup, `exec ${run.command.join(' ')}`];
  return start(service, 'sh', ['-c', lines.join('\n')], {
    cwd: path.join(repo, service),
    env: { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BLRP_SCHEDULE_DELAY: '200', ...env },
  });
}

/** Edits obs.yaml as a user would: `edit` gets the document and the index of each service. */
export async function editModel(
  repo: string,
  edit: (doc: ReturnType<typeof parseDocument>, index: (service: string) => number) => void,
): Promise<void> {
  const file = path.join(repo, 'obs.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  const services = (doc.toJS() as { services: { name: string }[] }).services;
  edit(doc, (n) => services.findIndex((s) => s.name === n));
  await writeFile(file, doc.toString());
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Waits until Jaeger has the trace with spans from every service in `services`. */
export function traceWith(queryUrl: string, traceId: string, services: string[]) {
  return waitFor(
    `trace ${traceId} with spans of ${services.join(', ')} in Jaeger`,
    async () => {
      const got = await httpGet(`${queryUrl}/api/traces/${traceId}`);
      const t =
        got === undefined ? undefined : (JSON.parse(got) as { data: JaegerTrace[] }).data[0];
      const names = new Set(Object.values(t?.processes ?? {}).map((p) => p.serviceName));
      return services.every((s) => names.has(s)) ? t : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

export const tagOf = (s: JaegerSpan, key: string) => s.tags.find((t) => t.key === key)?.value;
export const serviceOf = (t: JaegerTrace, s: JaegerSpan) => t.processes[s.processID]!.serviceName;
export const serverSpan = (t: JaegerTrace, service: string) =>
  t.spans.find((s) => serviceOf(t, s) === service && tagOf(s, 'span.kind') === 'server');
