/**
 * A Logstash pipeline for teams that ship logs through Logstash: Beats (Filebeat) and HTTP in,
 * each event routed to its service's data stream logs-<dataset>-<namespace> (logsDataStream()),
 * Elasticsearch out with the data stream options. Parsing stays in Elasticsearch (the data
 * stream's default pipeline), so lines look the same whichever way they were shipped; Logstash
 * only reads the service name to route the event.
 */
import { STACK_ENV, STACK_HOSTS, logsDataStream, stackPaths } from '../../model/conventions.js';
import type { Generator } from '../../model/generator.js';
import { generatedHeader } from '../../model/generator.js';
import type { SystemModel } from '../../model/schema.js';

/**
 * Environment the pipeline reads in the Logstash container. The password is the `elastic` user's,
 * the variable the compose stack passes to Logstash; URL and user have defaults that fit compose.
 */
export const LOGSTASH_ENV = {
  url: 'ELASTICSEARCH_URL',
  username: 'ELASTICSEARCH_USERNAME',
  password: STACK_ENV.elasticPassword,
} as const;

export interface LogstashConfig {
  /** Elasticsearch URL when ELASTICSEARCH_URL is not set. Default `http://elasticsearch:9200`. */
  defaultUrl: string;
  /** Dataset of events whose service is not in the model. Default `generic`. */
  fallbackDataset: string;
  /** File name in the pipeline folder. Default `obs-logs.conf`. */
  fileName: string;
}

export const LOGSTASH_DEFAULTS: LogstashConfig = {
  defaultUrl: `http://${STACK_HOSTS.elasticsearch}:9200`,
  fallbackDataset: 'generic',
  fileName: 'obs-logs.conf',
};

/** A Logstash double-quoted string. */
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function logstashPipeline(model: SystemModel, config: LogstashConfig): string {
  const ports = model.stack.ports;
  const namespace = model.services[0] ? logsDataStream(model, model.services[0]).namespace : '';
  // One if / else if chain: `  if [..] == "a" { .. } else if [..] == "b" { .. }`.
  const routes = model.services
    .map((s, i) => {
      const ds = logsDataStream(model, s);
      return (
        `${i === 0 ? '  if' : ' else if'} [@metadata][obs_service] == ${q(s.name)} {\n` +
        `    mutate { add_field => { "[data_stream][dataset]" => ${q(ds.dataset)} } }\n` +
        `  }`
      );
    })
    .join('');
  return `${generatedHeader('obs init')}
input {
  # Filebeat (or any Beats shipper), with the JSON line in [message].
  beats { port => ${ports.logstashBeats} }
  # HTTP: application/json bodies (an object or an array of them) and NDJSON.
  http {
    port => ${ports.logstashHttp}
    additional_codecs => { "application/json" => "json" "application/x-ndjson" => "json_lines" }
  }
}

filter {
  # The service a line belongs to: a JSON line's service.name, then fields an HTTP sender or
  # Filebeat set. The JSON itself is parsed by the data stream's ingest pipeline in Elasticsearch.
  if [message] =~ /^\\{/ {
    json { source => "message" target => "[@metadata][line]" skip_on_invalid_json => true }
  }
  if [@metadata][line][service.name] {
    mutate { copy => { "[@metadata][line][service.name]" => "[@metadata][obs_service]" } }
  } else if [service.name] {
    mutate { copy => { "[service.name]" => "[@metadata][obs_service]" } }
  } else if [service][name] {
    mutate { copy => { "[service][name]" => "[@metadata][obs_service]" } }
  }
  # Route to logs-<dataset>-<namespace>: the dataset is the service name with '-' as '_'.
${routes}
}

output {
  elasticsearch {
    hosts => ["\${${LOGSTASH_ENV.url}:${config.defaultUrl}}"]
    user => "\${${LOGSTASH_ENV.username}:elastic}"
    password => "\${${LOGSTASH_ENV.password}}"
    data_stream => "true"
    data_stream_type => "logs"
    # Events of services not in obs.yaml; the others carry [data_stream][dataset] (auto routing).
    data_stream_dataset => ${q(config.fallbackDataset)}
    data_stream_namespace => ${q(namespace)}
  }
}
`;
}

export const logstashGenerator: Generator<LogstashConfig> = {
  name: 'logstash',
  description: 'A Logstash pipeline (Beats and HTTP in) into the services’ log data streams',
  defaults: LOGSTASH_DEFAULTS,
  validate(_model, config) {
    const problems: string[] = [];
    if (!/^[a-z0-9_.]+$/.test(config.fallbackDataset)) {
      problems.push(
        `fallbackDataset must be lower-case letters, digits, _ or ., got ${config.fallbackDataset}`,
      );
    }
    if (!/^[A-Za-z0-9_.-]+\.conf$/.test(config.fileName)) {
      problems.push(`fileName must be a plain *.conf file name, got ${config.fileName}`);
    }
    try {
      new URL(config.defaultUrl);
    } catch {
      problems.push(`defaultUrl is not a URL: ${config.defaultUrl}`);
    }
    return problems;
  },
  generate(model, config) {
    return {
      files: [
        {
          path: `${stackPaths(model).logstashPipeline}/${config.fileName}`,
          content: logstashPipeline(model, config),
        },
      ],
      notes: [
        `Logstash: the container needs ${LOGSTASH_ENV.password} (and ${LOGSTASH_ENV.url}, ${LOGSTASH_ENV.username} when not the compose defaults); install the ingest pipelines first (\`obs elk apply\`).`,
      ],
    };
  },
};
