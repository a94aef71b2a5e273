/**
 * A local HTTP server that answers as Grafana's HTTP API does, for CONTRACT TESTS of obs's Grafana
 * client (Grafana itself is AGPL and not installed here). It follows the documented contract in
 * /work/shared/FACTS.md and Grafana's save logic: folders, POST /api/dashboards/db with version
 * and title checks (412 version-mismatch | name-exists | plugin-dashboard), GET
 * /api/dashboards/uid/:uid, /api/search, Bearer tokens with Viewer/Editor roles (401/403), and
 * injected faults (5xx, slow answers) to exercise retries.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Role = 'Viewer' | 'Editor';

interface StoredDashboard {
  id: number;
  uid: string;
  title: string;
  version: number;
  folderUid: string;
  json: Record<string, unknown>;
  pluginId?: string;
  provisioned?: boolean;
  message?: string;
}

interface Folder {
  id: number;
  uid: string;
  title: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** Whether an Authorization header came; its value is never recorded. */
  authorized: boolean;
  status: number;
}

export interface ContractServer {
  url: string;
  requests: RequestRecord[];
  dashboards: Map<string, StoredDashboard>;
  folders: Map<string, Folder>;
  /** The next `count` requests get `status` (default 503) with Grafana's error body; with
   * `echoAuthorization` its message quotes the Authorization header, as some proxies do. */
  failNext(count: number, status?: number, opts?: { echoAuthorization?: boolean }): void;
  /** The next `count` requests get 302 to `location`, as an auth proxy in front of Grafana does. */
  redirectNext(count: number, location: string): void;
  /** The next `count` requests are answered only after `ms`. */
  delayNext(count: number, ms: number): void;
  /** Runs after each served GET /api/dashboards/uid/:uid (e.g. to simulate a concurrent save). */
  afterRead?: (uid: string) => void;
  seedFolder(uid: string, title: string): void;
  seedDashboard(
    json: Record<string, unknown>,
    opts: { folderUid: string; pluginId?: string; provisioned?: boolean },
  ): StoredDashboard;
  /** Someone else saves the dashboard: its version goes up. */
  touch(uid: string): void;
  close(): Promise<void>;
}

function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

async function body(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text === '' ? undefined : JSON.parse(text);
}

