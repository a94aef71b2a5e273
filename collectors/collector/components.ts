/**
 * The Collector components obs uses, with the spelling their release accepts in a config and the
 * Go module that provides them. The config generator and the builder manifest both read this
 * table, so the manifest lists exactly the components the config uses.
 *
 * Spellings are those of the releases in RELEASES, checked against each module's metadata.yaml and
 * a Collector built from them (`validate`): collector 0.165 renamed several types (spanmetrics ->
 * span_metrics, resourcedetection -> resource_detection, otlp exporter -> otlp_grpc, otlphttp ->
 * otlp_http); the old names are only deprecated aliases there.
 */

export type ComponentKind = 'receiver' | 'processor' | 'connector' | 'exporter' | 'extension';

/** Which release train a module follows: core beta (0.x), contrib, or core stable (1.x). */
export type ReleaseTrain = 'core' | 'contrib' | 'stable';

export interface ComponentSpec {
  kind: ComponentKind;
  /** The component type as written in a config, e.g. `span_metrics`. */
  type: string;
  module: string;
  train: ReleaseTrain;
}

const CORE = 'go.opentelemetry.io/collector';
const CONTRIB = 'github.com/open-telemetry/opentelemetry-collector-contrib';

export const COMPONENTS = {
  otlpReceiver: {
    kind: 'receiver',
    type: 'otlp',
    module: `${CORE}/receiver/otlpreceiver`,
    train: 'core',
  },
  memoryLimiter: {
    kind: 'processor',
    type: 'memory_limiter',
    module: `${CORE}/processor/memorylimiterprocessor`,
    train: 'core',
  },
  resourceDetection: {
    kind: 'processor',
    type: 'resource_detection',
    module: `${CONTRIB}/processor/resourcedetectionprocessor`,
    train: 'contrib',
  },
  resource: {
    kind: 'processor',
    type: 'resource',
    module: `${CONTRIB}/processor/resourceprocessor`,
    train: 'contrib',
  },
  batch: {
    kind: 'processor',
    type: 'batch',
    module: `${CORE}/processor/batchprocessor`,
    train: 'core',
  },
  spanMetrics: {
    kind: 'connector',
    type: 'span_metrics',
    module: `${CONTRIB}/connector/spanmetricsconnector`,
    train: 'contrib',
  },
  otlpGrpcExporter: {
    kind: 'exporter',
    type: 'otlp_grpc',
    module: `${CORE}/exporter/otlpexporter`,
    train: 'core',
  },
  otlpHttpExporter: {
    kind: 'exporter',
    type: 'otlp_http',
    module: `${CORE}/exporter/otlphttpexporter`,
    train: 'core',
  },
  prometheusExporter: {
    kind: 'exporter',
    type: 'prometheus',
    module: `${CONTRIB}/exporter/prometheusexporter`,
    train: 'contrib',
  },
  elasticsearchExporter: {
    kind: 'exporter',
    type: 'elasticsearch',
    module: `${CONTRIB}/exporter/elasticsearchexporter`,
    train: 'contrib',
  },
  fileExporter: {
    kind: 'exporter',
    type: 'file',
    module: `${CONTRIB}/exporter/fileexporter`,
    train: 'contrib',
  },
  healthCheck: {
    kind: 'extension',
    type: 'health_check',
    module: `${CONTRIB}/extension/healthcheckextension`,
    train: 'contrib',
  },
} as const satisfies Record<string, ComponentSpec>;

export type ComponentName = keyof typeof COMPONENTS;

/** Config providers the distribution needs: `${env:...}` for secrets, `file:` for the config. */
export const PROVIDERS = [
  `${CORE}/confmap/provider/envprovider`,
  `${CORE}/confmap/provider/fileprovider`,
] as const;

/** The Collector's own telemetry (service::telemetry): the otelconf implementation in core. */
export const TELEMETRY = {
  module: `${CORE}/service`,
  import: `${CORE}/service/telemetry/otelconftelemetry`,
  train: 'core',
} as const;

/** Module versions of one Collector release: every module of a distribution is at one release. */
export interface Release {
  core: string;
  contrib: string;
  stable: string;
}

/**
 * Releases whose component spellings the table above matches, keyed by core version
 * (`stack.collectorVersion`). Contrib 0.165.1 is the contrib release that goes with core 0.165.0.
 */
export const RELEASES: Readonly<Record<string, Release>> = {
  '0.165.0': { core: 'v0.165.0', contrib: 'v0.165.1', stable: 'v1.71.0' },
};

export function versionOf(release: Release, train: ReleaseTrain): string {
  return release[train];
}
