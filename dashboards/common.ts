/**
 * What every obs dashboard shares: identity, provenance, time settings, the `$datasource`
 * variable, links to its siblings and to Jaeger and Kibana, and stable panel ids.
 */
import {
  ConstantVariableBuilder,
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { generatedHeader } from '../model/generator.js';
import type { SystemModel } from '../model/schema.js';
import { DATASOURCE_UIDS, systemTags } from './identity.js';

/** Config shared by the dashboard presets; documented on DashboardsConfig. */
export interface DashboardSettings {
  command: string;
  timeFrom: string;
  refresh: string;
  jaegerUrl: string;
  kibanaUrl: string;
}

/** Variables that hold the Jaeger and Kibana base URLs links use (export turns them into inputs). */
export const URL_VARIABLES = { jaeger: 'jaeger_url', kibana: 'kibana_url' } as const;

export function baseDashboard(
  model: SystemModel,
  s: DashboardSettings,
  init: { uid: string; title: string; description: string; tags: string[] },
): DashboardBuilder {
  const provenance = generatedHeader(s.command, '').trim();
  return new DashboardBuilder(init.title)
    .uid(init.uid)
    .description(`${init.description} ${provenance}`)
    .tags([...systemTags(model), ...init.tags])
    .editable()
    .time({ from: s.timeFrom, to: 'now' })
    .refresh(s.refresh)
    .timezone('browser')
    .withVariable(
      new DatasourceVariableBuilder('datasource')
        .label('Prometheus')
        .type('prometheus')
        .current({ text: 'Prometheus', value: DATASOURCE_UIDS.prometheus }),
    )
    .withVariable(new ConstantVariableBuilder(URL_VARIABLES.jaeger).value(s.jaegerUrl))
    .withVariable(new ConstantVariableBuilder(URL_VARIABLES.kibana).value(s.kibanaUrl))
    .link(
      new DashboardLinkBuilder('obs dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags(systemTags(model))
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true),
    );
}

/** An external link in the dashboard header, opened in a new tab. */
export function externalLink(title: string, url: string, tooltip: string): DashboardLinkBuilder {
  return new DashboardLinkBuilder(title)
    .type(DashboardLinkType.Link)
    .url(url)
    .tooltip(tooltip)
    .icon('external link')
    .targetBlank(true);
}

/** Jaeger's search page for a service over the dashboard's time range (Jaeger wants µs). */
export function jaegerSearchUrl(service: string, operation?: string): string {
  const op = operation === undefined ? '' : `&operation=${operation}`;
  return `\${${URL_VARIABLES.jaeger}}/search?service=${service}${op}&lookback=custom&start=\${__from}000&end=\${__to}000&limit=20`;
}

/**
 * Kibana Discover over the dashboard's time range, filtered by `field:"value"` pairs (KQL, AND).
 * Values may be Grafana variables, so only the KQL punctuation is encoded here.
 */
export function kibanaDiscoverUrl(filters: readonly { field: string; value: string }[]): string {
  const kql = filters.map((f) => `${f.field}:%22${f.value}%22`).join('%20and%20');
  return `\${${URL_VARIABLES.kibana}}/app/discover#/?_g=(time:(from:'\${__from:date:iso}',to:'\${__to:date:iso}'))&_a=(query:(language:kuery,query:'${kql}'))`;
}

/** Grafana reads panels without ids but edits them badly: number them in layout order. */
export function numberPanels(d: dashboard.Dashboard): dashboard.Dashboard {
  let id = 0;
  for (const p of d.panels ?? []) {
    p.id = ++id;
    if ('panels' in p && Array.isArray(p.panels)) {
      for (const inner of p.panels) inner.id = ++id;
    }
  }
  return d;
}
