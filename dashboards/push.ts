/**
 * `obs dashboards push`: puts a system's dashboards into a Grafana folder, and says for each
 * whether it was created, updated or already the same. A dry run reads what Grafana has and
 * reports what a push would change, with a diff, without writing anything.
 */
import { createTwoFilesPatch } from 'diff';
import type { ProgressFn } from '../core/progress.js';
import type { DashboardJson, GrafanaClient } from './grafana.js';
import { DashboardRefused } from './grafana.js';
import type { DashboardSet } from './source.js';

export type PushAction = 'created' | 'updated' | 'unchanged' | 'failed';

export interface DashboardOutcome {
  uid: string;
  title: string;
  /** In a dry run: what a push would do. */
  action: PushAction;
  /** Where the dashboard came from: a file, or `model`. */
  source: string;
  /** Grafana's version after the push (absent in dry runs and failures). */
  version?: number;
  url?: string;
  /** For `updated`: moved from another folder. */
  movedFrom?: string;
  /** Dry runs: unified diff of the dashboard JSON, Grafana's version -> ours. */
  diff?: string;
  /** For `failed`: why, and what to do. */
  error?: { reason: string; message: string; fix: string };
}

export interface PushResult {
  grafana: string;
  dryRun: boolean;
  folder: { uid: string; title: string; action: 'created' | 'exists' };
  dashboards: DashboardOutcome[];
  summary: Record<PushAction, number>;
  notes: string[];
}

export interface PushOptions {
  dryRun?: boolean;
  /** Replace dashboards Grafana would otherwise refuse (changed meanwhile, same title). */
  overwrite?: boolean;
  /** The version message Grafana keeps. Default `obs dashboards push`. */
  message?: string;
  onProgress?: ProgressFn;
}

/** Fields Grafana sets itself: left out when comparing. */
const VOLATILE = new Set(['id', 'version']);

/** JSON with sorted keys, for comparing and diffing. */
function canonical(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + canonical(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}';
    const inner = indent + '  ';
    const o = value as Record<string, unknown>;
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${canonical(o[k], inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function comparable(d: DashboardJson): string {
  return canonical(Object.fromEntries(Object.entries(d).filter(([k]) => !VOLATILE.has(k))));
}

export async function pushDashboards(
  client: GrafanaClient,
  set: DashboardSet,
  opts: PushOptions = {},
): Promise<PushResult> {
  const dryRun = opts.dryRun ?? false;
  const total = set.dashboards.length;
  const folderExists = (await client.getFolder(set.folder.uid)) !== undefined;
  const folderAction = folderExists
    ? 'exists'
    : dryRun
      ? 'created'
      : await client.createFolder(set.folder.uid, set.folder.title);

  const outcomes: DashboardOutcome[] = [];
  for (const [i, d] of set.dashboards.entries()) {
    opts.onProgress?.({ done: i, total, label: 'Pushing dashboards', unit: 'dashboards' });
    outcomes.push(await pushOne(client, set, d, opts, dryRun));
  }
  opts.onProgress?.({ done: total, total, label: 'Pushing dashboards', unit: 'dashboards' });

  const summary: Record<PushAction, number> = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const o of outcomes) summary[o.action]++;
  return {
    grafana: client.where,
    dryRun,
    folder: { ...set.folder, action: folderAction },
    dashboards: outcomes,
    summary,
    notes: set.notes,
  };
}

async function pushOne(
  client: GrafanaClient,
  set: DashboardSet,
  d: DashboardSet['dashboards'][number],
  opts: PushOptions,
  dryRun: boolean,
): Promise<DashboardOutcome> {
  const base = { uid: d.uid, title: d.title, source: d.source };
  const remote = await client.getDashboard(d.uid);
  const remoteFolder = remote?.meta.folderUid ?? '';
  const sameContent = remote !== undefined && comparable(remote.dashboard) === comparable(d.json);
  const moved = remote !== undefined && remoteFolder !== set.folder.uid;
  if (remote && sameContent && !moved) {
    return {
      ...base,
      action: 'unchanged',
      ...(remote.meta.version === undefined ? {} : { version: remote.meta.version }),
    };
  }
  const action: PushAction = remote ? 'updated' : 'created';
  const movedFrom = moved ? { movedFrom: remoteFolder || '(General)' } : {};
  if (dryRun) {
    const before = remote ? comparable(remote.dashboard) + '\n' : '';
    const diff = createTwoFilesPatch(
      remote ? `grafana:${d.uid}` : '/dev/null',
      `obs:${d.uid}`,
      before,
      comparable(d.json) + '\n',
      undefined,
      undefined,
      { context: 3 },
    );
    return { ...base, action, ...movedFrom, diff };
  }
  try {
    const saved = await client.saveDashboard(d.json, {
      folderUid: set.folder.uid,
      message: opts.message ?? 'obs dashboards push',
      overwrite: opts.overwrite ?? false,
      ...(remote?.dashboard.version === undefined ? {} : { version: remote.dashboard.version }),
    });
    return { ...base, action, ...movedFrom, version: saved.version, url: saved.url };
  } catch (err) {
    if (!(err instanceof DashboardRefused)) throw err;
    return {
      ...base,
      action: 'failed',
      error: { reason: err.reason, message: err.message, fix: err.fix },
    };
  }
}
