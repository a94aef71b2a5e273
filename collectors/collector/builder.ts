/**
 * The collector builder (ocb) manifest for a minimal distribution: exactly the components a
 * generated config uses, every module at one release, and only the resource detectors the config
 * names compiled in (the others are left out with build tags, which keeps cloud SDKs out of the
 * binary).
 */
import type { ComponentKind, ComponentName, Release } from './components.js';
import { COMPONENTS, PROVIDERS, TELEMETRY, versionOf } from './components.js';
import type { ComponentSections } from './config.js';
import { RESOURCE_DETECTORS } from './config.js';

const SECTION_KIND: Record<keyof ComponentSections, ComponentKind> = {
  extensions: 'extension',
  receivers: 'receiver',
  processors: 'processor',
  connectors: 'connector',
  exporters: 'exporter',
};

/**
 * The components a config uses, from its component ids (`type` or `type/name`). An id whose type
 * is not in COMPONENTS is a bug in the config generator, so it throws.
 */
export function componentsOf(config: ComponentSections): ComponentName[] {
  const used = new Set<ComponentName>();
  for (const [section, kind] of Object.entries(SECTION_KIND)) {
    for (const componentId of Object.keys(config[section as keyof ComponentSections])) {
      const type = componentId.split('/')[0];
      const entry = Object.entries(COMPONENTS).find(([, c]) => c.kind === kind && c.type === type);
      if (!entry) throw new Error(`collector config uses unknown ${kind} ${componentId}`);
      used.add(entry[0] as ComponentName);
    }
  }
  return [...used];
}

export interface BuilderOptions {
  /** Distribution (and binary) name. */
  name: string;
  description: string;
  /** Core version without the `v`, e.g. 0.165.0; also the distribution's version. */
  version: string;
  release: Release;
}

/** The manifest as a plain object, in the order ocb documents its sections. */
export function builderManifest(
  components: readonly ComponentName[],
  opts: BuilderOptions,
): Record<string, unknown> {
  const gomod = (name: ComponentName) => {
    const c = COMPONENTS[name];
    return { gomod: `${c.module} ${versionOf(opts.release, c.train)}` };
  };
  const ofKind = (kind: ComponentKind) =>
    components.filter((c) => COMPONENTS[c].kind === kind).map(gomod);
  const manifest: Record<string, unknown> = {
    dist: {
      name: opts.name,
      description: opts.description,
      output_path: './_build',
      version: opts.version,
      resource: { detection: { detectors: RESOURCE_DETECTORS.map((d) => ({ [d]: {} })) } },
    },
  };
  for (const [section, kind] of [
    ['receivers', 'receiver'],
    ['processors', 'processor'],
    ['connectors', 'connector'],
    ['exporters', 'exporter'],
    ['extensions', 'extension'],
  ] as const) {
    const mods = ofKind(kind);
    if (mods.length > 0) manifest[section] = mods;
  }
  manifest.providers = PROVIDERS.map((m) => ({ gomod: `${m} ${opts.release.stable}` }));
  manifest.telemetry = {
    gomod: `${TELEMETRY.module} ${versionOf(opts.release, TELEMETRY.train)}`,
    import: TELEMETRY.import,
  };
  return manifest;
}
