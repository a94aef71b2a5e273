/**
 * Root-cause ranking: the evidence of the analyses before it, per service, combined into one
 * score, services most likely first, each with its reasons in words.
 *
 * Each piece of evidence is a probability-like score (effect size times confidence); a service's
 * score combines its pieces as independent indications (noisy-OR). Evidence that is explained by
 * another service is discounted (propagation): a parent that stopped calling things because a
 * call before them ended its requests (cut short) is a victim of that callee, not a cause; a
 * service whose requests failed fast without calling a failing callee (an open breaker) shares
 * its errors and lost work with that callee, as far as the callee's errors start in it; the rest
 * goes to where errors start (a breaker in front of a service that passes errors up). Errors
 * that start at calls the callee never recorded (down) or was still working on when the caller
 * gave up (a timeout waiting for a slow callee) are the callee's, in the share of such traces.
 */
import type { AnalysisContext, TraceAnalysis } from './analysis.js';
import { checkRange } from './analysis.js';
import type { Change } from './changes.js';
import { moreErrorsText } from './changes.js';
import { serviceHost } from '../../../model/conventions.js';

export interface RootCausesConfig {
  /** Services listed, at most. Default 10. */
  top: number;
  /** Reasons given per service. Default 3. */
  reasons: number;
}

export interface Evidence {
  /** What kind of evidence: a change kind, `errorOrigin`, or a log finding. */
  kind: string;
  /** 0..1 */
  score: number;
  text: string;
}

export interface RootCause {
  rank: number;
  service: string;
  /** 0..1: the combined evidence. */
  score: number;
  /** The strongest evidence, in words. */
  reasons: string[];
  evidence: Evidence[];
}

/**
 * Evidence as it is gathered. `text` says it among the reasons of the service it is about, where
 * "here" and "its" mean that service; `away`, for words that say so, says it among another
 * service's reasons (a share moved to a service it blames, see `movedText`), naming the service
 * it is about instead.
 */
interface Found extends Evidence {
  away?: string;
}

/** Evidence against services, before combining. */
type EvidenceMap = Map<string, Found[]>;

function push(m: EvidenceMap, service: string, e: Found): void {
  if (e.score <= 0) return;
  let l = m.get(service);
  if (l === undefined) {
    l = [];
    m.set(service, l);
  }
  l.push(e);
}

/** A share of a service's evidence that belongs to the services it called, by traces. */
interface CalleeShare {
  share: number;
  callees: { service: string; traces: number }[];
}

/** Per service that failed fast (see error-origin.ts): the share to pass on, and to whom. */
interface FailFast {
  callers: Map<string, { share: number; skipped: { service: string; traces: number }[] }>;
  /**
   * Per service whose errors start at calls to a service of the system that did not record them
   * (a failed client span without children, naming a service seen in the traces): the share of
   * its failing traces that is the callee's (down, restarting, unreachable), and the callees.
   */
  unreachable: Map<string, CalleeShare>;
  /**
   * Per service whose errors start at calls into a service of the system that was still working
   * on them when the call ended (a timeout waiting for a slow callee): the share of its failing
   * traces that is the callee's, and the callees.
   */
  slow: Map<string, CalleeShare>;
  /**
   * The same per operation (`service\u0001operation`) whose spans failed waiting on such a
   * callee: the share of its failed spans that is the callee's, and the callees.
   */
  slowOps: Map<string, CalleeShare>;
  /** Per failing service: the share of its failing traces in which errors start in it. */
  own: Map<string, number>;
  /** Services where errors start, with their traces: where passed-up errors come from. */
  origins: { service: string; traces: number }[];
}

/** The services of the input and of the baseline, by lower-case name. */
function knownServices(ctx: AnalysisContext): Map<string, string> {
  const names = new Map<string, string>();
  for (const s of ctx.results.health?.services ?? []) names.set(s.service.toLowerCase(), s.service);
  for (const key of ctx.baseline?.profile?.ops.keys() ?? []) {
    const service = key.slice(0, key.indexOf('\u0001'));
    if (!names.has(service.toLowerCase())) names.set(service.toLowerCase(), service);
  }
  return names;
}

/** The service of the system a call's peer names (`backend`, `Backend:8080`), if any. */
function peerService(peer: string, known: ReadonlyMap<string, string>): string | undefined {
  const host = peer.toLowerCase().replace(/:\d+$/, '');
  return known.get(host) ?? known.get(serviceHost(host));
}

