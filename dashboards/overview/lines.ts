/**
 * Which spans are a service's lines on the overview, and what they count. A worker (servesHttp
 * false) serves no requests: its line counts the tasks or messages it consumes, a scheduler's the
 * tasks it publishes, as their own dashboards do. Other services' consumer and producer spans (a
 * web app's own Kafka consumer, the tasks it sends) stay out, and so do a worker's server spans (a
 * health check, a monitoring endpoint).
 */
import {
  SPAN_KIND_CONSUMER,
  SPAN_KIND_SERVER,
  SPAN_LABELS,
  workSpanKind,
} from '../../model/conventions.js';
import type { ServiceModel } from '../../model/schema.js';
import type { Matcher } from '../promql.js';
import { eq, re } from '../promql.js';
import { workOf } from '../service.js';

export const SVC = SPAN_LABELS.service;

/** A graph's legend: one line per service. */
export const LEGEND = `{{${SVC}}}`;

/** The lines of these services (by name) that count their work: spans of their work's kind. */
export function ownLines(names: readonly string[], kind: string): Matcher[] {
  return [re(SVC, '$service'), re(SVC, names.join('|')), eq(SPAN_LABELS.kind, kind)];
}

/**
 * The selections of these services' own lines, as ownLines (server spans of web services,
 * consumer spans of workers): what a burn rate divides by their budget.
 */
export function ownSelections(services: readonly ServiceModel[]): Matcher[][] {
  const names = (kind: string) =>
    services.filter((x) => workSpanKind(x) === kind).map((x) => x.name);
  return [SPAN_KIND_SERVER, SPAN_KIND_CONSUMER]
    .filter((kind) => names(kind).length > 0)
    .map((kind) => ownLines(names(kind), kind));
}

/**
 * What the lines of these services count, for headers and titles: `Requests` for web services;
 * else what each kind of service does, e.g. `Requests or tasks`, since one column or panel cannot
 * change its header per line.
 */
export function workNouns(services: readonly ServiceModel[]): string {
  const counted = new Set(services.map((x) => workOf(x).plural));
  const nouns = ['Requests', 'Tasks', 'Messages', 'Published tasks'].filter((n) => counted.has(n));
  const last = nouns.pop()!;
  const text = nouns.length === 0 ? last : `${nouns.join(', ')} or ${last.toLowerCase()}`;
  return text.charAt(0) + text.slice(1).toLowerCase();
}
