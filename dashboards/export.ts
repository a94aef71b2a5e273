/**
 * The grafana.com import format: the dashboard JSON with `__inputs` (what the importer asks for:
 * a Prometheus datasource and the Jaeger and Kibana URLs) and `__requires` (Grafana version,
 * plugins and panel types), and `${DS_…}`/`${VAR_…}` placeholders where those values go. Only
 * Grafana's import (UI or POST /api/dashboards/import) resolves the placeholders.
 */
import { URL_VARIABLES } from './common.js';
import type { DashboardJson } from './grafana.js';

/** Oldest Grafana the dashboards are written for (schema of the foundation SDK works from 10). */
export const MIN_GRAFANA = '10.0.0';

export const EXPORT_INPUTS = {
  prometheus: 'DS_PROMETHEUS',
  jaegerUrl: 'VAR_JAEGER_URL',
  kibanaUrl: 'VAR_KIBANA_URL',
} as const;

const PANEL_NAMES: Record<string, string> = {
  timeseries: 'Time series',
  stat: 'Stat',
  table: 'Table',
};

interface Variable {
  name?: string;
  type?: string;
  query?: unknown;
  current?: unknown;
  options?: unknown;
  [key: string]: unknown;
}

interface Panel {
  type?: string;
  panels?: Panel[];
}

function panelTypes(panels: readonly Panel[], into: Set<string>): Set<string> {
  for (const p of panels) {
    if (p.type === 'row') panelTypes(p.panels ?? [], into);
    else if (p.type) into.add(p.type);
  }
  return into;
}

function placeholder(name: string): string {
  return `\${${name}}`;
}

/** The dashboard in the grafana.com import format; the input is not changed. */
export function toGrafanaComFormat(d: DashboardJson): Record<string, unknown> {
  const copy = structuredClone(d);
  const templating = copy.templating as { list?: Variable[] } | undefined;
  const urlInputs: Record<string, string> = {
    [URL_VARIABLES.jaeger]: EXPORT_INPUTS.jaegerUrl,
    [URL_VARIABLES.kibana]: EXPORT_INPUTS.kibanaUrl,
  };
  const constants: Record<string, string> = {};
  for (const v of templating?.list ?? []) {
    if (v.type === 'datasource' && v.query === 'prometheus') {
      const ds = placeholder(EXPORT_INPUTS.prometheus);
      v.current = { selected: true, text: ds, value: ds };
    }
    const input = v.name === undefined ? undefined : urlInputs[v.name];
    if (v.type === 'constant' && input !== undefined) {
      constants[input] = typeof v.query === 'string' ? v.query : '';
      const value = placeholder(input);
      v.query = value;
      v.current = { selected: true, text: value, value };
      v.options = [{ selected: true, text: value, value }];
    }
  }
  copy.id = null;
  delete copy.version;
  const types = [...panelTypes((copy.panels as Panel[] | undefined) ?? [], new Set())].sort();
  return {
    __inputs: [
      {
        name: EXPORT_INPUTS.prometheus,
        label: 'Prometheus',
        description: "Prometheus that scrapes the OpenTelemetry Collector's span metrics",
        type: 'datasource',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
      },
      ...Object.entries(constants).map(([name, value]) => ({
        name,
        label: name === EXPORT_INPUTS.jaegerUrl ? 'Jaeger UI URL' : 'Kibana URL',
        description:
          name === EXPORT_INPUTS.jaegerUrl
            ? 'Base URL trace links open'
            : 'Base URL log links open',
        type: 'constant',
        value,
      })),
    ],
    __elements: {},
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: MIN_GRAFANA },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ...types.map((t) => ({ type: 'panel', id: t, name: PANEL_NAMES[t] ?? t, version: '' })),
    ],
    ...copy,
  };
}
