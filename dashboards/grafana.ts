/**
 * A small client for the parts of Grafana's HTTP API that `obs dashboards push` uses: folders,
 * dashboards by uid, and saving a dashboard. Transport, timeouts, retries (5xx, 429, network
 * errors), redirects (an error naming the Location) and redacting the token from error bodies are
 * core/http.ts's; this module turns Grafana's answers into plain-words errors.
 * The token is sent as `Authorization: Bearer` and never appears in a message.
 */
import { ExitCode, ObsError } from '../core/errors.js';
import type { HttpResponse, RequestContext, RetryPolicy } from '../core/http.js';
import { isRetryableStatus, keptFailingError, redactUrl, request } from '../core/http.js';

export interface GrafanaOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 (a sub-path such as /grafana is kept). */
  url: string;
  /** Service account token; without one, basic auth from the URL's userinfo, if any. */
  token?: string;
  retry?: RetryPolicy;
  onRetry?: RequestContext['onRetry'];
}

/** A dashboard JSON model: only the fields this client reads are typed. */
export interface DashboardJson {
  uid?: string;
  title?: string;
  id?: number | null;
  version?: number;
  [key: string]: unknown;
}

export interface RemoteDashboard {
  dashboard: DashboardJson;
  meta: { folderUid?: string; version?: number; provisioned?: boolean; url?: string };
}

export interface SaveAnswer {
  id: number;
  uid: string;
  url: string;
  status: string;
  version: number;
}

/** Grafana's 412 statuses for a refused save, and what each means for the user. */
const PRECONDITION: Record<string, (title: string) => { why: string; fix: string }> = {
  'version-mismatch': (t) => ({
    why: `"${t}" was changed in Grafana after obs read it (version-mismatch)`,
    fix: 'It was left as saved in Grafana. The next push replaces it (--dry-run shows what changed), or push with --overwrite.',
  }),
  'name-exists': (t) => ({
    why: `another dashboard titled "${t}" already exists in the folder (name-exists)`,
    fix: 'Rename or delete that dashboard in Grafana, or push with --overwrite to replace it.',
  }),
  'plugin-dashboard': (t) => ({
    why: `"${t}" is a dashboard that a Grafana plugin installed (plugin-dashboard)`,
    fix: 'Push with --overwrite to replace it, or remove the plugin dashboard first.',
  }),
};

/** Why Grafana refused one dashboard; the push goes on with the others. */
export class DashboardRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'DashboardRefused';
  }
}

function messageIn(body: string): { message?: string; status?: string } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const o = parsed as Record<string, unknown>;
      return {
        ...(typeof o.message === 'string' ? { message: o.message } : {}),
        ...(typeof o.status === 'string' ? { status: o.status } : {}),
      };
    }
  } catch {
    // not JSON: an HTML error page from a proxy, say
  }
  return {};
}

