/** The parts of Prometheus's HTTP API the integration tests query. */

export interface Series {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

export interface QueryAnswer {
  status: 'success' | 'error';
  /** HTTP status: 400 for invalid PromQL. */
  http: number;
  error?: string;
  series: Series[];
}

async function get(url: string): Promise<QueryAnswer> {
  const r = await fetch(url);
  const body = (await r.json()) as {
    status: 'success' | 'error';
    error?: string;
    data?: { result?: Series[] };
  };
  return {
    status: body.status,
    http: r.status,
    ...(body.error ? { error: body.error } : {}),
    series: body.data?.result ?? [],
  };
}

export function instantQuery(base: string, expr: string, time?: number): Promise<QueryAnswer> {
  const p = new URLSearchParams({ query: expr });
  if (time !== undefined) p.set('time', String(time));
  return get(`${base}/api/v1/query?${p.toString()}`);
}

export function rangeQuery(
  base: string,
  expr: string,
  start: number,
  end: number,
  step: number,
): Promise<QueryAnswer> {
  const p = new URLSearchParams({
    query: expr,
    start: String(start),
    end: String(end),
    step: String(step),
  });
  return get(`${base}/api/v1/query_range?${p.toString()}`);
}

/** Values that are numbers (histogram_quantile and 0/0 give NaN where there is no data). */
export function finiteValues(s: Series): number[] {
  const points = s.values ?? (s.value ? [s.value] : []);
  return points.map(([, v]) => Number(v)).filter((v) => Number.isFinite(v));
}
