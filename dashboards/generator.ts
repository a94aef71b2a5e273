/**
 * The two Grafana generators `obs init` runs: the dashboards (JSON models under
 * stackPaths().grafanaDashboards) and the provisioning files that load them and declare the
 * datasources (under stackPaths().grafanaProvisioning). Both are pure.
 */
import { stackPaths } from '../model/conventions.js';
import type { Generator } from '../model/generator.js';
import type { SystemModel } from '../model/schema.js';
import type { DashboardOptions } from './build.js';
import { DASHBOARD_DEFAULTS, buildDashboards, dashboardSettings } from './build.js';
import { MAX_UID } from './identity.js';
import type { ProvisioningConfig } from './provisioning.js';
import { PROVISIONING_DEFAULTS, provisioningFiles, validateProvisioning } from './provisioning.js';

export type DashboardsConfig = DashboardOptions;

/** The JSON text of a dashboard file: stable key order as built, two-space indent. */
export function dashboardText(json: unknown): string {
  return JSON.stringify(json, null, 2) + '\n';
}

function checkUrl(what: string, url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return [];
  } catch {
    // reported below
  }
  return [`${what} must be an http(s) URL, got ${JSON.stringify(url)}`];
}

export const dashboardsGenerator: Generator<DashboardsConfig> = {
  name: 'grafana-dashboards',
  description: 'Grafana dashboards: a system overview and one per service',
  defaults: DASHBOARD_DEFAULTS,
  validate(model, config) {
    const problems: string[] = [];
    const s = dashboardSettings(model, config);
    if (!/^now(-\d+[smhdwMy])?$/.test(s.timeFrom)) {
      problems.push(`timeFrom must look like now-1h, got ${JSON.stringify(s.timeFrom)}`);
    }
    if (!/^(\d+[smhd])?$/.test(s.refresh)) {
      problems.push(`refresh must look like 30s or be empty, got ${JSON.stringify(s.refresh)}`);
    }
    problems.push(
      ...checkUrl('jaegerUrl', config.jaegerUrl),
      ...checkUrl('kibanaUrl', config.kibanaUrl),
    );
    if (problems.length === 0) {
      const seen = new Map<string, string>();
      for (const d of buildDashboards(model, config).dashboards) {
        if (d.uid.length > MAX_UID)
          problems.push(`dashboard uid ${d.uid} is longer than ${MAX_UID} characters`);
        const other = seen.get(d.uid);
        if (other !== undefined)
          problems.push(`dashboards ${other} and ${d.file} have the same uid ${d.uid}`);
        seen.set(d.uid, d.file);
      }
    }
    return problems;
  },
  generate(model, config) {
    const dir = stackPaths(model).grafanaDashboards;
    const built = buildDashboards(model, config);
    return {
      files: built.dashboards.map((d) => ({
        path: `${dir}/${d.file}`,
        content: dashboardText(d.json),
      })),
      notes: built.notes,
    };
  },
};

export const grafanaProvisioningGenerator: Generator<ProvisioningConfig> = {
  name: 'grafana-provisioning',
  description:
    'Grafana provisioning: Prometheus, Jaeger and Elasticsearch datasources and the dashboards provider',
  defaults: PROVISIONING_DEFAULTS,
  validate: (model: SystemModel, config: ProvisioningConfig) => validateProvisioning(model, config),
  generate: (model: SystemModel, config: ProvisioningConfig) => ({
    files: provisioningFiles(model, config),
  }),
};
