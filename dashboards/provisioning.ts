/**
 * Grafana provisioning files: the datasources (Prometheus, Jaeger, Elasticsearch, with stable
 * uids the dashboards default to) and a file provider for the dashboards folder. The compose
 * stack mounts them at GRAFANA_MOUNTS. Grafana expands $NAME and ${NAME} from its environment in
 * these files: secrets come that way, and every literal `$` is written `$$`.
 */
import { stringify } from 'yaml';
import type { GeneratedFile } from '../core/writer.js';
import {
  GRAFANA_MOUNTS,
  LOG_FIELDS,
  METRICS,
  SPAN_LABELS,
  STACK_ENV,
  STACK_HOSTS,
  stackPaths,
} from '../model/conventions.js';
import { generatedHeader } from '../model/generator.js';
import type { SystemModel } from '../model/schema.js';
import { DATASOURCE_UIDS, folderUid } from './identity.js';

export interface ProvisioningConfig {
  /** Command named in the files' header. Default `obs init`. */
  command: string;
  /** Prometheus as Grafana reaches it. Default http://prometheus:9090 (the compose service). */
  prometheusUrl: string;
  /** Jaeger query as Grafana reaches it. Default http://jaeger:16686. */
  jaegerUrl: string;
  /** Elasticsearch as Grafana reaches it. Default http://elasticsearch:9200. */
  elasticsearchUrl: string;
  /** Elasticsearch user; its password comes from $ELASTIC_PASSWORD. Default `elastic`. */
  elasticsearchUser: string;
  /** Seconds between Grafana's scans of the dashboards folder. Default 30. */
  updateIntervalSeconds: number;
  /** Let UI edits be saved (the next file change overwrites them). Default false. */
  allowUiUpdates: boolean;
}

export const PROVISIONING_DEFAULTS: ProvisioningConfig = {
  command: 'obs init',
  prometheusUrl: `http://${STACK_HOSTS.prometheus}:9090`,
  jaegerUrl: `http://${STACK_HOSTS.jaeger}:16686`,
  elasticsearchUrl: `http://${STACK_HOSTS.elasticsearch}:9200`,
  elasticsearchUser: 'elastic',
  updateIntervalSeconds: 30,
  allowUiUpdates: false,
};

/** A literal for a provisioning file: Grafana would expand `$x`, so `$` becomes `$$`. */
export function literal(text: string): string {
  return text.replace(/\$/g, '$$$$');
}

/** A reference to an environment variable that Grafana expands when it reads the file. */
function fromEnv(name: string): string {
  return `\${${name}}`;
}

function seconds(duration: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!m) return 15;
  const n = Number(m[1]);
  return m[2] === 'ms' ? Math.ceil(n / 1000) : m[2] === 'm' ? n * 60 : n;
}

/**
 * Grafana's `$__rate_interval` is at least four times the datasource's scrape interval. Span
 * metrics change only once per flush, so the interval Grafana assumes is the longer of the two.
 */
export function promTimeInterval(model: SystemModel): string {
  return `${Math.max(seconds(model.stack.scrapeInterval), seconds(model.stack.spanMetricsFlushInterval))}s`;
}

export function validateProvisioning(_model: SystemModel, c: ProvisioningConfig): string[] {
  const problems: string[] = [];
  for (const [what, url] of [
    ['prometheusUrl', c.prometheusUrl],
    ['jaegerUrl', c.jaegerUrl],
    ['elasticsearchUrl', c.elasticsearchUrl],
  ] as const) {
    if (!/^https?:\/\/[^\s/$]+(:\d+)?(\/\S*)?$/.test(url)) {
      problems.push(`${what} must be an http(s) URL without $, got ${JSON.stringify(url)}`);
    }
  }
  if (!Number.isInteger(c.updateIntervalSeconds) || c.updateIntervalSeconds < 1) {
    problems.push(
      `updateIntervalSeconds must be a whole number of seconds >= 1, got ${c.updateIntervalSeconds}`,
    );
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(c.elasticsearchUser)) {
    problems.push(
      `elasticsearchUser must be a plain user name, got ${JSON.stringify(c.elasticsearchUser)}`,
    );
  }
  return problems;
}

