/** Threshold levels derived from a service's SLO, so panels turn orange where the SLO is at risk. */
import type { SloModel } from '../model/schema.js';
import type { Levels } from './panels.js';
import { badAbove } from './panels.js';

/** Burn rate at which a 30-day error budget is gone in about two days (SRE workbook, fast burn). */
export const FAST_BURN = 14.4;

/** The budget of an objective (an availability or latency target): the share that may be bad. */
export function budgetOf(target: number): number {
  return round(1 - target);
}

/** Orange at the error budget (1 - availability), red at FAST_BURN times it. */
export function errorLevels(slo: SloModel): Levels {
  const budget = 1 - slo.availability;
  return badAbove(round(budget), round(Math.min(1, budget * FAST_BURN)));
}

/**
 * For a burn rate (a service's bad share over its own budget): orange at 1 (the budget spent as
 * fast as the SLO allows), red at FAST_BURN (the page of the burn-rate alerts).
 */
export const BURN_LEVELS: Levels = badAbove(1, FAST_BURN);

/**
 * Why a scheduler's error ratio is not coloured, for descriptions (ends without a full stop). A
 * scheduler has no SLO (it serves nothing and consumes nothing; the model gives it no SLO rules):
 * a failed publish is a scheduled run lost, for which ServiceTaskPublishFailing fires at the
 * first one.
 */
export const NO_SLO_FOR_SCHEDULERS =
  'Not coloured: a scheduler has no SLO, and ServiceTaskPublishFailing fires at its first failed publish';

/** Orange at the latency SLO threshold, red at twice it; seconds. */
export function latencyLevels(slo: SloModel): Levels {
  const threshold = slo.latencyThresholdMs / 1000;
  return badAbove(round(threshold), round(threshold * 2));
}

/** One level in the theme's text colour: a value that no SLO rates, neither green nor red. */
export const UNCOLOURED: Levels = [{ value: null, color: 'text' }];

/** Floating-point noise (0.005000000000000004) out of generated JSON. */
function round(x: number): number {
  return Number(x.toPrecision(6));
}
