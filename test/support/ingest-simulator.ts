/**
 * Runs obs's ingest pipelines over documents without Elasticsearch, processor by processor, with
 * the semantics Elasticsearch documents for each one obs uses (rename, json, dot_expander, date,
 * convert, gsub, lowercase, remove, set, append, grok, pipeline; if, ignore_missing,
 * ignore_failure, on_failure). Grok and date parsing are delegated to Elasticsearch's grok library
 * and java.time (elastic-grok.ts). Conditions are taken from elk/conditions.ts: a condition that is
 * not there fails the run, so every `if` the pipelines carry has a tested TypeScript twin.
 *
 * This proves the pipelines' logic, not that Elasticsearch accepts them; see the report of issue 5
 * for what only a real server proves.
 */
import type { estypes } from '@elastic/elasticsearch';
import { WHEN } from '../../elk/conditions.js';
import type { IngestDoc } from '../../elk/conditions.js';
import type { ElasticGrok } from './elastic-grok.js';

type Processor = estypes.IngestProcessorContainer;
type Pipeline = estypes.IngestPutPipelineRequest;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

class IngestError extends Error {}

/** A field value as text, the way Elasticsearch stringifies scalars. */
function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

function getField(doc: IngestDoc, path: string): unknown {
  let cur: unknown = doc;
  for (const p of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function setField(doc: IngestDoc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = doc;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === undefined || next === null) cur = cur[p] = {};
    else if (isObject(next)) cur = next;
    else throw new IngestError(`cannot set [${path}]: [${p}] is not an object`);
  }
  cur[parts.at(-1)!] = value;
}

function removeField(doc: IngestDoc, path: string): boolean {
  const parts = path.split('.');
  const parent = parts.length === 1 ? doc : getField(doc, parts.slice(0, -1).join('.'));
  if (!isObject(parent) || !(parts.at(-1)! in parent)) return false;
  delete parent[parts.at(-1)!];
  return true;
}

const has = (doc: IngestDoc, path: string) => getField(doc, path) !== undefined;

/** Mustache as the set processor renders it, for the templates obs uses. */
function render(template: string, doc: IngestDoc, ingest: { timestamp: string; failure?: string }) {
  return template.replace(/\{\{\{?\s*([^}\s]+)\s*\}?\}\}/g, (_m, name: string) => {
    if (name === '_ingest.timestamp') return ingest.timestamp;
    if (name === '_ingest.on_failure_message') return ingest.failure ?? '';
    const v = getField(doc, name);
    return v === undefined ? '' : str(v);
  });
}

export interface SimulatorOptions {
  pipelines: readonly Pipeline[];
  elastic: ElasticGrok;
  /** `_ingest.timestamp`. */
  now?: string;
}

export interface SimulatedDoc {
  doc: IngestDoc;
  /** The on_failure message when a processor failed without a handler (the document would be
   * rejected). */
  error?: string;
}

export class IngestSimulator {
  private readonly byId: Map<string, Pipeline>;
  private readonly now: string;

  constructor(private readonly opts: SimulatorOptions) {
    this.byId = new Map(opts.pipelines.map((p) => [p.id, p]));
    this.now = opts.now ?? '2026-01-05T12:00:00.000Z';
  }