export async function startGrafanaContractServer(
  tokens: Record<string, Role> = {},
): Promise<ContractServer> {
  const dashboards = new Map<string, StoredDashboard>();
  const folders = new Map<string, Folder>();
  const requests: RequestRecord[] = [];
  let nextId = 1;
  let failures = { count: 0, status: 503, echoAuthorization: false };
  let delays: { count: number; ms: number } = { count: 0, ms: 0 };
  let redirects = { count: 0, location: '' };

  const state: ContractServer = {
    url: '',
    requests,
    dashboards,
    folders,
    failNext(count, status = 503, opts = {}) {
      failures = { count, status, echoAuthorization: opts.echoAuthorization ?? false };
    },
    redirectNext(count, location) {
      redirects = { count, location };
    },
    delayNext(count, ms) {
      delays = { count, ms };
    },
    seedFolder(uid, title) {
      folders.set(uid, { id: nextId++, uid, title });
    },
    seedDashboard(json, opts) {
      const uid = String(json.uid);
      const d: StoredDashboard = {
        id: nextId++,
        uid,
        title: String(json.title),
        version: 1,
        folderUid: opts.folderUid,
        json: { ...json },
        ...(opts.pluginId ? { pluginId: opts.pluginId } : {}),
        ...(opts.provisioned ? { provisioned: true } : {}),
      };
      dashboards.set(uid, d);
      return d;
    },
    touch(uid) {
      const d = dashboards.get(uid);
      if (d) d.version++;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };

  const stored = (d: StoredDashboard) => ({ ...d.json, id: d.id, uid: d.uid, version: d.version });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    if (redirects.count > 0) {
      redirects.count--;
      res.writeHead(302, { location: redirects.location });
      res.end();
      return 302;
    }
    if (failures.count > 0) {
      failures.count--;
      const echoed = failures.echoAuthorization ? `: ${String(req.headers.authorization)}` : '';
      send(res, failures.status, { message: `Service Unavailable${echoed}` });
      return failures.status;
    }
    if (delays.count > 0) {
      delays.count--;
      await new Promise((r) => setTimeout(r, delays.ms));
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const role = token === undefined ? undefined : tokens[token];
    if (role === undefined) {
      send(res, 401, { message: 'Invalid API key', messageId: 'api-key.invalid', statusCode: 401 });
      return 401;
    }
    const write = method !== 'GET';
    if (write && role !== 'Editor') {
      const needed = url.pathname.startsWith('/api/folders')
        ? 'folders:create'
        : 'dashboards:write';
      send(res, 403, {
        accessErrorId: 'ACE0000000001',
        message: `You'll need additional permissions to perform this action. Permissions needed: ${needed}`,
        title: 'Access denied',
      });
      return 403;
    }

    const folderMatch = /^\/api\/folders\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && folderMatch) {
      const f = folders.get(decodeURIComponent(folderMatch[1]!));
      if (!f) {
        send(res, 404, { message: 'folder not found', status: 'not-found' });
        return 404;
      }
      send(res, 200, { ...f, url: `/dashboards/f/${f.uid}/${slug(f.title)}`, version: 1 });
      return 200;
    }
    if (method === 'POST' && url.pathname === '/api/folders') {
      const b = (await body(req)) as { uid?: string; title?: string };
      if (!b.title) {
        send(res, 400, { message: 'folder name cannot be empty' });
        return 400;
      }
      if (b.uid && folders.has(b.uid)) {
        send(res, 412, { message: 'a folder with the same uid already exists' });
        return 412;
      }
      const f = { id: nextId++, uid: b.uid ?? `f${nextId}`, title: b.title };
      folders.set(f.uid, f);
      send(res, 200, { ...f, url: `/dashboards/f/${f.uid}/${slug(f.title)}`, version: 1 });
      return 200;
    }
    const dashMatch = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && dashMatch) {
      const uid = decodeURIComponent(dashMatch[1]!);
      const d = dashboards.get(uid);
      if (!d) {
        send(res, 404, { message: 'Dashboard not found' });
        return 404;
      }
      send(res, 200, {
        dashboard: stored(d),
        meta: {
          slug: slug(d.title),
          url: `/d/${d.uid}/${slug(d.title)}`,
          folderUid: d.folderUid,
          version: d.version,
          provisioned: d.provisioned ?? false,
        },
      });
      state.afterRead?.(uid);
      return 200;
    }
    if (method === 'POST' && url.pathname === '/api/dashboards/db') {
      return save(req, res);
    }
    if (method === 'GET' && url.pathname === '/api/search') {
      const folderUids = url.searchParams.getAll('folderUIDs');
      const hits = [...dashboards.values()]
        .filter((d) => folderUids.length === 0 || folderUids.includes(d.folderUid))
        .map((d) => ({
          id: d.id,
          uid: d.uid,
          title: d.title,
          type: 'dash-db',
          url: `/d/${d.uid}/${slug(d.title)}`,
          folderUid: d.folderUid,
          tags: (d.json.tags as string[] | undefined) ?? [],
        }));
      send(res, 200, hits);
      return 200;
    }
    send(res, 404, { message: 'Not found' });
    return 404;
  }

  // Grafana's save rules (pkg/services/dashboards: getExistingDashboardByIDOrUIDForUpdate and
  // getExistingDashboardByTitleAndFolder), reduced to uid-addressed dashboards.
  async function save(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const b = (await body(req)) as {
      dashboard?: Record<string, unknown>;
      folderUid?: string;
      overwrite?: boolean;
      message?: string;
    };
    const dash = b.dashboard;
    const title = typeof dash?.title === 'string' ? dash.title.trim() : '';
    if (!dash || title === '') {
      send(res, 400, { message: 'Dashboard title cannot be empty', status: 'empty-name' });
      return 400;
    }
    const uid = typeof dash.uid === 'string' ? dash.uid : '';
    if (uid.length > 40) {
      send(res, 400, { message: 'uid too long, max 40 characters', status: 'bad-uid' });
      return 400;
    }
    const folderUid = b.folderUid ?? '';
    if (folderUid !== '' && !folders.has(folderUid)) {
      send(res, 400, { message: 'folder not found', status: 'not-found' });
      return 400;
    }
    const overwrite = b.overwrite === true;
    const existing = dashboards.get(uid);
    if (existing) {
      if (existing.provisioned) {
        send(res, 400, { message: 'Cannot save provisioned dashboard' });
        return 400;
      }
      if (dash.version !== existing.version && !overwrite) {
        send(res, 412, {
          message: 'The dashboard has been changed by someone else',
          status: 'version-mismatch',
        });
        return 412;
      }
      if (existing.pluginId && !overwrite) {
        send(res, 412, {
          message: `The dashboard belongs to plugin ${existing.pluginId}.`,
          status: 'plugin-dashboard',
        });
        return 412;
      }
    }
    const sameTitle = [...dashboards.values()].find(
      (d) =>
        d.uid !== uid && d.folderUid === folderUid && d.title.toLowerCase() === title.toLowerCase(),
    );
    if (sameTitle) {
      if (!overwrite) {
        send(res, 412, {
          message: 'A dashboard with the same name in the folder already exists',
          status: 'name-exists',
        });
        return 412;
      }
      dashboards.delete(sameTitle.uid);
    }
    const { id: _id, version: _version, ...json } = dash;
    const d: StoredDashboard = {
      id: existing?.id ?? nextId++,
      uid: uid || `gen${nextId}`,
      title,
      version: (existing?.version ?? 0) + 1,
      folderUid,
      json: { ...json, uid: uid || `gen${nextId}` },
      ...(b.message ? { message: b.message } : {}),
    };
    dashboards.set(d.uid, d);
    send(res, 200, {
      id: d.id,
      uid: d.uid,
      url: `/d/${d.uid}/${slug(title)}`,
      status: 'success',
      version: d.version,
      slug: slug(title),
    });
    return 200;
  }

  const server: Server = createServer((req, res) => {
    route(req, res)
      .then((status) =>
        requests.push({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          authorized: req.headers.authorization !== undefined,
          status,
        }),
      )
      .catch((err: unknown) => {
        send(res, 500, { message: String(err) });
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
