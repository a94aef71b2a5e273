/**
 * The `obs init` pipeline: scan or load the model, validate it, run the generators of
 * `initSteps()` in order, and hand every file to the writer in one staged write (all or nothing).
 * Returns what was found, what was written and what to do next; `cli/` renders it.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, ObsError } from '../core/errors.js';
import type { ProgressFn } from '../core/progress.js';
import { writeGenerated } from '../core/writer.js';
import type { GeneratedFile, WriteMode, WriteResult } from '../core/writer.js';
import { MODEL_FILE } from '../model/load.js';
import type { RescanReport } from '../model/merge.js';
import type { Finding } from '../model/scan/index.js';
import type { SystemModel } from '../model/schema.js';
import { COMMAND } from '../collectors/instrumentation/common.js';
import { resolveModel } from './model-source.js';
import type { ModelSource } from './model-source.js';
import { readStackSecrets } from '../compose/secrets.js';
import { TRACE_ARCHIVE, stackPaths } from '../model/conventions.js';
import { initSteps } from './steps.js';
import type { InitStep } from './steps.js';

export interface InitOptions {
  /** The repository root. */
  dir: string;
  /** Default `default`: keep user-edited files, write proposals beside them. */
  mode?: WriteMode;
  /** Merge a fresh scan into an existing obs.yaml instead of reading it as it is. Default false. */
  rescan?: boolean;
  /** The generators to run; default `initSteps()`. */
  steps?: InitStep[];
  onProgress?: ProgressFn;
}

export interface ServiceSummary {
  name: string;
  language: string;
  framework?: string;
  server?: string;
  port?: number;
  /** `kind:target`, e.g. `postgresql:db`. */
  dependencies: string[];
}

export interface InitResult {
  root: string;
  model: {
    file: string;
    /** scanned: first run; loaded: read obs.yaml as it is; rescanned: scan merged into it. */
    source: ModelSource;
    name: string;
    services: ServiceSummary[];
  };
  /** What the scan could not decide or assumed (empty when obs.yaml was read as it is). */
  findings: Finding[];
  rescan?: RescanReport;
  generators: { name: string; files: number; notes: string[] }[];
  write: Pick<WriteResult, 'dryRun' | 'files' | 'stale' | 'manifest'>;
  /** What to do next, in order. */
  next: string[];
}

function summarize(model: SystemModel): ServiceSummary[] {
  return model.services.map((s) => ({
    name: s.name,
    language: s.language,
    ...(s.framework ? { framework: s.framework } : {}),
    ...(s.server ? { server: s.server } : {}),
    ...(s.port ? { port: s.port } : {}),
    dependencies: s.dependencies.map((d) => `${d.kind}:${d.target}`),
  }));
}

function nextSteps(model: SystemModel, write: WriteResult, source: ModelSource): string[] {
  if (write.dryRun) return [`Run obs init without --dry-run to write these files.`];
  const next: string[] = [];
  if (source === 'scanned')
    next.push(`Check ${MODEL_FILE}: fix anything the findings point at, then run obs init again.`);
  const kept = write.files.filter((f) => f.action === 'kept');
  if (kept.length > 0)
    next.push(
      `Compare your edited files with obs's proposals (${kept.map((f) => f.proposal).join(', ')}) and merge what you want, or re-run with --force.`,
    );
  const paths = stackPaths(model);
  if (model.stack.traceArchive.enabled) {
    const dir = paths.traceArchive;
    next.push(
      `Traces are archived in ${dir} (the Collector runs as uid ${TRACE_ARCHIVE.containerUser}: on Linux, mkdir -p ${dir} && chmod a+rwx ${dir}); analyze them with obs analyze traces ${dir}/*.jsonl.`,
    );
  }
  if (write.files.some((f) => f.path === paths.compose))
    next.push(
      `Start the stack: docker compose -f ${paths.compose} up -d (passwords are in ${paths.env}, kept out of git).`,
    );
  next.push(
    `Instrument each service as its README says: ${model.services
      .map((s) => `${paths.instrumentation(s.name)}/README.md`)
      .join(', ')}.`,
  );
  return next;
}

export async function runInit(opts: InitOptions): Promise<InitResult> {
  const root = path.resolve(opts.dir);
  const found = await stat(root).catch(() => undefined);
  if (found?.isDirectory() !== true) {
    const file = found?.isFile() === true;
    throw new ObsError(
      file ? 'is a file; give the folder of the repository it is in' : 'no such folder',
      {
        code: 'OBS_NO_REPOSITORY',
        exit: ExitCode.noInput,
        file: opts.dir,
        ...(file ? { suggestions: [`obs init ${path.dirname(opts.dir)}`] } : {}),
      },
    );
  }
  const progress = opts.onProgress ?? (() => undefined);
  progress({ label: 'obs init', done: 0, unit: 'steps' });
  const state = await resolveModel(root, opts.rescan ?? false);
  const secrets = await readStackSecrets(path.join(root, stackPaths(state.model).env));
  const steps = opts.steps ?? initSteps({ secrets });
  const total = steps.length + 2;
  const files: GeneratedFile[] = [...state.files];
  const generators: InitResult['generators'] = [];
  steps.forEach((s, i) => {
    progress({ label: 'obs init', done: i + 1, total, unit: 'steps' });
    const result = s.run(state.model);
    files.push(...result.files);
    generators.push({ name: s.name, files: result.files.length, notes: result.notes ?? [] });
  });
  progress({ label: 'obs init', done: total - 1, total, unit: 'steps' });
  const write = await writeGenerated(root, files, {
    mode: opts.mode ?? 'default',
    command: COMMAND,
  });
  progress({ label: 'obs init', done: total, total, unit: 'steps' });

  return {
    root,
    model: {
      file: MODEL_FILE,
      source: state.source,
      name: state.model.name,
      services: summarize(state.model),
    },
    findings: state.findings,
    ...(state.rescan ? { rescan: state.rescan } : {}),
    generators,
    write: {
      dryRun: write.dryRun,
      files: write.files,
      stale: write.stale,
      manifest: write.manifest,
    },
    next: nextSteps(state.model, write, state.source),
  };
}