function failFastOf(ctx: AnalysisContext, known: ReadonlyMap<string, string>): FailFast {
  const out: FailFast = {
    callers: new Map(),
    own: new Map(),
    origins: [],
    unreachable: new Map(),
    slow: new Map(),
    slowOps: new Map(),
  };
  for (const o of ctx.results.errorOrigins?.operations ?? []) {
    const waited = o.slowCallees.reduce((a, c) => a + c.spans, 0);
    const failed = o.origins + o.propagated;
    if (waited <= 0 || failed <= 0) continue;
    out.slowOps.set(`${o.service}\u0001${o.operation}`, {
      share: Math.min(1, waited / failed),
      callees: o.slowCallees.map((c) => ({ service: c.service, traces: c.spans })),
    });
  }
  for (const s of ctx.results.errorOrigins?.services ?? []) {
    const callees: { service: string; traces: number }[] = [];
    for (const d of s.dependencies) {
      const service = peerService(d.peer, known);
      if (service !== undefined && service !== s.service)
        callees.push({ service, traces: d.traces });
    }
    const unreached = callees.reduce((a, c) => a + c.traces, 0);
    if (unreached > 0 && s.traces > 0)
      out.unreachable.set(s.service, { share: Math.min(1, unreached / s.traces), callees });
    const waited = s.slowCallees.reduce((a, c) => a + c.traces, 0);
    if (waited > 0 && s.traces > 0)
      out.slow.set(s.service, { share: Math.min(1, waited / s.traces), callees: s.slowCallees });
    if (s.failing > 0) out.own.set(s.service, Math.min(1, s.traces / s.failing));
    if (s.traces > 0) out.origins.push({ service: s.service, traces: s.traces });
    if (s.failFast <= 0 || s.traces <= 0 || s.skipped.length === 0) continue;
    // Half, as without a baseline: the failing callee tripped the breaker, the caller chose to.
    out.callers.set(s.service, { share: s.failFast / s.traces / 2, skipped: s.skipped });
  }
  return out;
}

/** `orders'`, `ts-order-service's`. */
const possessive = (name: string): string => (/s$/i.test(name) ? `${name}'` : `${name}'s`);

/**
 * The words of evidence `e`, moved among another service's reasons after `why`: its words for
 * elsewhere when it has them, as "here" there would mean the other service.
 */
function movedText(why: string, e: Found): string {
  return `${why}: ${e.away ?? e.text}`;
}

/**
 * `8 of them failed fast, without the call to payments that its requests usually make`: the
 * callees skipped (error-origin.ts), each trace skipped one of them at least. `whose` requests:
 * `its` among the service's own reasons, the service's (`orders'`) among another's.
 */
function failFastText(n: number, skipped: readonly { service: string }[], whose: string): string {
  const names = skipped.slice(0, 3).map((k) => k.service);
  const more = skipped.length - names.length;
  if (more > 0) names.push(`${more} other${more === 1 ? '' : 's'}`);
  const last = names.pop();
  const calls =
    last === undefined
      ? 'a call'
      : names.length === 0
        ? `the call to ${last}`
        : `a call to ${names.join(', ')} or ${last}`;
  return `${n} of them failed fast, without ${calls} that ${whose} requests usually make`;
}

/**
 * Pushes to the callees of `u` their share of evidence `e` of `caller`, as `kind` in words;
 * returns the rest.
 */
function shareWithCallees(
  m: EvidenceMap,
  u: CalleeShare | undefined,
  e: Found,
  kind: string,
  text: (callee: string) => string,
): Found {
  if (u === undefined) return e;
  const total = u.callees.reduce((a, c) => a + c.traces, 0);
  for (const c of u.callees)
    push(m, c.service, {
      kind,
      score: (e.score * u.share * c.traces) / total,
      text: movedText(text(c.service), e),
    });
  return { ...e, score: e.score * (1 - u.share) };
}

/**
 * Pushes to the services `service` called and that did not record the calls (down, restarting,
 * unreachable; see FailFast.unreachable) their share of evidence `e`; returns the rest.
 */
function shareUnreachable(m: EvidenceMap, fast: FailFast, service: string, e: Found): Found {
  return shareWithCallees(
    m,
    fast.unreachable.get(service),
    e,
    'unreachable',
    (c) =>
      `calls from ${service} failed before ${c} recorded them (down, restarting or unreachable?)`,
  );
}

/**
 * Pushes to the services `service` called and that were still working on the calls when they
 * failed their share of evidence `e`; returns the rest. Evidence about one operation is shared
 * as far as that operation's failed spans gave up waiting on them (FailFast.slowOps): errors of
 * the caller's other operations stay its own. Evidence about the whole service is shared by its
 * failing traces (FailFast.slow).
 */
function shareSlowCallees(
  m: EvidenceMap,
  fast: FailFast,
  service: string,
  e: Found,
  operation: string | undefined,
): Found {
  const u =
    operation === undefined
      ? fast.slow.get(service)
      : fast.slowOps.get(`${service}\u0001${operation}`);
  return shareWithCallees(
    m,
    u,
    e,
    'slowCallee',
    (c) =>
      `calls from ${service} to ${c} failed while ${c} was still working on them (a timeout waiting for a slow ${c}?)`,
  );
}

