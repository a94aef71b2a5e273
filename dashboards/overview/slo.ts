/**
 * The overview's lines against their services' SLOs. Each line is read against its own service's
 * SLO (sloOf), as its own dashboard and its alerts are. A column or graph has one set of levels
 * for all its lines: while the services it shows share an objective, its levels are that
 * objective's, and the ratios and latencies are coloured as they always were (the common case: no
 * service sets an SLO of its own). Where they differ, the levels of one would misjudge another (a
 * 0.3% error ratio is within 99.5% and over 99.9%): the overview then shows each service's burn
 * rate, its bad share over its own budget, which one set of levels reads right for all (1x: on
 * budget; FAST_BURN: the page of the burn-rate alerts), and leaves the ratio or latency beside it
 * uncoloured.
 */
import type { ServiceModel, SystemModel } from '../../model/schema.js';
import { sloOf } from '../../model/schema.js';
import {
  FAST_BURN,
  NO_SLO_FOR_SCHEDULERS,
  budgetOf,
  errorLevels,
  latencyLevels,
} from '../levels.js';
import type { Levels } from '../panels.js';
import { overBudget } from '../promql.js';
import { spanRed } from '../queries.js';
import { SVC, ownSelections } from './lines.js';

/** Unit of a burn rate: how many times faster than its SLO allows a service spends its budget. */
export const BURN_UNIT = 'suffix:x';

export const BURN_MEANS = `1x spends the budget exactly as fast as the SLO allows over 30 days; orange from 1x, red from ${FAST_BURN}x (the fast burn that pages)`;

/** Why schedulers' lines are not coloured, pointing at the overview's alerts table. */
export const SCHEDULER_NO_SLO = `${NO_SLO_FOR_SCHEDULERS} (see Active alerts).`;

/** Shared levels or burn rates: decided once per model, for errors and for latency apart. */
export interface SloReading {
  /**
   * The availability SLOs of web services and workers differ: their errors are shown as burn
   * rates. One decision for both, as they share the Error ratio graph.
   */
  readonly errorsBurn: boolean;
  /** The latency thresholds of web services differ: their latencies are shown as burn rates. */
  readonly latencyBurn: boolean;
  /** The shared availability SLO's levels; none while errors burn. */
  readonly errorLevels: Levels | undefined;
  /** The shared latency threshold's levels; none while latency burns. */
  readonly latencyLevels: Levels | undefined;
}

const availabilityOf = (model: SystemModel, x: ServiceModel) => sloOf(model, x).availability;
const thresholdOf = (model: SystemModel, x: ServiceModel) => sloOf(model, x).latencyThresholdMs;

/** Services grouped by a key (their objective), in model order, each group once. */
function groupBy<K>(
  services: readonly ServiceModel[],
  key: (x: ServiceModel) => K,
): ServiceModel[][] {
  const groups = new Map<K, ServiceModel[]>();
  for (const x of services) groups.set(key(x), [...(groups.get(key(x)) ?? []), x]);
  return [...groups.values()];
}

/** The SLO these services share (no service: no line is coloured by it). */
function sharedSlo(model: SystemModel, services: readonly ServiceModel[]) {
  return services[0] ? sloOf(model, services[0]) : model.slo;
}

/** Web services and workers have an SLO (sloServices); latency is read for web services alone. */
export function sloReading(
  model: SystemModel,
  sloServices: readonly ServiceModel[],
  webServices: readonly ServiceModel[],
): SloReading {
  const errorsBurn = groupBy(sloServices, (x) => availabilityOf(model, x)).length > 1;
  // Latency levels are the threshold's alone (latencyLevels): a latency target of its own does not
  // make a service's p95 read differently.
  const latencyBurn = groupBy(webServices, (x) => thresholdOf(model, x)).length > 1;
  return {
    errorsBurn,
    latencyBurn,
    errorLevels: errorsBurn ? undefined : errorLevels(sharedSlo(model, sloServices)),
    latencyLevels: latencyBurn ? undefined : latencyLevels(sharedSlo(model, webServices)),
  };
}

/** Error ratio over each service's own error budget (1 - availability). */
export function errorBurnExpr(model: SystemModel, services: readonly ServiceModel[]): string {
  return overBudget(
    groupBy(services, (x) => availabilityOf(model, x)).map((g) => ({
      ratio: spanRed(...ownSelections(g)).errorRatio([SVC]),
      budget: budgetOf(availabilityOf(model, g[0]!)),
    })),
  );
}

/** Share slower than each web service's own threshold, over its own latency budget. */
export function latencyBurnExpr(model: SystemModel, webServices: readonly ServiceModel[]): string {
  return overBudget(
    groupBy(webServices, (x) => `${thresholdOf(model, x)} ${sloOf(model, x).latencyTarget}`).map(
      (g) => ({
        ratio: spanRed(...ownSelections(g)).slowRatio(thresholdOf(model, g[0]!), [SVC]),
        budget: budgetOf(sloOf(model, g[0]!).latencyTarget),
      }),
    ),
  );
}
