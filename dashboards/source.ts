/**
 * The dashboards `obs dashboards push|export` work on: the files `obs init` wrote (so that edits
 * made to them are what gets pushed), or, with `fromModel` or where a file is missing, dashboards
 * built from the model afresh.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, ObsError, errnoCode, messageOf } from '../core/errors.js';
import { stackPaths } from '../model/conventions.js';
import { loadModel } from '../model/load.js';
import type { SystemModel } from '../model/schema.js';
import type { BuiltDashboard, DashboardOptions } from './build.js';
import { buildDashboards } from './build.js';
import type { DashboardJson } from './grafana.js';
import { MAX_UID, folderUid } from './identity.js';

export interface SourcedDashboard {
  uid: string;
  title: string;
  json: DashboardJson;
  /** The file it was read from, or `model` when built from obs.yaml now. */
  source: string;
}

export interface DashboardSet {
  model: SystemModel;
  folder: { uid: string; title: string };
  dashboards: SourcedDashboard[];
  notes: string[];
}

async function readDashboardFile(file: string): Promise<DashboardJson | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new ObsError(`cannot read: ${messageOf(err)}`, {
      code: 'OBS_READ_FAILED',
      exit: ExitCode.noInput,
      file,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Node's message carries the offset for most syntax errors ("... at position 10").
    const m = /position (\d+)/.exec(messageOf(err));
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new ObsError(`not valid JSON: ${messageOf(err)}`, {
      code: 'OBS_BAD_DASHBOARD',
      exit: ExitCode.dataError,
      file,
      ...(line === undefined ? {} : { line }),
      suggestions: [
        'Fix the file, or delete it to push the dashboard obs generates from obs.yaml.',
      ],
    });
  }
  const d = json as DashboardJson;
  if (
    typeof json !== 'object' ||
    json === null ||
    Array.isArray(json) ||
    typeof d.uid !== 'string' ||
    typeof d.title !== 'string'
  ) {
    throw new ObsError(
      'not a Grafana dashboard: it needs a JSON object with a string uid and title',
      {
        code: 'OBS_BAD_DASHBOARD',
        exit: ExitCode.dataError,
        file,
      },
    );
  }
  if (d.uid.length === 0 || d.uid.length > MAX_UID) {
    throw new ObsError(`uid must be 1 to ${MAX_UID} characters, got ${JSON.stringify(d.uid)}`, {
      code: 'OBS_BAD_DASHBOARD',
      exit: ExitCode.dataError,
      file,
    });
  }
  return d;
}

/** Loads obs.yaml and the dashboards to push or export; see the module comment. */
export async function loadDashboardSet(
  modelFile: string,
  opts: { fromModel?: boolean; options?: DashboardOptions } = {},
): Promise<DashboardSet> {
  const model = await loadModel(modelFile);
  const built = buildDashboards(model, opts.options);
  const dir = path.join(path.dirname(modelFile), stackPaths(model).grafanaDashboards);
  const dashboards: SourcedDashboard[] = [];
  for (const b of built.dashboards) dashboards.push(await pick(b, dir, opts.fromModel ?? false));
  return {
    model,
    folder: { uid: folderUid(model), title: model.stack.grafanaFolder },
    dashboards,
    notes: built.notes,
  };
}

async function pick(b: BuiltDashboard, dir: string, fromModel: boolean): Promise<SourcedDashboard> {
  const file = path.join(dir, b.file);
  const onDisk = fromModel ? undefined : await readDashboardFile(file);
  if (onDisk) return { uid: onDisk.uid!, title: onDisk.title!, json: onDisk, source: file };
  return { uid: b.uid, title: b.title, json: b.json, source: 'model' };
}