/**
 * Pushes errors or lost work of `service` (of its `operation`, when the evidence is about one),
 * less the share of its failing requests that failed fast without calling a failing callee: that
 * share goes to the callees it skipped, as far as their errors start in them; the rest of it,
 * errors they only pass up, to where errors start.
 */
function pushShared(
  m: EvidenceMap,
  fast: FailFast,
  service: string,
  evidence: Found,
  operation?: string,
): void {
  const unreached = shareUnreachable(m, fast, service, evidence);
  const e = shareSlowCallees(m, fast, service, unreached, operation);
  const f = fast.callers.get(service);
  if (f === undefined) {
    push(m, service, e);
    return;
  }
  push(m, service, { ...e, score: e.score * (1 - f.share) });
  const total = f.skipped.reduce((a, k) => a + k.traces, 0);
  for (const k of f.skipped) {
    const part = (e.score * f.share * k.traces) / total;
    const others = fast.origins.filter((o) => o.service !== service && o.service !== k.service);
    const own = others.length === 0 ? 1 : (fast.own.get(k.service) ?? 1);
    push(m, k.service, {
      kind: 'skippedBy',
      score: part * own,
      text: movedText(
        `${service} failed fast without calling ${k.service} (an open circuit breaker?)`,
        e,
      ),
    });
    const spread = others.reduce((a, o) => a + o.traces, 0);
    for (const o of others) {
      push(m, o.service, {
        kind: 'skippedBy',
        score: (part * (1 - own) * o.traces) / spread,
        text: movedText(
          `${service} failed fast without calling ${k.service}, which passes up errors that start here`,
          e,
        ),
      });
    }
  }
}

function fromChanges(m: EvidenceMap, changes: readonly Change[], fast: FailFast): void {
  // Per parent operation: the work its requests lost by stopping after a call (cut short).
  const cutLoss = new Map<string, number>();
  for (const c of changes) {
    if (c.kind !== 'cutShort' || c.parent === undefined) continue;
    cutLoss.set(c.parent, (cutLoss.get(c.parent) ?? 0) + c.effect * c.weight);
  }
  // Per parent operation: the callee it now calls more per request (retries), and how much more.
  const retried = new Map<string, { callee: string; effect: number }>();
  for (const c of changes) {
    if (c.kind !== 'moreCalls' || c.parent === undefined || c.score <= 0) continue;
    const r = retried.get(c.parent);
    if (r === undefined || c.effect > r.effect)
      retried.set(c.parent, { callee: c.service, effect: c.effect });
  }
  // Services whose errors rose: a caller that retries them more is waiting on their failures.
  const failing = new Set(
    changes.filter((c) => c.kind === 'moreErrors' && c.score > 0).map((c) => c.service),
  );
  for (const c of changes) {
    const r = c.kind === 'slowerWork' ? retried.get(c.operation) : undefined;
    if (r !== undefined && r.callee !== c.service) {
      // Own time of a request that now retries a callee more is mostly the wait between the
      // attempts (backoff): the callee's doing. All of it when the callee's errors rose (the
      // retries are of failures); else the share the extra calls explain.
      const explained = failing.has(r.callee)
        ? 1
        : c.effect > 0
          ? Math.min(1, r.effect / c.effect)
          : 0;
      push(m, c.service, {
        kind: c.kind,
        score: c.score * (1 - explained),
        text: `${c.text} (while retrying a callee more: partly waiting between attempts)`,
      });
      push(m, r.callee, {
        kind: 'retriedBy',
        score: c.score * explained,
        text: `${c.service} retries its calls here more, and waits between attempts: ${c.text}`,
      });
      continue;
    }
    // Vanished calls are the detail of `lessWork`; new calls to things seen before are as
    // often recovery (the baseline had failures) as fault: only never-seen ones count.
    if (c.kind === 'callVanished') continue;
    if (c.kind === 'callAppeared' && c.novel !== true) continue;
    if (c.kind === 'lessWork') {
      // Work lost because requests stopped after a call elsewhere is that call's doing.
      const explained = c.effect > 0 ? Math.min(1, (cutLoss.get(c.operation) ?? 0) / c.effect) : 0;
      pushShared(
        m,
        fast,
        c.service,
        { kind: c.kind, score: c.score * (1 - explained), text: c.text },
        c.operation,
      );
      continue;
    }
    if (c.kind === 'moreErrors') {
      const away = moreErrorsText(c, `in ${c.service}`);
      const e = { kind: c.kind, score: c.score, text: c.text, away };
      pushShared(m, fast, c.service, e, c.operation);
      continue;
    }
    if (c.kind === 'slowerCall' && c.caller !== undefined) {
      const share = c.calleeShare ?? 1;
      push(m, c.service, { kind: c.kind, score: c.score * share, text: c.text });
      push(m, c.caller, {
        kind: 'slowerOutgoingCall',
        score: c.score * (1 - share),
        text: `${c.caller} itself may be slow to call: ${c.text}`,
      });
      continue;
    }
    const e = { kind: c.kind, score: c.score, text: c.text };
    // Requests that stop after a failed call into a service that never saw it stop there.
    push(m, c.service, c.kind === 'cutShort' ? shareUnreachable(m, fast, c.service, e) : e);
  }
}

