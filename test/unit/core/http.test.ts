import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { redactUrl, request } from '../../../core/http.js';

const fast = { retries: 3, minDelayMs: 5, maxDelayMs: 20, timeoutMs: 500 };
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(statuses: number[]): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((_req, res) => {
    const status = statuses[Math.min(hits, statuses.length - 1)]!;
    hits++;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ hit: hits }));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api`, hits: () => hits };
}

describe('request', () => {
  it('retries 5xx and returns the first good answer', async () => {
    const s = await serve([503, 502, 200]);
    const res = await request({ url: s.url }, { server: 'Grafana', retry: fast });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    expect(JSON.parse(res.body)).toEqual({ hit: 3 });
  });

  it('does not retry a 4xx answer', async () => {
    const s = await serve([412, 200]);
    const res = await request(
      { url: s.url, method: 'POST', body: '{}' },
      { server: 'Grafana', retry: fast },
    );
    expect(res.status).toBe(412);
    expect(s.hits()).toBe(1);
  });

  it('hands back the last 5xx when retries run out', async () => {
    const s = await serve([500]);
    const retries: number[] = [];
    const res = await request(
      { url: s.url },
      { server: 'Grafana', retry: fast, onRetry: (i) => retries.push(i.attempt) },
    );
    expect(res.status).toBe(500);
    expect(s.hits()).toBe(4);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('reports an unreachable server after its retries, without credentials', async () => {
    const s = await serve([200]);
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const url = s.url.replace('http://', 'http://admin:s3cret@');
    const err = await request({ url }, { server: 'Grafana', retry: fast }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    expect((err as ObsError).code).toBe('OBS_SERVER_UNREACHABLE');
    expect((err as ObsError).message).toMatch(
      /cannot reach Grafana at .* after 4 attempts: ECONNREFUSED/,
    );
    expect((err as ObsError).message).not.toContain('s3cret');
  });

  it('fails at once, as a usage error, on a URL it cannot fetch', async () => {
    for (const [url, message] of [
      ['not a url', /the URL is not a valid URL$/],
      ['admin:s3cret@jaeger:16686', /the URL must start with http:\/\/ or https:\/\//],
    ] as const) {
      const err = await request({ url }, { server: 'Jaeger', retry: fast }).catch(
        (e: unknown) => e,
      );
      expect((err as ObsError).code).toBe('OBS_BAD_URL');
      expect((err as ObsError).exit).toBe(64);
      expect((err as ObsError).message).toMatch(message);
      expect(JSON.stringify(err)).not.toContain('s3cret');
      expect((err as ObsError).suggestions.join(' ')).not.toContain('s3cret');
    }
    // A port fetch refuses to use (9, discard): one attempt, no retries.
    const err = await request({ url: 'http://127.0.0.1:9/x' }, { server: 'Jaeger', retry: fast })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect((err as ObsError).message).toMatch(/after 1 attempt: bad port/);
  });

  it('redacts userinfo, query string and fragment', () => {
    expect(redactUrl('https://u:p@grafana.example:3000/x')).toBe('https://grafana.example:3000/x');
    expect(redactUrl('https://grafana.example/x?api_key=s3cret#t=1')).toBe(
      'https://grafana.example/x',
    );
  });

  it('reports an unreachable server without the query string, which it still requests', async () => {
    let asked: string | undefined;
    const s = await serve([200]);
    server!.on('request', (req: { url?: string }) => (asked = req.url));
    const ok = await request({ url: `${s.url}?token=s3cret` }, { server: 'Grafana', retry: fast });
    expect(ok.status).toBe(200);
    expect(asked).toBe('/api?token=s3cret');
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const err = await request(
      { url: `${s.url}?token=s3cret` },
      { server: 'Grafana', retry: { ...fast, retries: 0 } },
    ).catch((e: unknown) => e);
    expect((err as ObsError).message).toBe(
      `cannot reach Grafana at ${s.url} after 1 attempt: ECONNREFUSED`,
    );
  });
});

describe('request with credentials in the URL', () => {
  it('sends them as basic auth and not in the URL', async () => {
    let auth: string | undefined;
    server = createServer((req, res) => {
      auth = req.headers.authorization;
      res.end('ok');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const res = await request(
      { url: `http://admin:s%40cret@127.0.0.1:${port}/` },
      { server: 'Kibana', retry: fast },
    );
    expect(res.status).toBe(200);
    expect(auth).toBe('Basic ' + Buffer.from('admin:s@cret').toString('base64'));
  });
});

describe('request against a redirecting or echoing server', () => {
  async function answer(status: number, headers: Record<string, string>, body = '') {
    let hits = 0;
    let auth: string | undefined;
    server = createServer((req, res) => {
      hits++;
      auth = req.headers.authorization;
      res.writeHead(status, headers);
      res.end(body.replace('AUTH', auth ?? ''));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return { base: `127.0.0.1:${port}`, hits: () => hits };
  }

  it('does not follow a redirect: exit 78, naming the Location, one request', async () => {
    const s = await answer(302, { location: 'https://elsewhere.example:8443/api' });
    const err = await request(
      { url: `http://admin:s3cret@${s.base}/api`, what: 'read folder f' },
      { server: 'Grafana', urlFlag: '--url', retry: fast },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    const e = err as ObsError;
    expect(e.code).toBe('OBS_REDIRECTED');
    expect(e.exit).toBe(78);
    expect(e.message).toBe(
      `Grafana at http://${s.base}/api answered 302 (read folder f), redirecting to https://elsewhere.example:8443/api: use https://elsewhere.example:8443 instead of http://${s.base} in --url`,
    );
    expect(s.hits()).toBe(1);
    expect(JSON.stringify([e.message, e.suggestions])).not.toContain('s3cret');
  });

  it('names both URLs without query string or credentials, where login redirects carry tokens', async () => {
    const s = await answer(302, {
      location:
        'https://sso:pw-s3cret@sso.example/login?state=st-s3cret&next=%2Fapi#token=t-s3cret',
    });
    const err = (await request(
      { url: `http://admin:s3cret@${s.base}/api/search?query=q-s3cret` },
      { server: 'Grafana', urlFlag: '--url', retry: fast },
    ).catch((e: unknown) => e)) as ObsError;
    expect(err.code).toBe('OBS_REDIRECTED');
    expect(err.message).toBe(
      `Grafana at http://${s.base}/api/search answered 302, redirecting to https://sso.example/login: likely a login page or an http->https redirect of an auth proxy in front of Grafana`,
    );
    expect(JSON.stringify([err.message, err.suggestions])).not.toMatch(/s3cret|\?|#/);
  });

  it('calls a redirect to another path a likely login page', async () => {
    const s = await answer(302, { location: '/login' });
    const err = (await request(
      { url: `http://${s.base}/api` },
      { server: 'Kibana', retry: fast },
    ).catch((e: unknown) => e)) as ObsError;
    expect(err.message).toMatch(
      /answered 302, redirecting to http:\/\/127\.0\.0\.1:\d+\/login: likely a login page/,
    );
  });

  it('redacts the credentials it sent from an error answer', async () => {
    const s = await answer(400, { 'content-type': 'text/plain' }, 'bad header AUTH');
    const res = await request(
      { url: `http://admin:pw-s3cret@${s.base}/` },
      { server: 'Kibana', retry: fast },
    );
    expect(res.body).toBe('bad header Basic [redacted]');
  });
});
