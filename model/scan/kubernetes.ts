/**
 * Reading Kubernetes manifests: workloads (Deployment, StatefulSet, DaemonSet) with their first
 * container's image, command, ports and literal environment, and Services with the workload their
 * selector picks. Multi-document files are read whole; Helm templates are reported, not parsed.
 */
import path from 'node:path';
import { isRecord } from '../../core/json.js';
import { parseYamlAll } from '../yaml.js';
import type { Findings } from './findings.js';
import { listFiles, readText } from './files.js';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export interface K8sWorkload {
  name: string;
  kind: string;
  file: string;
  line?: number;
  image?: string;
  command?: string[];
  ports: number[];
  /** Literal `env` values (valueFrom entries are skipped). May hold secrets: never print them. */
  env: Record<string, string>;
  labels: Record<string, string>;
}

export interface K8sService {
  name: string;
  file: string;
  line?: number;
  selector: Record<string, string>;
  /** The workload the selector picks, if exactly one does. */
  workload?: string;
}

export interface K8sManifests {
  files: string[];
  workloads: K8sWorkload[];
  services: K8sService[];
}

type Plain = Record<string, unknown>;
const plain = (v: unknown): Plain => (isRecord(v) ? v : {});
const strings = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(plain(v)).map(([k, x]) => [k, String(x)]));

function workloadOf(obj: Plain, file: string, line: number | undefined, findings: Findings) {
  const meta = plain(obj.metadata);
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  if (name === undefined) return undefined;
  const template = plain(plain(obj.spec).template);
  const podSpec = plain(template.spec);
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers.filter(isRecord) : [];
  if (containers.length > 1) {
    findings.info(
      'k8s-sidecars',
      `${name} has ${containers.length} containers; the first one is taken as the service`,
      { file, line },
    );
  }
  const c = containers[0] ?? {};
  const env: Record<string, string> = {};
  for (const e of Array.isArray(c.env) ? c.env.filter(isRecord) : []) {
    if (typeof e.name === 'string' && ['string', 'number', 'boolean'].includes(typeof e.value))
      env[e.name] = String(e.value);
  }
  const cmd = [
    ...(Array.isArray(c.command) ? c.command.map(String) : []),
    ...(Array.isArray(c.args) ? c.args.map(String) : []),
  ];
  const ports = (Array.isArray(c.ports) ? c.ports.filter(isRecord) : [])
    .map((p) => Number(p.containerPort))
    .filter((n) => Number.isInteger(n));
  return {
    name,
    kind: String(obj.kind),
    file,
    line,
    image: typeof c.image === 'string' ? c.image : undefined,
    command: cmd.length > 0 ? cmd : undefined,
    ports,
    env,
    labels: strings(plain(template.metadata).labels),
  } satisfies K8sWorkload;
}

/** Finds and reads manifests under `root` (bounded depth), skipping the paths in `skip`. */
export async function readKubernetes(
  root: string,
  findings: Findings,
  skip: readonly string[],
): Promise<K8sManifests> {
  const candidates = (await listFiles(root, { maxDepth: 4, maxFiles: 5000, skip })).filter(
    (f) => /\.ya?ml$/.test(f) && !skip.includes(f),
  );
  const result: K8sManifests = { files: [], workloads: [], services: [] };
  for (const rel of candidates) {
    const text = await readText(path.join(root, rel));
    if (text === undefined || !/^kind:\s*\S/m.test(text) || !/^apiVersion:\s*\S/m.test(text))
      continue;
    if (text.includes('{{')) {
      findings.warn('k8s-template', 'looks like a Helm/Go template; render it to scan it', {
        file: rel,
      });
      continue;
    }
    const docs = parseYamlAll(text, rel, ' in Kubernetes manifest');
    let used = false;
    for (const { doc, lineOf } of docs) {
      const obj = doc.toJS() as unknown;
      if (!isRecord(obj)) continue;
      const line = lineOf(doc.contents);
      if (typeof obj.kind === 'string' && WORKLOAD_KINDS.has(obj.kind)) {
        const w = workloadOf(obj, rel, line, findings);
        if (w) {
          result.workloads.push(w);
          used = true;
        }
      } else if (obj.kind === 'Service') {
        const name = plain(obj.metadata).name;
        if (typeof name === 'string') {
          result.services.push({
            name,
            file: rel,
            line,
            selector: strings(plain(obj.spec).selector),
          });
          used = true;
        }
      }
    }
    if (used) result.files.push(rel);
  }
  for (const s of result.services) {
    const picked = result.workloads.filter(
      (w) =>
        Object.keys(s.selector).length > 0 &&
        Object.entries(s.selector).every(([k, v]) => w.labels[k] === v),
    );
    if (picked.length === 1) s.workload = picked[0]!.name;
  }
  return result;
}
