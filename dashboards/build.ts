/**
 * All dashboards of a system as plain Grafana JSON models: the overview and one per service.
 * Used by the generator (files under stackPaths().grafanaDashboards) and by `obs dashboards
 * push|export` when they work from the model directly.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { SystemModel } from '../model/schema.js';
import type { DashboardSettings } from './common.js';
import type { DashboardJson } from './grafana.js';
import { numberPanels } from './common.js';
import { overviewFile, serviceFile } from './identity.js';
import { overviewDashboard } from './overview.js';
import { serviceDashboard } from './service.js';

/** Options of the dashboards; each default is applied once, in dashboardSettings(). */
export interface DashboardOptions {
  /** Command named in each dashboard's provenance note. Default `obs init`. */
  command?: string;
  /** Default time range of every dashboard (Grafana syntax). Default `now-1h`. */
  timeFrom?: string;
  /** Auto-refresh interval. Default `30s`. */
  refresh?: string;
  /**
   * Jaeger UI base URL that trace links open. Default: the stack's Jaeger,
   * http://<stack.bindAddress>:<stack.ports.jaegerUi> (localhost when bound to every address).
   */
  jaegerUrl?: string;
  /** Kibana base URL that log links open. Default: the stack's Kibana, as for jaegerUrl. */
  kibanaUrl?: string;
}

export const DASHBOARD_DEFAULTS = {
  command: 'obs init',
  timeFrom: 'now-1h',
  refresh: '30s',
} as const satisfies DashboardOptions;

export interface BuiltDashboard {
  /** File name under the dashboards folder. */
  file: string;
  uid: string;
  title: string;
  /** The plain JSON model, exactly as it is written to its file and pushed. */
  json: DashboardJson;
}

export interface BuiltDashboards {
  dashboards: BuiltDashboard[];
  notes: string[];
}

/** Where a browser on the host reaches a published stack port. */
function hostUrl(model: SystemModel, port: number): string {
  const bind = model.stack.bindAddress;
  const host =
    bind === '0.0.0.0' || bind === '::' ? 'localhost' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${port}`;
}

export function dashboardSettings(model: SystemModel, o: DashboardOptions): DashboardSettings {
  const trim = (url: string) => url.replace(/\/+$/, '');
  return {
    command: o.command ?? DASHBOARD_DEFAULTS.command,
    timeFrom: o.timeFrom ?? DASHBOARD_DEFAULTS.timeFrom,
    refresh: o.refresh ?? DASHBOARD_DEFAULTS.refresh,
    jaegerUrl: trim(o.jaegerUrl ?? hostUrl(model, model.stack.ports.jaegerUi)),
    kibanaUrl: trim(o.kibanaUrl ?? hostUrl(model, model.stack.ports.kibana)),
  };
}

export function buildDashboards(
  model: SystemModel,
  options: DashboardOptions = {},
): BuiltDashboards {
  const s = dashboardSettings(model, options);
  const notes: string[] = [];
  const out: BuiltDashboard[] = [];
  const add = (file: string, d: dashboard.Dashboard) => {
    // Through JSON once: what is pushed is byte for byte what a file would hold.
    const json = JSON.parse(JSON.stringify(numberPanels(d))) as DashboardJson;
    out.push({ file, uid: d.uid ?? '', title: d.title ?? '', json });
  };
  add(overviewFile(), overviewDashboard(model, s).build());
  for (const service of model.services) {
    const d = serviceDashboard(model, service, s);
    notes.push(...d.notes);
    add(serviceFile(service), d.builder.build());
  }
  return { dashboards: out, notes };
}
