/**
 * Panel presets: plain functions returning foundation-SDK builders, so the dashboards read as a
 * list of panels. Every panel and query uses the `$datasource` variable, never a fixed uid.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
  GraphThresholdsStyleConfigBuilder,
  ReduceDataOptionsBuilder,
  TableSortByFieldStateBuilder,
  LegendDisplayMode,
  LegendPlacement,
  TooltipDisplayMode,
  SortOrder,
  GraphThresholdsStyleMode,
  BigValueGraphMode,
  BigValueColorMode,
} from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  DashboardLinkBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and query points at the dashboard's `$datasource` variable. */
export const PROMETHEUS_DS = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Query {
  expr: string;
  /** Legend template, e.g. `{{span_name}}`. */
  legend?: string;
}

export interface Link {
  title: string;
  url: string;
}

/** Threshold steps, lowest first; the first step's value is null (from -infinity). */
export type Levels = readonly dashboard.Threshold[];

/** Green, orange from `warn`, red from `crit`: for error ratios and latencies. */
export function badAbove(warn: number, crit: number): Levels {
  return [
    { value: null, color: 'green' },
    { value: warn, color: 'orange' },
    { value: crit, color: 'red' },
  ];
}

/** Red below `ok`, green from it: for `up` and similar. */
export function goodFrom(ok: number): Levels {
  return [
    { value: null, color: 'red' },
    { value: ok, color: 'green' },
  ];
}

function refId(i: number): string {
  return String.fromCharCode(65 + i);
}

function target(q: Query, i: number, instant: boolean): DataqueryBuilder {
  const t = new DataqueryBuilder().datasource(PROMETHEUS_DS).refId(refId(i)).expr(q.expr);
  if (q.legend !== undefined) t.legendFormat(q.legend);
  if (instant) t.instant().format(PromQueryFormat.Table);
  else t.range();
  return t;
}

function thresholds(levels: Levels | undefined): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps(levels ? [...levels] : [{ value: null, color: 'green' }]);
}

function dataLinks(links: readonly Link[]): cog.Builder<dashboard.DashboardLink>[] {
  return links.map((l) => new DashboardLinkBuilder(l.title).url(l.url).targetBlank(true));
}

export interface TimeseriesOptions {
  unit: string;
  levels?: Levels;
  min?: number;
  max?: number;
  span?: number;
  links?: readonly Link[];
}

/** A time series panel; levels draw as dashed lines. */
export function timeseries(
  title: string,
  description: string,
  queries: readonly Query[],
  opts: TimeseriesOptions,
): TimeseriesPanelBuilder {
  const p = new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS_DS)
    .unit(opts.unit)
    .span(opts.span ?? 12)
    .height(8)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(
      new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending),
    )
    .thresholds(thresholds(opts.levels))
    .thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(
        opts.levels ? GraphThresholdsStyleMode.Dashed : GraphThresholdsStyleMode.Off,
      ),
    );
  if (opts.min !== undefined) p.min(opts.min);
  if (opts.max !== undefined) p.max(opts.max);
  if (opts.links) p.dataLinks(dataLinks(opts.links));
  queries.forEach((q, i) => p.withTarget(target(q, i, false)));
  return p;
}

export interface StatOptions {
  unit: string;
  levels?: Levels;
  span?: number;
  decimals?: number;
}

/** A single number with a sparkline, coloured by its levels. */
export function stat(
  title: string,
  description: string,
  query: Query,
  opts: StatOptions,
): StatPanelBuilder {
  const p = new StatPanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS_DS)
    .unit(opts.unit)
    .span(opts.span ?? 6)
    .height(4)
    .graphMode(BigValueGraphMode.Area)
    .colorMode(BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(opts.levels))
    .withTarget(target(query, 0, false));
  if (opts.decimals !== undefined) p.decimals(opts.decimals);
  return p;
}

export interface Column {
  /** Column header; also the name unit and level overrides match. */
  header: string;
  expr: string;
  unit: string;
  levels?: Levels;
}

export interface TableOptions {
  /** Label columns to show, in order; others are hidden. */
  labels: readonly string[];
  /** Show every label column but these (instead of only `labels`). */
  allLabelsBut?: readonly string[];
  /** Headers for the label columns. */
  labelHeaders?: Record<string, string>;
  /** Text shown for label values, per label: e.g. `{ span_kind: { SPAN_KIND_SERVER: 'request' } }`. */
  labelTexts?: Record<string, Record<string, string>>;
  span?: number;
  height?: number;
  links?: readonly Link[];
  /** Sort by this header, descending. */
  sortBy?: string;
}

/**
 * A table with one row per label set and one column per instant query, joined on the labels
 * (Grafana's `merge` transformation), headers renamed by `organize`.
 */
export function table(
  title: string,
  description: string,
  columns: readonly Column[],
  opts: TableOptions,
): TablePanelBuilder {
  const rename: Record<string, string> = { ...opts.labelHeaders };
  const indexByName: Record<string, number> = {};
  opts.labels.forEach((l, i) => (indexByName[l] = i));
  columns.forEach((c, i) => {
    const field = columns.length === 1 ? 'Value' : `Value #${refId(i)}`;
    rename[field] = c.header;
    indexByName[field] = opts.labels.length + i;
  });
  const p = new TablePanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS_DS)
    .span(opts.span ?? 24)
    .height(opts.height ?? 8)
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: {
        // Keep only the label columns asked for and the values; drop Time and the rest.
        excludeByName: Object.fromEntries(
          ['Time', ...(opts.allLabelsBut ?? [])].map((k) => [k, true]),
        ),
        includeByName: opts.allLabelsBut
          ? {}
          : Object.fromEntries(Object.keys(indexByName).map((k) => [k, true])),
        indexByName,
        renameByName: rename,
      },
    });
  if (opts.links) p.dataLinks(dataLinks(opts.links));
  columns.forEach((c, i) => {
    p.withTarget(target({ expr: c.expr }, i, true));
    const props: dashboard.DynamicConfigValue[] = [{ id: 'unit', value: c.unit }];
    if (c.levels) {
      props.push(
        { id: 'thresholds', value: thresholds(c.levels).build() },
        { id: 'custom.cellOptions', value: { type: 'color-text' } },
      );
    }
    p.overrideByName(c.header, props);
  });
  for (const [label, texts] of Object.entries(opts.labelTexts ?? {})) {
    const options = Object.fromEntries(
      Object.entries(texts).map(([value, text], index) => [value, { text, index }]),
    );
    p.overrideByName(rename[label] ?? label, [
      { id: 'mappings', value: [{ type: 'value', options }] },
    ]);
  }
  if (opts.sortBy !== undefined) {
    p.sortBy([new TableSortByFieldStateBuilder().displayName(opts.sortBy).desc(true)]);
  }
  return p;
}
