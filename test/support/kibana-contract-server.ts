/**
 * A local HTTP server that answers as Kibana 8/9 does for the data views and saved objects APIs
 * `obs elk apply --kibana-url` uses, for CONTRACT tests (no Kibana can run here):
 * - writes without `kbn-xsrf` are refused with 400, as Kibana does;
 * - GET/POST /api/data_views/data_view[/{id}] with {data_view: {...}} bodies;
 * - GET /api/saved_objects/search/{id}; POST /api/saved_objects/_import?overwrite=true with a
 *   multipart NDJSON `file`, refusing objects whose references are missing (missing_references)
 *   and existing ones without overwrite (conflict);
 * - stored searches come back with searchSourceJSON re-serialized and extended, as after a
 *   Kibana migration; errors are {statusCode, error, message}; 401 without the right credentials;
 * - faults in front of it: answers failing for a while (quoting the Authorization header, as some
 *   proxies do), a redirect to a login page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from './local-server.js';

type Json = Record<string, unknown>;

export interface KibanaContractOptions {
  apiKey?: string;
  /** Answer the first `count` requests with `status`, quoting the Authorization header if asked. */
  failFirst?: { count: number; status: number; echoAuthorization?: boolean };
  /** Answer everything with 302 to this Location, as an auth proxy does. */
  redirectTo?: string;
}

export interface KibanaRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export class KibanaContractServer {
  readonly requests: KibanaRequest[] = [];
  readonly dataViews = new Map<string, Json>();
  readonly savedObjects = new Map<string, Json>();
  private readonly local = new LocalServer((req, res, body) => this.handle(req, res, body));

  constructor(readonly opts: KibanaContractOptions = {}) {}

  get writes(): KibanaRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  start(): Promise<string> {
    return this.local.start();
  }

  stop(): Promise<void> {
    return this.local.stop();
  }

  private send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'kbn-name': 'kibana',
    });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, message: string) {
    const error =
      { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict' }[status] ??
      'Error';
    this.send(res, status, { statusCode: status, error, message });
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname + url.search, headers: req.headers });
    if (this.opts.redirectTo !== undefined) {
      res.writeHead(302, { location: this.opts.redirectTo });
      return res.end();
    }
    const fail = this.opts.failFirst;
    if (fail && this.requests.length <= fail.count) {
      const echoed = fail.echoAuthorization ? `: ${String(req.headers.authorization)}` : '';
      return this.error(res, fail.status, `Kibana is not ready yet${echoed}`);
    }
    if (
      this.opts.apiKey !== undefined &&
      req.headers.authorization !== `ApiKey ${this.opts.apiKey}`
    ) {
      return this.error(res, 401, '[security_exception]: unable to authenticate user');
    }
    if (method !== 'GET' && req.headers['kbn-xsrf'] === undefined) {
      return this.error(res, 400, 'Request must contain a kbn-xsrf header.');
    }
    const dv = /^\/api\/data_views\/data_view(?:\/([^/]+))?$/.exec(url.pathname);
    if (dv) return this.dataView(res, method, dv[1] && decodeURIComponent(dv[1]), raw);
    const so = /^\/api\/saved_objects\/search\/([^/]+)$/.exec(url.pathname);
    if (so && method === 'GET') {
      const id = decodeURIComponent(so[1]!);
      const o = this.savedObjects.get(`search/${id}`);
      return o
        ? this.send(res, 200, o)
        : this.error(res, 404, `Saved object [search/${id}] not found`);
    }
    if (url.pathname === '/api/saved_objects/_import' && method === 'POST') {
      return this.import(res, req, raw, url.searchParams.get('overwrite') === 'true');
    }
    return this.error(res, 404, 'Not Found');
  }

  private dataView(res: ServerResponse, method: string, id: string | undefined, raw: string) {
    if (method === 'GET' && id !== undefined) {
      const v = this.dataViews.get(id);
      return v
        ? this.send(res, 200, { data_view: v })
        : this.error(res, 404, `Saved object [index-pattern/${id}] not found`);
    }
    if (method !== 'POST') return this.error(res, 404, 'Not Found');
    let body: { data_view?: Json; override?: boolean };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return this.error(res, 400, 'Invalid JSON');
    }
    const spec = body.data_view;
    if (spec === undefined || typeof spec.title !== 'string') {
      return this.error(
        res,
        400,
        '[request body.data_view.title]: expected value of type [string]',
      );
    }
    if (id !== undefined) {
      const cur = this.dataViews.get(id);
      if (!cur) return this.error(res, 404, `Saved object [index-pattern/${id}] not found`);
      const next = { ...cur, ...spec };
      this.dataViews.set(id, next);
      return this.send(res, 200, { data_view: next });
    }
    const newId = typeof spec.id === 'string' ? spec.id : `generated-${this.dataViews.size}`;
    const dup = [...this.dataViews.values()].find((v) => v.title === spec.title);
    if (dup && !body.override) return this.error(res, 400, `Duplicate data view: ${spec.title}`);
    const stored = {
      fields: {},
      sourceFilters: [],
      allowNoIndex: false,
      ...spec,
      id: newId,
      version: 'WzEsMV0=',
    };
    this.dataViews.set(newId, stored);
    return this.send(res, 200, { data_view: stored });
  }

  private import(res: ServerResponse, req: IncomingMessage, raw: string, overwrite: boolean) {
    const boundary = /boundary=([^;]+)/.exec(String(req.headers['content-type'] ?? ''))?.[1];
    if (!boundary) return this.error(res, 415, 'Unsupported Media Type');
    const part = raw.split(`--${boundary}`).find((p) => /name="file"/.test(p));
    if (!part) return this.error(res, 400, '[request body.file]: expected value of type [Stream]');
    const ndjson = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
    const objects = ndjson
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Json);
    const errors: Json[] = [];
    const ok: Json[] = [];
    for (const o of objects) {
      const key = `${o.type as string}/${o.id as string}`;
      const refs = (o.references as { type: string; id: string }[] | undefined) ?? [];
      const missing = refs.filter(
        (r) =>
          !(r.type === 'index-pattern' && this.dataViews.has(r.id)) &&
          !objects.some((x) => x.type === r.type && x.id === r.id),
      );
      if (missing.length > 0) {
        errors.push({
          id: o.id,
          type: o.type,
          error: { type: 'missing_references', references: missing },
        });
        continue;
      }
      if (this.savedObjects.has(key) && !overwrite) {
        errors.push({ id: o.id, type: o.type, error: { type: 'conflict' } });
        continue;
      }
      const attrs = { ...(o.attributes as Json) };
      const meta = attrs.kibanaSavedObjectMeta as { searchSourceJSON?: string } | undefined;
      if (meta?.searchSourceJSON) {
        // As after a migration: re-serialized, with fields Kibana adds.
        const source = JSON.parse(meta.searchSourceJSON) as Json;
        attrs.kibanaSavedObjectMeta = {
          searchSourceJSON: JSON.stringify({ highlightAll: true, version: true, ...source }),
        };
      }
      if (o.type === 'index-pattern') this.dataViews.set(o.id as string, { ...attrs, id: o.id });
      else
        this.savedObjects.set(key, {
          ...o,
          attributes: attrs,
          namespaces: ['default'],
          managed: false,
          updated_at: new Date().toISOString(),
        });
      ok.push({ type: o.type, id: o.id, meta: { title: attrs.title } });
    }
    return this.send(res, 200, {
      success: errors.length === 0,
      successCount: ok.length,
      successResults: ok,
      ...(errors.length ? { errors } : {}),
    });
  }
}
