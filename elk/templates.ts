/**
 * Index templates, component templates and the ILM policy for the services' log data streams.
 *
 * Why our own index templates (priority above 100) rather than the `logs@custom` component
 * template: `logs@custom` applies to every logs-*-* data stream in the cluster, including other
 * teams' and Fleet's, and a cluster has only one; obs would overwrite whatever is there and a
 * second apply could not tell its own content from theirs. One template per service, matching only
 * logs-<dataset>-*, changes nothing else, and lets each data stream default to its own pipeline.
 * They compose the managed logs@mappings, logs@settings and ecs@mappings (so the documents look as
 * in the managed template) and the user's logs@custom, all optional, then obs's own components,
 * which come last so our pipeline and ILM policy win.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { ServiceModel, SystemModel } from '../model/schema.js';
import { elkNames, managedMeta } from './names.js';

export type IndexTemplateRequest = estypes.IndicesPutIndexTemplateRequest;
export type ComponentTemplateRequest = estypes.ClusterPutComponentTemplateRequest;
export type IlmPolicyRequest = estypes.IlmPutLifecycleRequest;

export interface TemplateOptions {
  /** Must be above 100, the managed logs-*-* template's. */
  priority: number;
  rolloverMaxAge: string;
  rolloverMaxPrimaryShardSize: string;
}

/** Managed component templates of current Elasticsearch; composed when present. */
export const MANAGED_COMPONENTS = ['logs@mappings', 'logs@settings', 'logs@custom', 'ecs@mappings'];

export function ilmPolicy(model: SystemModel, opts: TemplateOptions): IlmPolicyRequest {
  return {
    name: elkNames(model).ilmPolicy,
    policy: {
      _meta: managedMeta(model),
      phases: {
        hot: {
          actions: {
            rollover: {
              max_age: opts.rolloverMaxAge,
              max_primary_shard_size: opts.rolloverMaxPrimaryShardSize,
            },
          },
        },
        // Counted from rollover: a backing index lives about retentionDays + rolloverMaxAge.
        delete: { min_age: `${model.stack.logs.retentionDays}d`, actions: { delete: {} } },
      },
    },
  };
}

const keyword = { type: 'keyword', ignore_above: 1024 } as const;
const text = { type: 'match_only_text' } as const;

/** ECS types of the fields the pipelines write; the same as ecs@mappings gives them. */
const MAPPINGS: estypes.MappingTypeMapping = {
  properties: {
    '@timestamp': { type: 'date' },
    message: text,
    tags: keyword,
    log: { properties: { level: keyword, logger: keyword } },
    service: { properties: { name: keyword, environment: keyword } },
    trace: { properties: { id: keyword } },
    span: { properties: { id: keyword } },
    error: {
      properties: {
        type: keyword,
        message: text,
        stack_trace: { type: 'wildcard', fields: { text: text } },
      },
    },
    event: { properties: { original: { type: 'keyword', index: false, doc_values: false } } },
    process: { properties: { pid: { type: 'long' } } },
    host: { properties: { hostname: keyword } },
    source: { properties: { address: keyword, port: { type: 'long' } } },
    http: {
      properties: {
        version: keyword,
        request: { properties: { id: keyword, method: keyword, referrer: keyword } },
        response: {
          properties: {
            status_code: { type: 'long' },
            body: { properties: { bytes: { type: 'long' } } },
          },
        },
      },
    },
    url: { properties: { original: { type: 'wildcard' } } },
    user_agent: { properties: { original: keyword } },
    labels: { type: 'object' },
  },
};

export function componentTemplates(model: SystemModel): ComponentTemplateRequest[] {
  const names = elkNames(model);
  return [
    {
      name: names.settingsComponent,
      _meta: managedMeta(model),
      // Settings as Elasticsearch stores them (nested, string values), so a re-apply compares equal.
      template: { settings: { index: { lifecycle: { name: names.ilmPolicy } } } },
    },
    { name: names.mappingsComponent, _meta: managedMeta(model), template: { mappings: MAPPINGS } },
  ];
}

export function indexTemplate(
  model: SystemModel,
  service: ServiceModel,
  opts: TemplateOptions,
): IndexTemplateRequest {
  const names = elkNames(model);
  return {
    name: names.indexTemplate(service),
    index_patterns: [names.indexPattern(service)],
    data_stream: {},
    priority: opts.priority,
    composed_of: [...MANAGED_COMPONENTS, names.settingsComponent, names.mappingsComponent],
    ignore_missing_component_templates: [...MANAGED_COMPONENTS],
    template: { settings: { index: { default_pipeline: names.servicePipeline(service) } } },
    _meta: { ...managedMeta(model), service: service.name },
  };
}
