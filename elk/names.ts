/**
 * Names of everything obs installs in Elasticsearch and Kibana for a system. One place, so the
 * generated files, `obs elk apply` and the Logstash pipeline agree. Every name carries the system
 * name, so two systems can share a cluster.
 */
import { logsDataStream } from '../model/conventions.js';
import type { ServiceModel, SystemModel } from '../model/schema.js';

export function elkNames(model: SystemModel) {
  const base = `obs-${model.name}-logs`;
  return {
    ilmPolicy: base,
    /** Component templates: settings (ILM policy) and mappings (ECS fields of LOG_FIELDS). */
    settingsComponent: `${base}@settings`,
    mappingsComponent: `${base}@mappings`,
    /** Shared pipeline: JSON or plain text, then normalization. */
    pipeline: base,
    /** Sub-pipeline for JSON lines (our instrumentation, pino, python-json-logger). */
    jsonPipeline: `${base}-json`,
    /** Sub-pipeline for plain-text lines (Python logging, Flask, gunicorn, uvicorn, Node errors). */
    textPipeline: `${base}-text`,
    /** Per service: the default pipeline of its data stream, and its index template. */
    servicePipeline: (service: ServiceModel) => `${base}-${logsDataStream(model, service).dataset}`,
    indexTemplate: (service: ServiceModel) => `${base}-${logsDataStream(model, service).dataset}`,
    /** Index pattern of a service's data streams in every namespace. */
    indexPattern: (service: ServiceModel) => `logs-${logsDataStream(model, service).dataset}-*`,
    /** Kibana saved object ids (stable, so re-imports overwrite in place). */
    dataView: base,
    errorsSearch: `obs-${model.name}-errors-by-service`,
    traceSearch: `obs-${model.name}-trace-lookup`,
  } as const;
}

/** `_meta` every resource carries, so a person looking at the cluster knows who manages it. */
export function managedMeta(model: SystemModel) {
  return {
    managed_by: 'obs',
    system: model.name,
    note: 'Installed by `obs elk apply` from obs.yaml: change obs.yaml and re-run rather than editing here.',
  };
}
