/**
 * The rate and error graphs, per service over time. The SLO's levels are drawn across a whole
 * graph: schedulers' error ratios, which have no SLO, are graphed apart, and the rate and the two
 * error ratios then share a line.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { BURN_LEVELS } from '../levels.js';
import { timeseries } from '../panels.js';
import { spanRed } from '../queries.js';
import type { OverviewFacts } from './facts.js';
import { LEGEND, SVC, workNouns } from './lines.js';
import { BURN_MEANS, BURN_UNIT, SCHEDULER_NO_SLO, errorBurnExpr } from './slo.js';

/** Full width, or a third when the schedulers' error graph stands beside the SLO's. */
function spanOf(f: OverviewFacts): number {
  return f.select.slo.length > 0 && f.select.schedulers.length > 0 ? 8 : 12;
}

function rateGraph(f: OverviewFacts): cog.Builder<dashboard.Panel> {
  return timeseries(
    f.webOnly ? 'Request rate' : `Rate: ${f.nouns.toLowerCase()}`,
    f.webOnly
      ? 'Server requests per second, per service.'
      : `${f.nouns} per second, per service.${f.what.all}`,
    [{ expr: spanRed(...f.select.all).rate([SVC]), legend: LEGEND }],
    { unit: 'reqps', min: 0, span: spanOf(f) },
  );
}

/**
 * Web services' and workers' errors against their availability SLO: the error ratio coloured by
 * its levels while they share one, else each service's error budget burn.
 */
function sloErrorGraph(f: OverviewFacts): cog.Builder<dashboard.Panel> {
  const counted = f.webOnly ? 'server requests' : workNouns(f.sloServices).toLowerCase();
  const lines = `${f.what.web}${f.what.workers}${
    f.schedulers.length === 0 ? '' : ' Schedulers in the graph beside, without these levels.'
  }`;
  const span = spanOf(f);
  return f.slo.errorsBurn
    ? timeseries(
        'Error budget burn',
        `Share of ${counted} that failed (span status ERROR) over the service's own error budget (1 - its availability SLO), per service: the services' availability SLOs differ, and one set of levels reads every line right as a burn rate.${lines} ${BURN_MEANS}. The error ratios are in the tables above.`,
        [{ expr: errorBurnExpr(f.model, f.sloServices), legend: LEGEND }],
        { unit: BURN_UNIT, min: 0, levels: BURN_LEVELS, span },
      )
    : timeseries(
        'Error ratio',
        `Share of ${counted} that failed (span status ERROR), per service.${lines} Orange: the error budget of the availability SLO; red: 14.4 times it (a fast burn).`,
        [{ expr: spanRed(...f.select.slo).errorRatio([SVC]), legend: LEGEND }],
        { unit: 'percentunit', min: 0, levels: f.slo.errorLevels, span },
      );
}

function schedulerErrorGraph(f: OverviewFacts): cog.Builder<dashboard.Panel> {
  return timeseries(
    'Error ratio: published tasks',
    `Share of published tasks that failed (span status ERROR), per service.${f.what.schedulers} ${SCHEDULER_NO_SLO}`,
    [{ expr: spanRed(...f.select.schedulers).errorRatio([SVC]), legend: LEGEND }],
    { unit: 'percentunit', min: 0, span: spanOf(f) },
  );
}

/** The rate of every line, then the errors of those with an SLO, then schedulers'. */
export function rateAndErrorGraphs(f: OverviewFacts): cog.Builder<dashboard.Panel>[] {
  return [
    rateGraph(f),
    ...(f.select.slo.length > 0 ? [sloErrorGraph(f)] : []),
    ...(f.select.schedulers.length > 0 ? [schedulerErrorGraph(f)] : []),
  ];
}
