/**
 * Reads the PromQL out of generated dashboards and substitutes Grafana's variables, so tests can
 * run every panel's query against a real Prometheus.
 */

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
}

interface PanelLike {
  type?: string;
  title?: string;
  panels?: PanelLike[];
  targets?: { refId?: string; expr?: string; instant?: boolean }[];
}

export function panelQueries(d: Record<string, unknown>): PanelQuery[] {
  const out: PanelQuery[] = [];
  const walk = (panels: PanelLike[]) => {
    for (const p of panels) {
      if (p.type === 'row') walk(p.panels ?? []);
      for (const t of p.targets ?? []) {
        out.push({
          dashboard: typeof d.title === 'string' ? d.title : '?',
          panel: p.title ?? '?',
          refId: t.refId ?? '?',
          expr: t.expr ?? '',
          instant: t.instant === true,
        });
      }
    }
  };
  walk((d.panels as PanelLike[] | undefined) ?? []);
  return out;
}

/** Values of the dashboard's own constant variables, by name. */
export function constants(d: Record<string, unknown>): Record<string, string> {
  const list =
    (d.templating as { list?: { type?: string; name?: string; query?: unknown }[] })?.list ?? [];
  return Object.fromEntries(
    list
      .filter((v) => v.type === 'constant' && typeof v.query === 'string')
      .map((v) => [v.name!, v.query as string]),
  );
}

/** Replaces $name and ${name} (longest names first). */
export function substitute(expr: string, vars: Record<string, string>): string {
  let out = expr;
  for (const name of Object.keys(vars).sort((a, b) => b.length - a.length)) {
    out = out
      .split('${' + name + '}')
      .join(vars[name])
      .split('$' + name)
      .join(vars[name]);
  }
  return out;
}
