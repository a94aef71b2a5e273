import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { ExitCode, ObsError, errnoCode } from '../../../core/errors.js';
import { applyElasticsearch, describeResource } from '../../../elk/apply/elasticsearch.js';
import type {
  Credentials,
  ElasticsearchApplyResult,
  ResourceAction,
} from '../../../elk/apply/elasticsearch.js';
import { applyKibana } from '../../../elk/apply/kibana.js';
import type { KibanaApplyResult } from '../../../elk/apply/kibana.js';
import {
  ELASTICSEARCH_DEFAULTS,
  elasticResources,
  validateElasticsearch,
} from '../../../elk/resources.js';
import { MODEL_FILE, loadModel } from '../../../model/load.js';
import { BaseCommand } from '../../base-command.js';

export interface ElkApplyResult {
  dryRun: boolean;
  model: string;
  elasticsearch: ElasticsearchApplyResult;
  kibana?: KibanaApplyResult;
}

/** Credentials from the environment only: flags would show in `ps` and shell history. */
function credentialsFromEnv(env: NodeJS.ProcessEnv, username?: string): Credentials | undefined {
  if (env.OBS_ES_API_KEY) return { apiKey: env.OBS_ES_API_KEY };
  const user = username ?? env.OBS_ES_USERNAME;
  if (user !== undefined && env.OBS_ES_PASSWORD !== undefined) {
    return { username: user, password: env.OBS_ES_PASSWORD };
  }
  if (user !== undefined) {
    throw new ObsError(`a username (${user}) but no password: set OBS_ES_PASSWORD`, {
      code: 'OBS_ES_NO_PASSWORD',
      exit: ExitCode.usage,
    });
  }
  return undefined;
}

const VERB: Record<ResourceAction, [string, string]> = {
  created: ['created', 'would create'],
  updated: ['updated', 'would update'],
  unchanged: ['unchanged', 'unchanged'],
};

function summaryLine(what: string, s: Record<ResourceAction, number>, dryRun: boolean): string {
  const total = s.created + s.updated + s.unchanged;
  if (s.created + s.updated === 0) {
    return `${what}: nothing to change, all ${total} already as obs.yaml says.`;
  }
  const v = (a: ResourceAction) => VERB[a][dryRun ? 1 : 0];
  return `${what}: ${s.created} ${v('created')}, ${s.updated} ${v('updated')}, ${s.unchanged} unchanged.`;
}

export default class ElkApply extends BaseCommand {
  static override summary =
    'Install the index templates, ingest pipelines and ILM policy for service logs';

  static override description = `Reads obs.yaml and installs what its services' logs need in Elasticsearch: one index template per service (logs-<service>-*, priority 200, over the managed logs components), the ingest pipelines that turn JSON and plain-text lines into ECS fields, and the ILM policy (retention from stack.logs.retentionDays). With --kibana-url, also the data view and saved searches.

What it installs is derived from obs.yaml, as obs init derives the files under observability/elasticsearch: edits to those files are not applied (change obs.yaml, or paste the edited install.console into Kibana Dev Tools).

Idempotent: every resource is read first and written only when it differs; a second run reports nothing to change. Existing data streams take template changes at their next rollover.

Credentials come from the environment only: OBS_ES_API_KEY, or OBS_ES_USERNAME and OBS_ES_PASSWORD (Kibana gets the same). They never appear in output.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --url http://127.0.0.1:9200',
    'OBS_ES_API_KEY=... <%= config.bin %> <%= command.id %> --url https://es.example:9200 --ca-cert ca.pem --dry-run',
    '<%= config.bin %> <%= command.id %> --url http://127.0.0.1:9200 --kibana-url http://127.0.0.1:5601 --json',
  ];

  static override flags = {
    url: Flags.string({
      description: 'Elasticsearch URL.',
      env: 'OBS_ES_URL',
      required: true,
    }),
    dir: Flags.string({
      description: `Repository folder with ${MODEL_FILE}.`,
      default: '.',
    }),
    'kibana-url': Flags.string({
      description: 'Kibana URL: also install the data view and saved searches.',
      env: 'OBS_KIBANA_URL',
    }),
    username: Flags.string({
      description:
        'User for basic auth (default OBS_ES_USERNAME); the password only from OBS_ES_PASSWORD.',
    }),
    'ca-cert': Flags.string({
      description:
        'PEM file of the CA that signed the server certificate (https with a private CA).',
    }),
    'dry-run': Flags.boolean({
      description: 'Only read: show what would be created or updated.',
      default: false,
    }),
  };

  async run(): Promise<ElkApplyResult> {
    const { flags } = await this.parse(ElkApply);
    const modelFile = path.join(flags.dir, MODEL_FILE);
    const model = await loadModel(modelFile);
    const problems = validateElasticsearch(model, ELASTICSEARCH_DEFAULTS);
    if (problems.length > 0) {
      throw new ObsError(problems[0]!, {
        code: 'OBS_GENERATOR_INVALID',
        exit: ExitCode.config,
        file: modelFile,
        suggestions: problems.slice(1),
      });
    }
    const credentials = credentialsFromEnv(process.env, flags.username);
    const caCert = flags['ca-cert'] === undefined ? undefined : await readCa(flags['ca-cert']);
    const progress = this.progress();
    const onRetry = this.retryNotice('Elasticsearch/Kibana');
    const dryRun = flags['dry-run'];
    let es: ElasticsearchApplyResult;
    try {
      es = await applyElasticsearch(elasticResources(model), {
        url: flags.url,
        credentials,
        caCert,
        dryRun,
        onRetry,
        onProgress: progress.update,
      });
    } finally {
      progress.stop();
    }
    for (const r of es.resources) {
      const changes = r.changes
        ? ` (${r.changes.slice(0, 3).join(', ')}${r.changes.length > 3 ? ', ...' : ''})`
        : '';
      this.print(`${VERB[r.action][dryRun ? 1 : 0].padEnd(12)} ${describeResource(r)}${changes}`);
    }
    this.print(summaryLine(`Elasticsearch ${es.version} at ${es.url}`, es.summary, dryRun));
    if (
      !dryRun &&
      es.resources.some((r) => r.kind === 'index_template' && r.action !== 'unchanged')
    ) {
      this.print(
        'Data streams that already exist take the new templates at their next rollover (POST <data stream>/_rollover).',
      );
    }
    let kibana: KibanaApplyResult | undefined;
    if (flags['kibana-url'] !== undefined) {
      kibana = await applyKibana(model, { url: flags['kibana-url'], credentials, dryRun, onRetry });
      for (const o of kibana.objects) {
        this.print(`${VERB[o.action][dryRun ? 1 : 0].padEnd(12)} Kibana ${o.type} ${o.id}`);
      }
      this.print(summaryLine(`Kibana at ${kibana.url}`, kibana.summary, dryRun));
    }
    return { dryRun, model: modelFile, elasticsearch: es, ...(kibana ? { kibana } : {}) };
  }
}

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ObsError(
      errnoCode(err) === 'ENOENT' ? 'no such file' : 'cannot read the CA certificate',
      {
        code: 'OBS_CA_UNREADABLE',
        exit: ExitCode.noInput,
        file,
        cause: err,
      },
    );
  }
}
