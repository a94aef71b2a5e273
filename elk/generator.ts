/**
 * Generators for the Elasticsearch and Kibana pieces. The files are what `obs elk apply` installs,
 * for teams that install by hand or review changes: one JSON request body per resource (PUT it to
 * the path in its folder name), a Kibana Dev Tools script that installs them all, and the Kibana
 * saved objects as an importable NDJSON file. JSON and NDJSON have no comments: their objects carry
 * `_meta`/descriptions naming obs instead of a header.
 */
import type { GeneratedFile } from '../core/writer.js';
import { stackPaths } from '../model/conventions.js';
import type { Generator } from '../model/generator.js';
import { generatedHeader } from '../model/generator.js';
import type { SystemModel } from '../model/schema.js';
import { dataView, kibanaSavedObjects, toNdjson } from './kibana.js';
import type { ElasticResource, ElasticsearchConfig } from './resources.js';
import { ELASTICSEARCH_DEFAULTS, elasticResources, validateElasticsearch } from './resources.js';

const COMMAND = 'obs init';

/** Where each kind of resource is PUT, and the folder its file goes to. */
export const RESOURCE_API: Record<ElasticResource['kind'], { path: string; folder: string }> = {
  ilm_policy: { path: '_ilm/policy', folder: 'ilm-policies' },
  ingest_pipeline: { path: '_ingest/pipeline', folder: 'ingest-pipelines' },
  component_template: { path: '_component_template', folder: 'component-templates' },
  index_template: { path: '_index_template', folder: 'index-templates' },
};

/** The request body of a resource: the typed request without its path parameter. */
export function requestBody(r: ElasticResource): Record<string, unknown> {
  switch (r.kind) {
    case 'ingest_pipeline': {
      const { id: _id, ...body } = r.body;
      return body;
    }
    default: {
      const { name: _name, ...body } = r.body;
      return body;
    }
  }
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

function devToolsScript(resources: readonly ElasticResource[]): string {
  const parts = resources.map(
    (r) =>
      `PUT ${RESOURCE_API[r.kind].path}/${r.name}\n${JSON.stringify(requestBody(r), null, 2)}\n`,
  );
  return (
    generatedHeader(COMMAND) +
    '# Paste into Kibana Dev Tools to install by hand; `obs elk apply` does the same.\n\n' +
    parts.join('\n')
  );
}

export const elasticsearchGenerator: Generator<ElasticsearchConfig> = {
  name: 'elasticsearch',
  description:
    'Index templates, ingest pipelines (JSON and plain-text logs to ECS) and the ILM policy of the services’ log data streams',
  defaults: ELASTICSEARCH_DEFAULTS,
  validate: validateElasticsearch,
  generate(model: SystemModel, config: ElasticsearchConfig) {
    const dir = stackPaths(model).elasticsearch;
    const resources = elasticResources(model, config);
    const files: GeneratedFile[] = resources.map((r) => ({
      path: `${dir}/${RESOURCE_API[r.kind].folder}/${r.name}.json`,
      content: json(requestBody(r)),
    }));
    files.push({ path: `${dir}/install.console`, content: devToolsScript(resources) });
    return {
      files,
      notes: [
        `Elasticsearch: \`obs elk apply --url URL\` installs these ${resources.length} resources (or paste ${dir}/install.console into Kibana Dev Tools).`,
      ],
    };
  },
};

export const kibanaGenerator: Generator = {
  name: 'kibana',
  description: 'A Kibana data view and saved searches (errors by service, trace id lookup)',
  defaults: {},
  validate: () => [],
  generate(model: SystemModel) {
    const dir = stackPaths(model).kibana;
    return {
      files: [
        { path: `${dir}/saved-objects.ndjson`, content: toNdjson(kibanaSavedObjects(model)) },
        {
          path: `${dir}/data-view.json`,
          content: json({ data_view: dataView(model), override: true }),
        },
      ],
      notes: [
        `Kibana: import ${dir}/saved-objects.ndjson (Stack Management > Saved objects), or \`obs elk apply --kibana-url URL\`.`,
      ],
    };
  },
};