  async run(pipelineId: string, source: IngestDoc): Promise<SimulatedDoc> {
    const doc = structuredClone(source);
    try {
      await this.runPipeline(pipelineId, doc);
      return { doc };
    } catch (err) {
      return { doc, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async runPipeline(id: string, doc: IngestDoc): Promise<void> {
    const p = this.byId.get(id);
    if (!p) throw new IngestError(`pipeline with id [${id}] does not exist`);
    try {
      for (const proc of p.processors ?? []) await this.runProcessor(proc, doc);
    } catch (err) {
      if (!p.on_failure?.length) throw err;
      const failure = err instanceof Error ? err.message : String(err);
      for (const proc of p.on_failure) await this.runProcessor(proc, doc, failure);
    }
  }

  private async runProcessor(
    container: Processor,
    doc: IngestDoc,
    failure?: string,
  ): Promise<void> {
    const entries = Object.entries(container);
    if (entries.length !== 1)
      throw new Error(`a processor container holds one processor: ${JSON.stringify(container)}`);
    const [type, raw] = entries[0]! as [string, Record<string, unknown>];
    const cond = raw.if as string | undefined;
    if (cond !== undefined) {
      const known = Object.values(WHEN).find((w) => w.painless === cond);
      if (!known)
        throw new Error(`condition without a TypeScript twin in elk/conditions.ts: ${cond}`);
      if (!known.holds(doc)) return;
    }
    try {
      await this.apply(type, raw, doc, failure);
    } catch (err) {
      if (!(err instanceof IngestError)) throw err;
      if (raw.ignore_failure === true) return;
      const handlers = raw.on_failure as Processor[] | undefined;
      if (!handlers?.length) throw err;
      for (const h of handlers) await this.runProcessor(h, doc, err.message);
    }
  }

  private async apply(
    type: string,
    p: Record<string, unknown>,
    doc: IngestDoc,
    failure?: string,
  ): Promise<void> {
    const field = p.field as string;
    const missing = () => {
      if (p.ignore_missing === true) return true;
      throw new IngestError(`field [${field}] not present as part of path [${field}]`);
    };
    switch (type) {
      case 'rename': {
        if (!has(doc, field)) return void missing();
        const target = p.target_field as string;
        if (has(doc, target)) throw new IngestError(`field [${target}] already exists`);
        const v = getField(doc, field);
        removeField(doc, field);
        setField(doc, target, v);
        return;
      }
      case 'json': {
        const v = getField(doc, field);
        if (typeof v !== 'string')
          throw new IngestError(`field [${field}] not present or not a string`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(v);
        } catch (err) {
          throw new IngestError(`json: ${(err as Error).message}`);
        }
        if (p.add_to_root === true) {
          if (!isObject(parsed))
            throw new IngestError('cannot add non-map fields to root of document');
          // add_to_root_conflict_strategy replace: top-level keys replace what is there.
          for (const [k, x] of Object.entries(parsed)) doc[k] = x;
        } else {
          setField(doc, (p.target_field as string | undefined) ?? field, parsed);
        }
        return;
      }
      case 'dot_expander': {
        if (field !== '*') throw new Error('the simulator expands only field "*"');
        for (const key of Object.keys(doc).filter((k) => k.includes('.'))) {
          const v = doc[key];
          delete doc[key];
          const existing = getField(doc, key);
          if (existing !== undefined && p.override !== true)
            setField(doc, key, [existing, v].flat());
          else setField(doc, key, v);
        }
        return;
      }
      case 'date': {
        const v = getField(doc, field);
        if (v === undefined || v === null)
          throw new IngestError(`field [${field}] not present as part of path [${field}]`);
        const zone = (p.timezone as string | undefined) ?? 'UTC';
        const reasons: string[] = [];
        for (const format of p.formats as string[]) {
          const out = await this.opts.elastic.date(format, zone, str(v));
          if (typeof out === 'string') {
            setField(doc, (p.target_field as string | undefined) ?? '@timestamp', out);
            return;
          }
          reasons.push(out.message);
        }
        throw new IngestError(`unable to parse date [${str(v)}]: ${reasons.join('; ')}`);
      }
      case 'convert': {
        if (!has(doc, field)) return void missing();
        if (p.type !== 'string') throw new Error('the simulator converts only to string');
        setField(doc, field, str(getField(doc, field)));
        return;
      }
      case 'gsub':
      case 'lowercase': {
        if (!has(doc, field)) return void missing();
        const v = getField(doc, field);
        if (typeof v !== 'string')
          throw new IngestError(
            `field [${field}] of type [${typeof v}] cannot be cast to [java.lang.String]`,
          );
        setField(
          doc,
          field,
          type === 'lowercase'
            ? v.toLowerCase()
            : v.replace(new RegExp(p.pattern as string, 'g'), p.replacement as string),
        );
        return;
      }
      case 'remove': {
        const fields = Array.isArray(p.field) ? (p.field as string[]) : [field];
        for (const f of fields) {
          if (!removeField(doc, f) && p.ignore_missing !== true)
            throw new IngestError(`field [${f}] not present`);
        }
        return;
      }
      case 'set': {
        if (
          p.override === false &&
          getField(doc, field) !== undefined &&
          getField(doc, field) !== null
        )
          return;
        const value =
          typeof p.value === 'string'
            ? render(p.value, doc, { timestamp: this.now, failure })
            : p.value;
        setField(doc, field, value);
        return;
      }
      case 'append': {
        const cur: unknown = getField(doc, field);
        const before: unknown[] = cur === undefined ? [] : Array.isArray(cur) ? cur : [cur];
        const add: unknown[] = Array.isArray(p.value) ? (p.value as unknown[]) : [p.value];
        setField(doc, field, [...before, ...add]);
        return;
      }
      case 'grok': {
        const v = getField(doc, field);
        if (v === undefined || v === null) return void missing();
        const captures = await this.opts.elastic.grok(
          {
            patterns: p.patterns as string[],
            definitions: p.pattern_definitions as Record<string, string> | undefined,
            ecs: (p.ecs_compatibility as string | undefined) ?? 'disabled',
          },
          str(v),
        );
        if (captures === null)
          throw new IngestError(`Provided Grok expressions do not match field value: [${str(v)}]`);
        for (const [k, x] of Object.entries(captures)) if (x !== null) setField(doc, k, x);
        return;
      }
      case 'pipeline': {
        const name = p.name as string;
        if (!this.byId.has(name)) {
          if (p.ignore_missing_pipeline === true) return;
          throw new IngestError(
            `Pipeline processor configured for non-existent pipeline [${name}]`,
          );
        }
        await this.runPipeline(name, doc);
        return;
      }
      default:
        throw new Error(`the simulator does not know the ${type} processor`);
    }
  }
}
