/**
 * `obs init --rescan`: merging a fresh scan into the user's obs.yaml without losing their edits.
 *
 * A three-way merge per field against the previous scan (the base, kept in `.obs/scan.json`): a
 * field the user left as the scanner wrote it takes the new scan's value; a field the user changed
 * keeps the user's value. Services are matched by name: new ones are added, ones the scan no longer
 * finds stay and are reported, ones the user deleted stay deleted. Without a base (a hand-written
 * obs.yaml) the user's values all win and the scan only fills in what is missing.
 *
 * Changes are applied to the parsed YAML document, so the user's comments and layout survive.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import { isRecord } from '../core/json.js';
import { parseModel } from './load.js';
import type { ServiceModel, SystemModel } from './schema.js';

export interface RescanReport {
  /** Services the scan found that obs.yaml did not have; added. */
  added: string[];
  /** Services in obs.yaml the scan did not find; kept (delete them if they are gone). */
  vanished: string[];
  /** Services the user deleted from obs.yaml that the scan still finds; not re-added. */
  removedByUser: string[];
  /** Fields where the user's value was kept although the scan now says otherwise. */
  keptEdits: string[];
  /** Fields updated from the scan. */
  updated: string[];
}

export interface MergeResult {
  text: string;
  model: SystemModel;
  report: RescanReport;
}

type Plain = Record<string, unknown>;

/** Three-way merge of one value; objects merge key by key, everything else is atomic. */
function merge3(
  base: unknown,
  current: unknown,
  fresh: unknown,
  where: string,
  report: RescanReport,
): unknown {
  if (isRecord(current) && isRecord(fresh) && (base === undefined || isRecord(base))) {
    const out: Plain = {};
    for (const key of new Set([...Object.keys(current), ...Object.keys(fresh)])) {
      const b = base === undefined ? undefined : base[key];
      const v = merge3(b, current[key], fresh[key], where ? `${where}.${key}` : key, report);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (isDeepStrictEqual(current, fresh)) return current;
  if (base === undefined) {
    // No record of what the scanner wrote: the user's value wins; the scan fills gaps only.
    if (current !== undefined) return current;
    report.updated.push(where);
    return fresh;
  }
  if (isDeepStrictEqual(current, base)) {
    report.updated.push(where);
    return fresh;
  }
  report.keptEdits.push(where);
  return current;
}

/** Writes the differences between `from` and `to` into the YAML document at `path`. */
function applyDiff(
  doc: ReturnType<typeof parseDocument>,
  path: (string | number)[],
  from: unknown,
  to: unknown,
): void {
  if (isDeepStrictEqual(from, to)) return;
  if (isRecord(from) && isRecord(to) && doc.getIn(path) !== undefined) {
    for (const key of new Set([...Object.keys(from), ...Object.keys(to)]))
      applyDiff(doc, [...path, key], from[key], to[key]);
    return;
  }
  if (to === undefined) doc.deleteIn(path);
  else doc.setIn(path, doc.createNode(to));
}

const byName = (list: readonly ServiceModel[] | undefined) =>
  new Map((list ?? []).map((s) => [s.name, s]));

/**
 * Merges `fresh` (a new scan) into the obs.yaml text `currentText`; `base` is the scan that wrote
 * it, if known. The result is validated.
 */
export function mergeRescan(
  currentText: string,
  file: string,
  fresh: SystemModel,
  base: SystemModel | undefined,
): MergeResult {
  const current = parseModel(currentText, file);
  const report: RescanReport = {
    added: [],
    vanished: [],
    removedByUser: [],
    keptEdits: [],
    updated: [],
  };
  const doc = parseDocument(currentText);

  // Everything but the services: field by field.
  const strip = (m: SystemModel | undefined) => {
    if (m === undefined) return undefined;
    const { services: _services, ...rest } = m;
    return rest;
  };
  const top = merge3(strip(base), strip(current), strip(fresh), '', report) as Plain;
  applyDiff(doc, [], strip(current), top);

  // Services: matched by name, merged field by field.
  const baseServices = byName(base?.services);
  const freshServices = byName(fresh.services);
  const currentNames = new Set(current.services.map((s) => s.name));
  current.services.forEach((svc, i) => {
    const f = freshServices.get(svc.name);
    if (f === undefined) {
      report.vanished.push(svc.name);
      return;
    }
    const merged = merge3(baseServices.get(svc.name), svc, f, `services.${svc.name}`, report);
    applyDiff(doc, ['services', i], svc, merged);
  });
  for (const f of fresh.services) {
    if (currentNames.has(f.name)) continue;
    if (baseServices.has(f.name)) {
      report.removedByUser.push(f.name);
      continue;
    }
    doc.addIn(['services'], doc.createNode(f));
    report.added.push(f.name);
  }

  const text = doc.toString({ lineWidth: 100 });
  return { text, model: parseModel(text, file), report };
}
