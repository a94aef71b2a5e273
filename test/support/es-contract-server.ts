/**
 * A local HTTP server that answers as Elasticsearch 8/9 does for what `obs elk apply` uses, for
 * CONTRACT tests (no Elasticsearch can run here). It follows the documented behaviour (FACTS.md):
 * - `x-elastic-product: Elasticsearch` on every answer (switchable off, to play a non-Elastic
 *   server), the compatibility media type `application/vnd.elasticsearch+json; compatible-with=8`
 *   accepted on Accept/Content-Type and echoed back, or refused with media_type_header_exception
 *   when playing Elasticsearch 7;
 * - error bodies `{error: {root_cause, type, reason}, status}`; 401 security_exception with
 *   WWW-Authenticate; 403 for a user without the write privileges;
 * - GET/PUT _index_template, _component_template, _ingest/pipeline, _ilm/policy, stored and handed
 *   back the way Elasticsearch does: settings nested with string values, data stream defaults,
 *   ILM phases with min_age "0ms" and the delete action's default, a missing pipeline as 404 `{}`;
 * - index templates of equal priority with overlapping patterns are refused, as Elasticsearch does.
 * Faults a deployment can add in front of it: answers failing for a while (a recovering cluster, an
 * overloaded proxy), error text quoting the Authorization header, a redirect (http -> https).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from './local-server.js';

export interface EsContractOptions {
  version?: string;
  /** Send the x-elastic-product header. Default true. */
  product?: boolean;
  /** Answer as Elasticsearch 7.17 does to an 8.x client's compatibility header. */
  legacy7?: boolean;
  /** Require this API key (Authorization: ApiKey ...) or these basic credentials. */
  apiKey?: string;
  basic?: { username: string; password: string };
  /** Authenticated, but writes are forbidden (a viewer). */
  readOnly?: boolean;
  /** Answer the first N requests with `failStatus` (default 503). */
  unavailableFirst?: number;
  failStatus?: number;
  /** Those failures quote the request's Authorization header, as some proxies' errors do. */
  echoAuthorization?: boolean;
  /** Answer everything with 302 to this Location, as a proxy sending http to https does. */
  redirectTo?: string;
  buildFlavor?: 'default' | 'serverless';
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Settings as Elasticsearch returns them: nested under `index`, every value a string. */
function normalizeSettings(settings: unknown): Json {
  const flat: Record<string, string> = {};
  const walk = (v: unknown, prefix: string) => {
    if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
    else flat[prefix.startsWith('index.') ? prefix : `index.${prefix}`] = String(v);
  };
  walk(settings, '');
  const out: Json = {};
  for (const [k, v] of Object.entries(flat)) {
    const parts = k.split('.');
    let cur = out;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Json;
    cur[parts.at(-1)!] = v;
  }
  return out;
}

function normalizeTemplate(t: unknown): Json | undefined {
  if (!isObject(t)) return undefined;
  return { ...t, ...(t.settings !== undefined ? { settings: normalizeSettings(t.settings) } : {}) };
}

function normalizePolicy(policy: Json): Json {
  const phases: Json = {};
  for (const [name, phase] of Object.entries((policy.phases as Json | undefined) ?? {})) {
    const p = phase as Json;
    const actions = { ...((p.actions as Json | undefined) ?? {}) };
    if (isObject(actions.delete))
      actions.delete = { delete_searchable_snapshot: true, ...actions.delete };
    phases[name] = { min_age: '0ms', ...p, actions };
  }
  return { ...policy, phases };
}

function esError(status: number, type: string, reason: string, extra: Json = {}): Json {
  return { error: { root_cause: [{ type, reason, ...extra }], type, reason, ...extra }, status };
}

const notFound = (reason: string) => esError(404, 'resource_not_found_exception', reason);

export class EsContractServer {
  readonly requests: RecordedRequest[] = [];
  readonly indexTemplates = new Map<string, Json>();
  readonly componentTemplates = new Map<string, Json>();
  readonly pipelines = new Map<string, Json>();
  readonly policies = new Map<string, { policy: Json; version: number; modified: string }>();
  private readonly local = new LocalServer((req, res, body) => this.handle(req, res, body));
  private served = 0;

  constructor(readonly opts: EsContractOptions = {}) {}