export class GrafanaClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly opts: GrafanaOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.headers = { accept: 'application/json' };
    if (opts.token) this.headers.authorization = `Bearer ${opts.token}`;
  }

  /** The server, for messages: no credentials. */
  get where(): string {
    return redactUrl(this.base);
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    what: string,
    body?: unknown,
  ): Promise<HttpResponse> {
    const res = await request(
      {
        method,
        url: this.base + path,
        headers:
          body === undefined
            ? this.headers
            : { ...this.headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        what,
      },
      {
        server: 'Grafana',
        urlFlag: '--url',
        ...(this.opts.retry ? { retry: this.opts.retry } : {}),
        ...(this.opts.onRetry ? { onRetry: this.opts.onRetry } : {}),
      },
    );
    this.refuseAuth(res, what);
    if (isRetryableStatus(res.status)) {
      throw keptFailingError({
        server: 'Grafana',
        where: this.where,
        what: `to ${what}`,
        res,
        message: messageIn(res.body).message,
        code: 'OBS_GRAFANA_SERVER_ERROR',
        suggestion: "Check Grafana's own log; run the push again when it is healthy.",
      });
    }
    return res;
  }

  private refuseAuth(res: HttpResponse, what: string): void {
    if (res.status === 401) {
      throw new ObsError(
        `Grafana at ${this.where} did not accept the credentials (401 Unauthorized): the token is missing, wrong or expired`,
        {
          code: 'OBS_GRAFANA_UNAUTHORIZED',
          exit: ExitCode.noPermission,
          suggestions: [
            'Create a service account token in Grafana (Administration > Users and access > Service accounts) with the Editor role.',
            'Put it in OBS_GRAFANA_TOKEN (or GRAFANA_TOKEN), or pipe it to --token-stdin.',
          ],
        },
      );
    }
    if (res.status === 403) {
      const m = messageIn(res.body).message;
      throw new ObsError(
        `Grafana at ${this.where} accepted the token but does not allow it to ${what} (403 Forbidden${m ? `: ${m}` : ''})`,
        {
          code: 'OBS_GRAFANA_FORBIDDEN',
          exit: ExitCode.noPermission,
          suggestions: [
            'Give the service account the Editor role, or Edit permission on the target folder.',
          ],
        },
      );
    }
  }

  private unexpected(res: HttpResponse, what: string): ObsError {
    const m = messageIn(res.body).message;
    return new ObsError(
      `Grafana at ${this.where} answered HTTP ${res.status} when asked to ${what}${m ? `: ${m}` : ''}`,
      { code: 'OBS_GRAFANA_UNEXPECTED', exit: ExitCode.failure },
    );
  }

  private json<T>(res: HttpResponse, what: string): T {
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new ObsError(
        `Grafana at ${this.where} answered ${what} with something that is not JSON`,
        {
          code: 'OBS_GRAFANA_BAD_ANSWER',
          exit: ExitCode.dataError,
          suggestions: [
            'Check that the URL points at Grafana itself, not at a login page or proxy.',
          ],
        },
      );
    }
  }

  /** The folder's title if it exists. */
  async getFolder(uid: string): Promise<{ uid: string; title: string } | undefined> {
    const what = `read folder ${uid}`;
    const res = await this.call('GET', `/api/folders/${encodeURIComponent(uid)}`, what);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.unexpected(res, what);
    return this.json(res, what);
  }

  /** Creates the folder; one created meanwhile by someone else counts as existing. */
  async createFolder(uid: string, title: string): Promise<'created' | 'exists'> {
    const what = `create folder "${title}"`;
    const res = await this.call('POST', '/api/folders', what, { uid, title });
    if (res.status === 200) return 'created';
    // Grafana answers 409 or 412 for a folder that exists.
    if ((res.status === 409 || res.status === 412) && (await this.getFolder(uid))) return 'exists';
    throw this.unexpected(res, what);
  }

  async getDashboard(uid: string): Promise<RemoteDashboard | undefined> {
    const what = `read dashboard ${uid}`;
    const res = await this.call('GET', `/api/dashboards/uid/${encodeURIComponent(uid)}`, what);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.unexpected(res, what);
    return this.json(res, what);
  }

  /**
   * Saves a dashboard into a folder. `version` is the version obs read (absent for a new one):
   * Grafana refuses the save with 412 version-mismatch if someone saved in between, unless
   * `overwrite`. Refusals of this one dashboard throw DashboardRefused.
   */
  async saveDashboard(
    dashboard: DashboardJson,
    opts: { folderUid: string; message: string; overwrite: boolean; version?: number },
  ): Promise<SaveAnswer> {
    const title = dashboard.title ?? dashboard.uid ?? '?';
    const what = `save dashboard "${title}"`;
    const body = {
      dashboard: {
        ...dashboard,
        id: null,
        ...(opts.version === undefined ? {} : { version: opts.version }),
      },
      folderUid: opts.folderUid,
      message: opts.message,
      overwrite: opts.overwrite,
    };
    const res = await this.call('POST', '/api/dashboards/db', what, body);
    if (res.status === 200) return this.json<SaveAnswer>(res, what);
    const answer = messageIn(res.body);
    if (res.status === 412) {
      const explain = PRECONDITION[answer.status ?? ''];
      if (explain) {
        const { why, fix } = explain(title);
        throw new DashboardRefused(`Grafana refused to save it: ${why}`, 412, answer.status!, fix);
      }
    }
    if (res.status === 400 && /provisioned/i.test(answer.message ?? '')) {
      throw new DashboardRefused(
        `Grafana refused to save "${title}": it is provisioned from files on that Grafana server, which the API cannot change`,
        400,
        'provisioned',
        'Change the file Grafana provisions it from, or remove that provisioning.',
      );
    }
    if (res.status === 400 || res.status === 404 || res.status === 412) {
      throw new DashboardRefused(
        `Grafana refused to save "${title}" (HTTP ${res.status}${answer.message ? `: ${answer.message}` : ''})`,
        res.status,
        answer.status ?? 'refused',
        'Check the dashboard JSON and the target folder.',
      );
    }
    throw this.unexpected(res, what);
  }
}
