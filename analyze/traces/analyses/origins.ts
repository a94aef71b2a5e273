/**
 * Where an error starts in a trace: the rules error origin (error-origin.ts) and the baseline
 * comparison's per-operation counts (profile.ts) share, so that "errors start here" means the
 * same in both.
 */
import { GRPC_STATUS, grpcIsError } from '../span.js';
import type { Trace } from '../trace.js';

/**
 * Whether failed span `i` is a call the callee answered with a 4xx (or a gRPC code such as
 * NOT_FOUND) that it does not count as its own failure (a declined payment, a missing item):
 * the client side marks every 4xx and non-OK code failed, but the answer is a decision, not an
 * error. If the caller then fails, that is its own doing. A callee without spans of its own (a
 * third-party API, an uninstrumented service) is taken at its word the same way: a 404 for an
 * avatar that does not exist is no error of the caller's.
 */
export function refusedByCallee(t: Trace, i: number): boolean {
  const s = t.spans[i]!;
  const answer =
    s.httpStatus !== undefined
      ? s.httpStatus >= 400 && s.httpStatus < 500
      : s.grpcStatus !== undefined &&
        s.grpcStatus !== GRPC_STATUS.OK &&
        !grpcIsError(s.grpcStatus, 'server');
  if (!answer) return false;
  const remote = t.children[i]!.filter((c) => t.spans[c]!.service !== s.service);
  if (remote.length > 0) return remote.every((c) => !t.spans[c]!.error);
  return s.kind === 'client' && t.children[i]!.length === 0;
}

/** Whether failed leaf `i` is in-process work that follows a failed sibling (error-origin.ts says why). */
function reportsSibling(t: Trace, i: number): boolean {
  const s = t.spans[i]!;
  if (s.kind !== 'internal' && s.kind !== 'unspecified') return false;
  const p = t.parent[i]!;
  if (p < 0 || t.spans[p]!.service !== s.service) return false;
  return t.children[p]!.some((c) => c !== i && t.spans[c]!.error && t.spans[c]!.end <= s.start);
}

/**
 * Whether span `i` is where an error starts: it failed (not merely as a callee's answer), none of
 * its children failed but as such an answer, and it is not in-process work reporting a failed
 * sibling.
 */
export function startsError(t: Trace, i: number): boolean {
  return t.spans[i]!.error && !refusedByCallee(t, i) && failureStarts(t, i);
}

/**
 * `startsError` for a span already known to have failed, not merely as a callee's answer: for a
 * caller that has checked that itself, and need not check it again.
 */
export function failureStarts(t: Trace, i: number): boolean {
  const { spans, children } = t;
  return (
    !children[i]!.some((c) => spans[c]!.error && !refusedByCallee(t, c)) && !reportsSibling(t, i)
  );
}
