/**
 * Stable names of what obs puts into Grafana: dashboard and folder uids (at most 40 characters,
 * Grafana's limit, so a re-import updates in place), datasource uids, tags and file names.
 */
import { createHash } from 'node:crypto';
import type { ServiceModel, SystemModel } from '../model/schema.js';

/** Grafana refuses uids longer than this. */
export const MAX_UID = 40;

/**
 * `parts` joined with '-'; when longer than MAX_UID, cut and suffixed with a hash of the whole so
 * that two long names still get different, stable uids.
 */
export function stableUid(...parts: string[]): string {
  const full = parts.join('-');
  if (full.length <= MAX_UID) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_UID - hash.length - 1)}-${hash}`;
}

export function folderUid(model: SystemModel): string {
  return stableUid('obs', model.name);
}

export function overviewUid(model: SystemModel): string {
  return stableUid('obs', model.name, 'overview');
}

export function serviceUid(model: SystemModel, service: ServiceModel): string {
  return stableUid('obs', model.name, 'svc', service.name);
}

/** Tags every obs dashboard of a system carries; dashboard links find siblings by them. */
export function systemTags(model: SystemModel): string[] {
  return ['obs', `system:${model.name}`];
}

/** Datasource uids the provisioning files declare and the dashboards default to. */
export const DATASOURCE_UIDS = {
  prometheus: 'obs-prometheus',
  jaeger: 'obs-jaeger',
  elasticsearch: 'obs-elasticsearch',
} as const;

/** File names under stackPaths(model).grafanaDashboards. */
export function overviewFile(): string {
  return 'overview.json';
}

export function serviceFile(service: ServiceModel): string {
  return `service-${service.name}.json`;
}