  /** Requests that wrote something (PUT). */
  get writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'PUT');
  }

  start(): Promise<string> {
    return this.local.start();
  }

  stop(): Promise<void> {
    return this.local.stop();
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    extra: Record<string, string> = {},
  ) {
    const compat = /compatible-with=(\d+)/.exec(String(req.headers.accept ?? ''));
    const headers: Record<string, string> = {
      'content-type': compat
        ? `application/vnd.elasticsearch+json;compatible-with=${compat[1]}`
        : 'application/json',
      ...extra,
    };
    if (this.opts.product !== false) headers['x-elastic-product'] = 'Elasticsearch';
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  private bad(req: IncomingMessage, res: ServerResponse, type: string, reason: string) {
    this.send(req, res, 400, esError(400, type, reason));
  }

  private authorized(req: IncomingMessage): boolean {
    const { apiKey, basic } = this.opts;
    if (apiKey === undefined && basic === undefined) return true;
    const auth = String(req.headers.authorization ?? '');
    if (apiKey !== undefined && auth === `ApiKey ${apiKey}`) return true;
    if (basic !== undefined) {
      const expected = Buffer.from(`${basic.username}:${basic.password}`).toString('base64');
      if (auth === `Basic ${expected}`) return true;
    }
    return false;
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      return this.bad(req, res, 'parse_exception', 'request body is not valid JSON');
    }
    this.requests.push({ method, path: url.pathname, headers: req.headers, body });
    this.served++;
    if (this.opts.redirectTo !== undefined) {
      res.writeHead(302, { location: this.opts.redirectTo });
      return res.end();
    }
    if (this.served <= (this.opts.unavailableFirst ?? 0)) return this.fail(req, res);
    // Content negotiation: Elasticsearch 8/9 take compatible-with=7|8 (9: 8|9); 7 takes only 7.
    const major = Number((this.opts.version ?? '8.19.2').split('.')[0]);
    for (const h of ['accept', 'content-type'] as const) {
      const m = /compatible-with=(\d+)/.exec(String(req.headers[h] ?? ''));
      if (!m) continue;
      const wanted = Number(m[1]);
      if (this.opts.legacy7 || wanted > major || wanted < major - 1) {
        const reason = `Invalid media-type value on headers [Accept, Content-Type]`;
        return this.send(req, res, 400, esError(400, 'media_type_header_exception', reason));
      }
    }
    if (!this.authorized(req)) {
      const reason = `unable to authenticate with provided credentials and anonymous access is not allowed for this request`;
      const header = { 'WWW-Authenticate': ['Basic realm="security", charset="UTF-8"', 'ApiKey'] };
      return this.send(req, res, 401, esError(401, 'security_exception', reason, { header }), {
        'www-authenticate': 'Basic realm="security", charset="UTF-8"',
      });
    }
    if (method === 'PUT' && this.opts.readOnly) {
      const reason = `action [cluster:admin/write] is unauthorized for user [viewer] with effective roles [viewer], this action is granted by the cluster privileges [manage,all]`;
      return this.send(req, res, 403, esError(403, 'security_exception', reason));
    }
    const [, api, name] =
      /^\/(_index_template|_component_template|_ingest\/pipeline|_ilm\/policy)\/([^/]+)$/.exec(
        url.pathname,
      ) ?? [];
    if (url.pathname === '/' && method === 'GET') return this.send(req, res, 200, this.info());
    if (api === undefined || name === undefined) {
      return this.bad(
        req,
        res,
        'illegal_argument_exception',
        `no handler found for uri [${url.pathname}] and method [${method}]`,
      );
    }
    const id = decodeURIComponent(name);
    if (method === 'GET') return this.get(req, res, api, id);
    if (method === 'PUT') {
      if (!isObject(body)) return this.bad(req, res, 'parse_exception', 'request body is required');
      return this.put(req, res, api, id, body);
    }
    return this.send(
      req,
      res,
      405,
      esError(
        405,
        'method_not_allowed',
        `Incorrect HTTP method for uri [${url.pathname}] and method [${method}]`,
      ),
    );
  }

  private fail(req: IncomingMessage, res: ServerResponse) {
    const status = this.opts.failStatus ?? 503;
    const echoed = this.opts.echoAuthorization ? ` (${String(req.headers.authorization)})` : '';
    const reason = `blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];${echoed}`;
    return this.send(req, res, status, esError(status, 'cluster_block_exception', reason));
  }

  private info(): Json {
    const number = this.opts.version ?? '8.19.2';
    return {
      name: 'contract',
      cluster_name: 'obs-contract',
      cluster_uuid: 'x3bQ1mKzRkq8Wq3c9GmW1w',
      version: {
        number,
        build_flavor: this.opts.buildFlavor ?? 'default',
        build_type: 'tar',
        build_hash: '0000000',
        build_date: '2026-01-01T00:00:00.000Z',
        build_snapshot: false,
        lucene_version: '9.12.0',
        minimum_wire_compatibility_version: '7.17.0',
        minimum_index_compatibility_version: '7.0.0',
      },
      tagline: 'You Know, for Search',
    };
  }

  private get(req: IncomingMessage, res: ServerResponse, api: string, id: string) {
    switch (api) {
      case '_index_template': {
        const t = this.indexTemplates.get(id);
        if (!t)
          return this.send(req, res, 404, notFound(`index template matching [${id}] not found`));
        return this.send(req, res, 200, { index_templates: [{ name: id, index_template: t }] });
      }
      case '_component_template': {
        const t = this.componentTemplates.get(id);
        if (!t)
          return this.send(
            req,
            res,
            404,
            notFound(`component template matching [${id}] not found`),
          );
        return this.send(req, res, 200, {
          component_templates: [{ name: id, component_template: t }],
        });
      }
      case '_ingest/pipeline': {
        const p = this.pipelines.get(id);
        // Elasticsearch answers a missing pipeline with 404 and an empty object.
        if (!p) return this.send(req, res, 404, {});
        return this.send(req, res, 200, { [id]: p });
      }
      default: {
        const p = this.policies.get(id);
        if (!p) return this.send(req, res, 404, notFound(`Lifecycle policy not found: ${id}`));
        return this.send(req, res, 200, {
          [id]: {
            version: p.version,
            modified_date: p.modified,
            policy: p.policy,
            in_use_by: { indices: [], data_streams: [], composable_templates: [] },
          },
        });
      }
    }
  }

  private put(req: IncomingMessage, res: ServerResponse, api: string, id: string, body: Json) {
    const ack = { acknowledged: true };
    switch (api) {
      case '_index_template': {
        const patterns = body.index_patterns;
        if (!Array.isArray(patterns) || patterns.length === 0) {
          return this.bad(
            req,
            res,
            'action_request_validation_exception',
            'Validation Failed: 1: index patterns are missing;',
          );
        }
        for (const [other, t] of this.indexTemplates) {
          if (other === id || t.priority !== body.priority) continue;
          const overlap = (t.index_patterns as string[]).some((a) =>
            (patterns as string[]).some((b) => {
              const pa = a.replace(/\*.*$/, '');
              const pb = b.replace(/\*.*$/, '');
              return pa.startsWith(pb) || pb.startsWith(pa);
            }),
          );
          if (overlap) {
            return this.bad(
              req,
              res,
              'illegal_argument_exception',
              `index template [${id}] has index patterns ${JSON.stringify(patterns)} matching patterns from existing templates [${other}] with patterns (${other} => ${JSON.stringify(t.index_patterns)}) that have the same priority [${String(body.priority)}], multiple index templates may not match during index creation, please use a different priority`,
            );
          }
        }
        const stored: Json = { ...body };
        if (isObject(body.data_stream))
          stored.data_stream = { hidden: false, allow_custom_routing: false, ...body.data_stream };
        if (body.template !== undefined) stored.template = normalizeTemplate(body.template);
        this.indexTemplates.set(id, stored);
        return this.send(req, res, 200, ack);
      }
      case '_component_template': {
        if (!isObject(body.template)) {
          return this.bad(
            req,
            res,
            'x_content_parse_exception',
            '[1:2] [component_template] failed to parse field [template]',
          );
        }
        this.componentTemplates.set(id, { ...body, template: normalizeTemplate(body.template) });
        return this.send(req, res, 200, ack);
      }
      case '_ingest/pipeline': {
        if (!Array.isArray(body.processors)) {
          return this.bad(req, res, 'parse_exception', '[processors] required property is missing');
        }
        this.pipelines.set(id, body);
        return this.send(req, res, 200, ack);
      }
      default: {
        if (!isObject(body.policy)) {
          return this.bad(
            req,
            res,
            'x_content_parse_exception',
            '[1:2] [put_lifecycle_request] failed to parse field [policy]',
          );
        }
        const prev = this.policies.get(id);
        this.policies.set(id, {
          policy: normalizePolicy(body.policy),
          version: (prev?.version ?? 0) + 1,
          modified: new Date().toISOString(),
        });
        return this.send(req, res, 200, ack);
      }
    }
  }
}
