/**
 * Everything `obs elk apply` installs in Elasticsearch, in install order, with the config (and its
 * defaults) both the apply command and the file generator use. Bodies are the client's own request
 * types, so a misspelt field fails the typecheck.
 */
import { logsDataStream } from '../model/conventions.js';
import type { SystemModel } from '../model/schema.js';
import { ingestPipelines } from './pipelines.js';
import type { PipelineRequest } from './pipelines.js';
import { componentTemplates, ilmPolicy, indexTemplate } from './templates.js';
import type {
  ComponentTemplateRequest,
  IlmPolicyRequest,
  IndexTemplateRequest,
} from './templates.js';

export interface ElasticsearchConfig {
  /** Priority of obs's index templates; above 100, the managed logs-*-* template. Default 200. */
  templatePriority: number;
  /** Hot phase: roll over after this age. Default `1d`. */
  rolloverMaxAge: string;
  /** Hot phase: roll over at this primary shard size. Default `50gb`. */
  rolloverMaxPrimaryShardSize: string;
  /** Keep the raw line in `event.original` (ECS). Default false: it doubles what is stored. */
  keepOriginal: boolean;
  /** Time zone of plain-text timestamps that carry none, e.g. Python's asctime. Default `UTC`. */
  textTimezone: string;
}

export const ELASTICSEARCH_DEFAULTS: ElasticsearchConfig = {
  templatePriority: 200,
  rolloverMaxAge: '1d',
  rolloverMaxPrimaryShardSize: '50gb',
  keepOriginal: false,
  textTimezone: 'UTC',
};

export type ElasticResource =
  | { kind: 'ilm_policy'; name: string; body: IlmPolicyRequest }
  | { kind: 'ingest_pipeline'; name: string; body: PipelineRequest }
  | { kind: 'component_template'; name: string; body: ComponentTemplateRequest }
  | { kind: 'index_template'; name: string; body: IndexTemplateRequest };

export type ResourceKind = ElasticResource['kind'];

/** In install order: what a resource refers to is installed before it. */
export function elasticResources(
  model: SystemModel,
  config: ElasticsearchConfig = ELASTICSEARCH_DEFAULTS,
): ElasticResource[] {
  const opts = {
    priority: config.templatePriority,
    rolloverMaxAge: config.rolloverMaxAge,
    rolloverMaxPrimaryShardSize: config.rolloverMaxPrimaryShardSize,
  };
  const policy = ilmPolicy(model, opts);
  return [
    { kind: 'ilm_policy', name: policy.name, body: policy },
    ...ingestPipelines(model, config).map((body): ElasticResource => ({
      kind: 'ingest_pipeline',
      name: body.id,
      body,
    })),
    ...componentTemplates(model).map((body): ElasticResource => ({
      kind: 'component_template',
      name: body.name,
      body,
    })),
    ...model.services.map((s): ElasticResource => {
      const body = indexTemplate(model, s, opts);
      return { kind: 'index_template', name: body.name, body };
    }),
  ];
}

const AGE = /^\d+(d|h|m|s)$/;
const SIZE = /^\d+(b|kb|mb|gb|tb)$/;
/** What Elasticsearch accepts in a data stream's dataset and namespace (and obs keeps simple). */
const DATA_STREAM_PART = /^[a-z0-9_.]{1,100}$/;

/** Problems with the model or config that would make Elasticsearch refuse what obs installs. */
export function validateElasticsearch(model: SystemModel, config: ElasticsearchConfig): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(config.templatePriority) || config.templatePriority <= 100) {
    problems.push(
      `templatePriority must be an integer above 100 (the managed logs-*-* template has 100), got ${config.templatePriority}`,
    );
  }
  if (!AGE.test(config.rolloverMaxAge)) {
    problems.push(`rolloverMaxAge must be a time like 1d or 12h, got ${config.rolloverMaxAge}`);
  }
  if (!SIZE.test(config.rolloverMaxPrimaryShardSize)) {
    problems.push(
      `rolloverMaxPrimaryShardSize must be a size like 50gb, got ${config.rolloverMaxPrimaryShardSize}`,
    );
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.textTimezone });
  } catch {
    problems.push(`textTimezone is not a time zone: ${config.textTimezone}`);
  }
  const byDataset = new Map<string, string>();
  for (const s of model.services) {
    const ds = logsDataStream(model, s);
    if (!DATA_STREAM_PART.test(ds.namespace)) {
      problems.push(
        `environment "${model.environment}" cannot name a data stream namespace (${ds.namespace}): use lower-case letters, digits and _`,
      );
      break;
    }
    const other = byDataset.get(ds.dataset);
    if (other !== undefined) {
      problems.push(
        `services ${other} and ${s.name} would share the data stream ${ds.name}: rename one`,
      );
    }
    byDataset.set(ds.dataset, s.name);
  }
  return problems;
}
