/**
 * YAML parsing with line numbers, shared by `obs.yaml`, compose files and Kubernetes manifests:
 * a syntax error becomes an `ObsError` naming the file and line, and callers can ask for the line
 * of any node to put in their own messages.
 */
import { LineCounter, isNode, parseAllDocuments, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { ExitCode, ObsError } from '../core/errors.js';

export interface ParsedYaml {
  doc: Document;
  /** 1-based line where a node starts, when it has a position. */
  lineOf: (node: unknown) => number | undefined;
  /** Line of the deepest existing node on `path` (a missing key is reported at its parent). */
  lineAt: (path: readonly PropertyKey[]) => number | undefined;
}

function wrap(doc: Document, lc: LineCounter): ParsedYaml {
  const lineOf = (node: unknown) =>
    isNode(node) && node.range ? lc.linePos(node.range[0]).line : undefined;
  return {
    doc,
    lineOf,
    lineAt: (path) => {
      for (let n = path.length; n >= 0; n--) {
        const line = lineOf(doc.getIn(path.slice(0, n) as (string | number)[], true));
        if (line !== undefined) return line;
      }
      return undefined;
    },
  };
}

function throwFirstError(doc: Document, lc: LineCounter, file: string, what: string): void {
  const err = doc.errors[0];
  if (err) {
    throw new ObsError(`invalid YAML${what}: ${err.message.split('\n')[0]}`, {
      code: 'OBS_BAD_YAML',
      exit: ExitCode.dataError,
      file,
      line: lc.linePos(err.pos[0]).line,
    });
  }
}

/** One YAML document; `what` qualifies the message, e.g. ` in compose file`. */
export function parseYaml(text: string, file: string, what = ''): ParsedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  throwFirstError(doc, lc, file, what);
  return wrap(doc, lc);
}

/** Every document of a multi-document stream (Kubernetes manifests). */
export function parseYamlAll(text: string, file: string, what = ''): ParsedYaml[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  for (const doc of docs) throwFirstError(doc, lc, file, what);
  return docs.map((d) => wrap(d, lc));
}
