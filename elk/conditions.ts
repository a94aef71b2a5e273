/**
 * The Painless conditions (`if`) the ingest pipelines use, each beside a TypeScript reading of
 * the same test. Only these may appear in a pipeline (a unit test checks), so the pipeline tests
 * can run the processors without a server; whether the Painless text itself behaves as its
 * TypeScript twin is what only a real Elasticsearch can prove.
 */

import { isRecord } from '../core/json.js';

/** An ingest document as the processors see it: nested objects, after dot expansion. */
export type IngestDoc = Record<string, unknown>;

export interface Condition {
  painless: string;
  holds(doc: IngestDoc): boolean;
}

const present = (v: unknown) => v !== undefined && v !== null;
// `instanceof Map` guards keep a document whose `log` or `error` is a plain string from failing.
const hasLevel = (doc: IngestDoc) => isRecord(doc.log) && present(doc.log.level);

export const WHEN = {
  /** `message` is text that starts like a JSON object. */
  jsonMessage: {
    painless: "ctx.message instanceof String && ctx.message.startsWith('{')",
    holds: (doc) => typeof doc.message === 'string' && doc.message.startsWith('{'),
  },
  /** `message` is other text and nothing has set a level yet (a structured doc keeps its own). */
  textMessage: {
    painless:
      "ctx.message instanceof String && !ctx.message.startsWith('{') && !(ctx.log instanceof Map && ctx.log.level != null)",
    holds: (doc) =>
      typeof doc.message === 'string' && !doc.message.startsWith('{') && !hasLevel(doc),
  },
  /** `service` is a name, not an object (pino's `base: {service: 'cart'}`). */
  serviceText: {
    painless: 'ctx.service instanceof String',
    holds: (doc) => typeof doc.service === 'string',
  },
  /** An error was recognized in a plain line that carried no level of its own. */
  errorWithoutLevel: {
    painless:
      'ctx.error instanceof Map && ctx.error.type != null && !(ctx.log instanceof Map && ctx.log.level != null)',
    holds: (doc) => isRecord(doc.error) && present(doc.error.type) && !hasLevel(doc),
  },
} as const satisfies Record<string, Condition>;