function fromErrorOrigins(m: EvidenceMap, ctx: AnalysisContext, fast: FailFast): void {
  const eo = ctx.results.errorOrigins;
  if (eo === undefined || eo.failingTraces === 0) return;
  const base = ctx.baseline?.errorOrigins;
  for (const s of eo.services) {
    if (s.traces <= 0) continue;
    const share = s.traces / eo.failingTraces;
    const baseShare =
      base === undefined || base.traces === 0
        ? 0
        : (base.services.find((b) => b.service === s.service)?.traces ?? 0) / base.traces;
    const rate = s.traces / eo.traces;
    // Errors that were there before the incident are not news.
    const score = share * Math.max(0, 1 - baseShare / Math.max(rate, 1e-9));
    const said = (where: string, whose: string) =>
      [
        `errors start ${where} in ${s.traces} of ${eo.failingTraces} failing traces (e.g. ${s.examples.join(', ')})`,
        ...(s.failFast > 0 ? [failFastText(s.failFast, s.skipped, whose)] : []),
      ].join('; ');
    const text = said('here', 'its');
    const away = said(`in ${s.service}`, possessive(s.service));
    // A trace that failed fast without its usual call is shared with the callee it skipped.
    pushShared(m, fast, s.service, { kind: 'errorOrigin', score, text, away });
  }
}

export function rankRootCauses(cfg: RootCausesConfig, ctx: AnalysisContext): RootCause[] {
  const m: EvidenceMap = new Map();
  const known = knownServices(ctx);
  const fast = failFastOf(ctx, known);
  fromChanges(m, ctx.results.changes?.changes ?? [], fast);
  // With a baseline, errors are compared per operation (changes); without, where they start.
  if (ctx.results.changes === undefined) fromErrorOrigins(m, ctx, fast);
  for (const e of ctx.results.logEvidence?.evidence ?? []) {
    push(m, e.service, { kind: e.kind, score: e.score, text: e.text });
  }
  const ranked = [...m].map(([service, ev]) => {
    ev.sort((a, b) => b.score - a.score);
    const score = 1 - ev.reduce((p, e) => p * (1 - e.score), 1);
    return { service, score, evidence: ev };
  });
  ranked.sort((a, b) => b.score - a.score || a.service.localeCompare(b.service));
  const outside = dependencyReasons(ctx, known);
  return ranked.slice(0, cfg.top).map((r, i) => ({
    rank: i + 1,
    service: r.service,
    score: r.score,
    reasons: [...(outside.get(r.service) ?? []), ...r.evidence.map((e) => e.text)].slice(
      0,
      cfg.reasons,
    ),
    // The words for elsewhere (`away`) are the ranking's own: the report shows `text`.
    evidence: r.evidence.slice(0, 20).map(({ kind, score, text }) => ({ kind, score, text })),
  }));
}

/**
 * Per service whose errors start at calls to a dependency that sends no spans (a third-party
 * API, a database): that dependency named first among its reasons. The service stays the one
 * ranked, as the nearest place the traces can see, but the reader learns where to look.
 */
function dependencyReasons(
  ctx: AnalysisContext,
  known: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of ctx.results.errorOrigins?.services ?? []) {
    // Services of the system that did not record the calls have evidence of their own.
    const top = s.dependencies.filter((d) => peerService(d.peer, known) === undefined).slice(0, 3);
    if (top.length === 0) continue;
    const one = top.length === 1;
    const named = one ? top[0]!.peer : top.map((d) => `${d.peer} (${d.traces})`).join(', ');
    const traces = top.reduce((a, d) => a + d.traces, 0);
    out.set(s.service, [
      `errors start at its calls to ${named}, which send${one ? 's no spans of its own' : ' no spans of their own'} (${traces} of its ${s.traces} failing traces)`,
    ]);
  }
  return out;
}

export const rootCausesAnalysis: TraceAnalysis<'rootCauses', RootCausesConfig> = {
  key: 'rootCauses',
  description: 'services ranked by combined evidence, most likely root cause first',
  baseline: false,
  defaults: { top: 10, reasons: 3 },
  validate: (c) => [
    ...checkRange('top', c.top, 1, 1000),
    ...checkRange('reasons', c.reasons, 0, 100),
  ],
  create: (c) => ({ finish: (ctx) => rankRootCauses(c, ctx) }),
};