function datasources(model: SystemModel, c: ProvisioningConfig) {
  const window = '5m';
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        type: 'prometheus',
        uid: DATASOURCE_UIDS.prometheus,
        url: c.prometheusUrl,
        access: 'proxy',
        isDefault: true,
        editable: false,
        jsonData: {
          httpMethod: 'POST',
          timeInterval: promTimeInterval(model),
        },
      },
      {
        name: 'Jaeger',
        type: 'jaeger',
        uid: DATASOURCE_UIDS.jaeger,
        url: c.jaegerUrl,
        access: 'proxy',
        editable: false,
        jsonData: {
          nodeGraph: { enabled: true },
          // From a span to the log lines of its trace.
          tracesToLogsV2: {
            datasourceUid: DATASOURCE_UIDS.elasticsearch,
            spanStartTimeShift: '-5m',
            spanEndTimeShift: '5m',
            filterByTraceID: false,
            filterBySpanID: false,
            customQuery: true,
            query: literal(`${LOG_FIELDS.traceId}:"\${__trace.traceId}"`),
          },
          // From a span to its service's request rate and latency.
          tracesToMetrics: {
            datasourceUid: DATASOURCE_UIDS.prometheus,
            spanStartTimeShift: '-15m',
            spanEndTimeShift: '15m',
            tags: [{ key: 'service.name', value: SPAN_LABELS.service }],
            queries: [
              {
                name: 'Request rate',
                query: literal(`sum(rate(${METRICS.spanCalls}{$__tags}[${window}]))`),
              },
              {
                name: 'p95 latency',
                query: literal(
                  `histogram_quantile(0.95, sum by (le) (rate(${METRICS.spanDuration}_bucket{$__tags}[${window}])))`,
                ),
              },
            ],
          },
        },
      },
      {
        name: 'Elasticsearch (logs)',
        type: 'elasticsearch',
        uid: DATASOURCE_UIDS.elasticsearch,
        url: c.elasticsearchUrl,
        access: 'proxy',
        editable: false,
        basicAuth: true,
        basicAuthUser: c.elasticsearchUser,
        jsonData: {
          index: 'logs-*',
          timeField: LOG_FIELDS.timestamp,
          logMessageField: LOG_FIELDS.message,
          logLevelField: LOG_FIELDS.level,
          // From a log line to its trace.
          dataLinks: [
            {
              field: LOG_FIELDS.traceId,
              url: literal('${__value.raw}'),
              datasourceUid: DATASOURCE_UIDS.jaeger,
            },
          ],
        },
        secureJsonData: { basicAuthPassword: fromEnv(STACK_ENV.elasticPassword) },
      },
    ],
  };
}

function dashboardProviders(model: SystemModel, c: ProvisioningConfig) {
  return {
    apiVersion: 1,
    providers: [
      {
        name: `obs-${model.name}`,
        folder: model.stack.grafanaFolder,
        folderUid: folderUid(model),
        type: 'file',
        disableDeletion: false,
        updateIntervalSeconds: c.updateIntervalSeconds,
        allowUiUpdates: c.allowUiUpdates,
        options: { path: GRAFANA_MOUNTS.dashboards, foldersFromFilesStructure: false },
      },
    ],
  };
}

export function provisioningFiles(model: SystemModel, c: ProvisioningConfig): GeneratedFile[] {
  const dir = stackPaths(model).grafanaProvisioning;
  const yaml = (doc: unknown, what: string) =>
    generatedHeader(c.command) + `# ${what}\n` + stringify(doc, { lineWidth: 100 });
  return [
    {
      path: `${dir}/datasources/obs.yaml`,
      content: yaml(
        datasources(model, c),
        `Grafana datasources. Secrets come from Grafana's environment ($${STACK_ENV.elasticPassword}); a literal $ is written $$.`,
      ),
    },
    {
      path: `${dir}/dashboards/obs.yaml`,
      content: yaml(
        dashboardProviders(model, c),
        `Loads the dashboards in ${stackPaths(model).grafanaDashboards}, mounted at ${GRAFANA_MOUNTS.dashboards}.`,
      ),
    },
  ];
}
