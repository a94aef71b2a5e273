/**
 * The system overview: how every service is doing (rate, errors, latency), what is failing, the
 * Collector that carries the telemetry, and the alerts firing now. The model's facts are worked
 * out once (overview/facts.ts); each family of panels is built in its own module, and this one
 * lays them out in order.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { METRICS, SPAN_LABELS } from '../model/conventions.js';
import type { SystemModel } from '../model/schema.js';
import type { DashboardSettings } from './common.js';
import { baseDashboard, externalLink, jaegerSearchUrl, kibanaDiscoverUrl } from './common.js';
import { overviewUid } from './identity.js';
import { eq, re, selector } from './promql.js';
import { collectorPanels } from './overview/collector.js';
import { rateAndErrorGraphs } from './overview/errors.js';
import type { OverviewFacts } from './overview/facts.js';
import { overviewFacts } from './overview/facts.js';
import { failurePanels } from './overview/failures.js';
import { healthTables } from './overview/health.js';
import { latencyAndDurationGraphs } from './overview/latency.js';
import { SVC } from './overview/lines.js';

/**
 * The `$service` variable: services that report server spans (or consumer spans, when the model
 * has workers, and producer spans, when it has schedulers), limited to the model's.
 */
function serviceVariable(f: OverviewFacts): QueryVariableBuilder {
  const names = f.model.services.map((s) => s.name).join('|');
  const kind =
    f.kinds.length === 1
      ? eq(SPAN_LABELS.kind, f.kinds[0]!)
      : re(SPAN_LABELS.kind, f.kinds.join('|'));
  return new QueryVariableBuilder('service')
    .label('Service')
    .datasource({ type: 'prometheus', uid: '${datasource}' })
    .query(`label_values(${selector(METRICS.spanCalls, [kind])}, ${SVC})`)
    .regex(`/^(${names})$/`)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' })
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/** The dashboard with its `$service` variable and its links to traces and error logs. */
function overviewBase(f: OverviewFacts, s: DashboardSettings): DashboardBuilder {
  const { model } = f;
  return baseDashboard(model, s, {
    uid: overviewUid(model),
    title: `${model.name} / Overview`,
    description: f.webOnly
      ? `Every service of ${model.name}: request rate, errors and latency from span metrics, failing operations, the Collector and active alerts.`
      : `Every service of ${model.name}: the rate, errors and duration of its ${f.nouns.toLowerCase()} from span metrics, failing operations, the Collector and active alerts.`,
    tags: ['overview'],
  })
    .withVariable(serviceVariable(f))
    .link(
      externalLink(
        'Traces (Jaeger)',
        jaegerSearchUrl('${service}'),
        'Jaeger search, this time range',
      ),
    )
    .link(
      externalLink(
        'Error logs (Kibana)',
        kibanaDiscoverUrl([{ field: 'log.level', value: 'error' }]),
        'Kibana Discover: error log lines, this time range',
      ),
    );
}

export function overviewDashboard(model: SystemModel, s: DashboardSettings): DashboardBuilder {
  const f = overviewFacts(model);
  const rows: [string, cog.Builder<dashboard.Panel>[]][] = [
    ['Services', [...healthTables(f), ...rateAndErrorGraphs(f), ...latencyAndDurationGraphs(f)]],
    ['Failures', failurePanels(f)],
    ['Collector', collectorPanels()],
  ];
  const b = overviewBase(f, s);
  for (const [title, panels] of rows) {
    b.withRow(new RowBuilder(title));
    for (const p of panels) b.withPanel(p);
  }
  return b;
}
