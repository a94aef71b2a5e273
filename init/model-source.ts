/**
 * Where `obs init` gets its model: obs.yaml when it exists (the user may have edited it), a scan
 * of the repository when it does not, or a scan merged into obs.yaml with `--rescan`. Also the
 * files that carry the model: obs.yaml itself, the scan it was made from (the base of the next
 * rescan merge) and the JSON Schema editors validate obs.yaml with.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ExitCode, ObsError, errnoCode, messageOf } from '../core/errors.js';
import { sha256 } from '../core/writer.js';
import type { GeneratedFile } from '../core/writer.js';
import { MODEL_FILE, parseModel, stringifyModel } from '../model/load.js';
import { mergeRescan } from '../model/merge.js';
import type { RescanReport } from '../model/merge.js';
import { scanRepository } from '../model/scan/index.js';
import type { Finding, ScanResult } from '../model/scan/index.js';
import { SystemModel } from '../model/schema.js';

/** The previous scan, the base of a `--rescan` merge. */
export const SCAN_FILE = '.obs/scan.json';
/** JSON Schema of obs.yaml, next to it, for editors (yaml-language-server). */
export const SCHEMA_FILE = 'obs.schema.json';

export type ModelSource = 'scanned' | 'loaded' | 'rescanned';

export interface ModelState {
  model: SystemModel;
  source: ModelSource;
  findings: Finding[];
  sources?: ScanResult['sources'];
  rescan?: RescanReport;
  /** obs.yaml, the scan record and the schema, for the writer. */
  files: GeneratedFile[];
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new ObsError(`cannot read: ${messageOf(err)}`, {
      code: 'OBS_READ_FAILED',
      exit: ExitCode.noInput,
      file,
      cause: err,
    });
  }
}

/** The JSON Schema of obs.yaml (input side: fields with defaults are optional). */
export function modelJsonSchema(): string {
  const schema = z.toJSONSchema(SystemModel, { io: 'input', unrepresentable: 'any' });
  return JSON.stringify({ ...schema, title: 'obs system model (obs.yaml)' }, null, 2) + '\n';
}

const MODELINE = `# yaml-language-server: $schema=./${SCHEMA_FILE}\n`;

function scanRecord(model: SystemModel): string {
  return JSON.stringify(model, null, 2) + '\n';
}

function parseScanRecord(text: string | undefined): SystemModel | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = SystemModel.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // a damaged record only means a two-way merge: user values all win
  }
}

export async function resolveModel(root: string, rescan: boolean): Promise<ModelState> {
  const modelPath = path.join(root, MODEL_FILE);
  const current = await readIfExists(modelPath);
  const record = await readIfExists(path.join(root, SCAN_FILE));
  const schema: GeneratedFile = { path: SCHEMA_FILE, content: modelJsonSchema() };

  if (current === undefined) {
    const scan = await scanRepository(root);
    return {
      model: scan.model,
      source: 'scanned',
      findings: scan.findings,
      sources: scan.sources,
      files: [
        { path: MODEL_FILE, content: MODELINE + stringifyModel(scan.model) },
        { path: SCAN_FILE, content: scanRecord(scan.model) },
        schema,
      ],
    };
  }

  const loaded = parseModel(current, MODEL_FILE);
  if (!rescan) {
    // obs.yaml is the user's: it goes to the writer as it is, so the manifest records its hash.
    return {
      model: loaded,
      source: 'loaded',
      findings: [],
      files: [
        { path: MODEL_FILE, content: current },
        ...(record === undefined ? [] : [{ path: SCAN_FILE, content: record }]),
        schema,
      ],
    };
  }

  const scan = await scanRepository(root, { output: loaded.stack.output });
  const merged = mergeRescan(current, MODEL_FILE, scan.model, parseScanRecord(record));
  return {
    model: merged.model,
    source: 'rescanned',
    findings: scan.findings,
    sources: scan.sources,
    rescan: merged.report,
    files: [
      { path: MODEL_FILE, content: merged.text, mergedFrom: sha256(current) },
      { path: SCAN_FILE, content: scanRecord(scan.model) },
      schema,
    ],
  };
}
