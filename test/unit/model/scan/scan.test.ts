/**
 * The scanner on fixture repositories, one per scenario (test/fixtures/repos/<scenario>).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObsError } from '../../../../core/errors.js';
import { scanRepository } from '../../../../model/scan/index.js';
import type { ScanResult } from '../../../../model/scan/index.js';
import { REPOS } from '../../../support/repos.js';

const scan = (scenario: string) => scanRepository(path.join(REPOS, scenario));
const service = (r: ScanResult, name: string) => {
  const s = r.model.services.find((x) => x.name === name);
  if (!s)
    throw new Error(`no service ${name} in ${r.model.services.map((x) => x.name).join(', ')}`);
  return s;
};
const codes = (r: ScanResult) => r.findings.map((f) => `${f.service ?? ''}:${f.code}`);

/** A repository in a temporary folder with one FastAPI service in `api/`, for a test to add to. */
async function fastapiRepo(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'obs-scan-'));
  await mkdir(path.join(dir, 'api'));
  await writeFile(path.join(dir, 'api', 'requirements.txt'), 'fastapi\nuvicorn\n');
  await writeFile(
    path.join(dir, 'api', 'main.py'),
    'from fastapi import FastAPI\napp = FastAPI()\n',
  );
  return dir;
}

async function scanError(scenario: string): Promise<ObsError> {
  try {
    await scan(scenario);
  } catch (err) {
    if (err instanceof ObsError) return err;
    throw err;
  }
  throw new Error('expected an ObsError');
}

describe('scanRepository', () => {
  it('compose with Express (ESM), Flask under gunicorn and FastAPI under uvicorn', async () => {
    const r = await scan('compose-polyglot');
    expect(r.sources.compose).toBe('compose.yaml');
    expect(r.model.services.map((s) => s.name)).toEqual(['gateway', 'orders', 'catalog']);
    expect(service(r, 'gateway')).toMatchObject({
      language: 'node',
      framework: 'express',
      server: 'node',
      moduleType: 'esm',
      entrypoint: 'src/server.js',
      port: 3000,
      metricsPath: '/metrics',
      dependencies: [
        { kind: 'http', target: 'orders' },
        { kind: 'http', target: 'catalog' },
      ],
    });
    expect(service(r, 'gateway').libraries).toEqual(
      expect.arrayContaining(['express', 'pino', 'prom-client']),
    );
    // The Dockerfile's final stage names the server; requirements-dev.txt (django) is not read.
    expect(service(r, 'orders')).toMatchObject({
      language: 'python',
      framework: 'flask',
      server: 'gunicorn',
      entrypoint: 'orders.app:app',
      port: 8000,
      metricsPath: '/metrics',
      libraries: ['flask', 'psycopg2', 'requests'],
      dependencies: [{ kind: 'postgresql', target: 'db', library: 'psycopg2' }],
    });
    expect(service(r, 'catalog')).toMatchObject({
      framework: 'fastapi',
      server: 'uvicorn',
      entrypoint: 'app.main:app',
      port: 8001,
      libraries: ['fastapi', 'httpx', 'redis'],
      dependencies: [{ kind: 'redis', target: 'cache', library: 'redis' }],
    });
    // The gateway publishes 8080, which the stack's Logstash HTTP input wants on loopback too...
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        code: 'stack-port-moved',
        service: 'gateway',
        file: 'compose.yaml',
        line: 6,
      }),
    );
    // ...so the stack moves to the next port no service publishes.
    const published = [8080];
    expect(r.model.stack.ports.logstashHttp).toBeGreaterThan(8080);
    expect(published).not.toContain(r.model.stack.ports.logstashHttp);
  });

  it('finds services by folder when no Kubernetes workload is named like its code', async () => {
    const dir = await fastapiRepo();
    await mkdir(path.join(dir, 'k8s'));
    await writeFile(
      path.join(dir, 'k8s', 'api.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: orders-api',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: app',
        '          image: registry.example.com/shop/orders-api:1.4.2',
      ].join('\n') + '\n',
    );
    const r = await scanRepository(dir);
    expect(r.model.services.map((s) => s.name)).toEqual(['api']);
    expect(codes(r)).toContain('orders-api:k8s-no-code');
    await rm(dir, { recursive: true, force: true });
  });

  it('a start command that is no known server is named as found, not "no start command"', async () => {
    const dir = await fastapiRepo();
    await writeFile(
      path.join(dir, 'compose.yaml'),
      [
        'services:',
        '  api:',
        '    build: ./api',
        '    command: fastapi run main.py --port 8000',
        '  worker:',
        '    build: ./api',
        '    command: celery -A main worker -l info -b redis://:s3cret@cache:6379/0',
      ].join('\n') + '\n',
    );
    const r = await scanRepository(dir);
    expect(service(r, 'api')).toMatchObject({ server: 'uvicorn', entrypoint: 'main:app' });
    expect(service(r, 'worker').server).toBeUndefined();
    const unknown = r.findings.filter((f) => f.code === 'server-unknown');
    expect(unknown.map((f) => [f.service, f.message])).toEqual([
      [
        'worker',
        'worker starts with `celery -A main worker -l info -b redis://:***@cache:6379/0`, which obs does not know as a web server; its run line wraps that command with opentelemetry-instrument',
      ],
    ]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a Celery worker on Django code and a Node consumer serve no HTTP; the web app does', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'obs-scan-'));
    await mkdir(path.join(dir, 'shop', 'shop'), { recursive: true });
    await writeFile(path.join(dir, 'shop', 'requirements.txt'), 'django\ncelery\ngunicorn\n');
    await writeFile(path.join(dir, 'shop', 'manage.py'), 'from django.core import management\n');
    await writeFile(
      path.join(dir, 'shop', 'shop', 'wsgi.py'),
      'import os\nfrom django.core.wsgi import get_wsgi_application\n' +
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n',
    );
    await mkdir(path.join(dir, 'consumer'));
    await writeFile(
      path.join(dir, 'consumer', 'package.json'),
      JSON.stringify({ main: 'index.js', dependencies: { kafkajs: '2' } }),
    );
    await writeFile(path.join(dir, 'consumer', 'index.js'), "require('kafkajs');\n");
    await writeFile(
      path.join(dir, 'compose.yaml'),
      [
        'services:',
        '  web:',
        '    build: ./shop',
        '    command: gunicorn shop.wsgi:application -b 0.0.0.0:8000',
        '  worker:',
        '    build: ./shop',
        '    command: python -m celery -A shop worker -l info',
        '  beat:',
        '    build: ./shop',
        '    command: celery -A shop beat -l info',
        '  consumer:',
        '    build: ./consumer',
      ].join('\n') + '\n',
    );
    const r = await scanRepository(dir);
    expect(service(r, 'web')).toMatchObject({ framework: 'django', servesHttp: true });
    expect(service(r, 'worker')).toMatchObject({ framework: 'django', servesHttp: false });
    // `python -m celery` is celery, not a script `celery` run by the python server.
    expect(service(r, 'worker').server).toBeUndefined();
    expect(service(r, 'worker').entrypoint).not.toBe('celery');
    expect(service(r, 'consumer').servesHttp).toBe(false);
    // celery beat publishes tasks and runs none: a scheduler, which the model says.
    // Its publish gap is written out, to be raised for a sparser schedule.
    expect(service(r, 'beat')).toMatchObject({
      servesHttp: false,
      scheduler: true,
      maxPublishGap: '1h',
    });
    expect(service(r, 'worker').scheduler).toBeUndefined();
    expect(service(r, 'worker').maxPublishGap).toBeUndefined();
    expect(service(r, 'web').scheduler).toBeUndefined();
    expect(
      r.findings.find((x) => x.service === 'beat' && x.code === 'serves-no-http')?.message,
    ).toMatch(/scheduler that publishes tasks/);
    // Its code has no beat schedule to read: the default stays, and the scan says so.
    const found = r.findings.find((x) => x.service === 'beat' && x.code === 'publish-gap-default');
    expect(found).toMatchObject({ level: 'warning' });
    expect(found?.message).toMatch(/no beat schedule found .*maxPublishGap is the default 1h/);
    expect(codes(r)).toEqual(
      expect.arrayContaining(['worker:serves-no-http', 'consumer:serves-no-http']),
    );
    expect(codes(r)).not.toContain('worker:port-unknown');
    await rm(dir, { recursive: true, force: true });
  });

  it("a beat's maxPublishGap is its schedule's longest gap, or 1h and a warning", async () => {
    const r = await scan('celery-beat-schedule');
    // Every 3 hours from 8 to 20 and 6:30 on weekdays: 20:00 to 8:00 on the weekend is 12h.
    expect(service(r, 'beat')).toMatchObject({ scheduler: true, maxPublishGap: '12h' });
    const read = r.findings.find((f) => f.code === 'publish-gap-from-schedule');
    expect(read).toMatchObject({ level: 'info', service: 'beat' });
    expect(read?.message).toMatch(/2 entries .* from shop\/settings\.py; .*maxPublishGap is 12h$/);
    // django-celery-beat keeps the entries in its database: the code's are not all of them.
    expect(service(r, 'reports-beat')).toMatchObject({ scheduler: true, maxPublishGap: '1h' });
    const unread = r.findings.find((f) => f.code === 'publish-gap-default');
    expect(unread).toMatchObject({ level: 'warning', service: 'reports-beat' });
    expect(unread?.message).toMatch(/django_celery_beat\.schedulers:DatabaseScheduler/);
    expect(service(r, 'worker').maxPublishGap).toBeUndefined();
    expect(codes(r).filter((c) => c.endsWith('publish-gap-default'))).toEqual([
      'reports-beat:publish-gap-default',
    ]);
  });

  it("a service on the standard library's HTTP server or on Pyramid serves HTTP", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'obs-scan-'));
    for (const [name, req, code] of [
      ['plain', '', 'from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler\n'],
      ['pyr', 'pyramid\nwaitress\n', 'from pyramid.config import Configurator\n'],
    ]) {
      await mkdir(path.join(dir, name!));
      await writeFile(path.join(dir, name!, 'requirements.txt'), req!);
      await writeFile(path.join(dir, name!, 'main.py'), code!);
    }
    await writeFile(
      path.join(dir, 'compose.yaml'),
      'services:\n  plain:\n    build: ./plain\n    command: python main.py\n    ports: ["8000:8000"]\n' +
        '  pyr:\n    build: ./pyr\n    command: python main.py\n    ports: ["8001:8001"]\n',
    );
    const r = await scanRepository(dir);
    expect(service(r, 'plain').servesHttp).toBe(true);
    expect(service(r, 'pyr').servesHttp).toBe(true);
    expect(codes(r)).not.toContain('plain:serves-no-http');
    expect(codes(r)).not.toContain('pyr:serves-no-http');
    await rm(dir, { recursive: true, force: true });
  });

  it("puts plain values of the service's env into its command (Dockerfile ENV, manifest env)", async () => {
    const dir = await fastapiRepo();
    await writeFile(
      path.join(dir, 'api', 'Dockerfile'),
      'FROM python:3.12\nENV PORT=8000 TOKEN=123\nCMD uvicorn main:app --port $PORT --key $TOKEN\n',
    );
    let r = await scanRepository(dir);
    expect(service(r, 'api')).toMatchObject({
      command: ['uvicorn', 'main:app', '--port', '8000', '--key', '$TOKEN'],
      port: 8000,
    });
    await mkdir(path.join(dir, 'k8s'));
    await writeFile(
      path.join(dir, 'k8s', 'api.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: api}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: api',
        '          command: [gunicorn]',
        '          args: ["-b", "0.0.0.0:$(PORT)", "$(APP)"]',
        '          env: [{name: PORT, value: "9000"}]',
      ].join('\n') + '\n',
    );
    r = await scanRepository(dir);
    expect(service(r, 'api')).toMatchObject({
      command: ['gunicorn', '-b', '0.0.0.0:9000', '${APP}'],
      port: 9000,
    });
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the compose key of a service renamed for the model', async () => {
    const dir = await fastapiRepo();
    await writeFile(
      path.join(dir, 'compose.yaml'),
      'services:\n  Web.Api:\n    build: ./api\n  plain:\n    build: ./api\n',
    );
    const r = await scanRepository(dir);
    expect(service(r, 'web-api').composeService).toBe('Web.Api');
    expect(service(r, 'plain').composeService).toBeUndefined();
    await rm(dir, { recursive: true, force: true });
  });

  it('Next.js: the port from next start -p, and no main script needed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'obs-scan-'));
    await mkdir(path.join(dir, 'web'));
    await writeFile(
      path.join(dir, 'web', 'package.json'),
      JSON.stringify({ scripts: { start: 'next start -p 3000' }, dependencies: { next: '14' } }),
    );
    const r = await scanRepository(dir);
    expect(service(r, 'web')).toMatchObject({
      port: 3000,
      command: ['next', 'start', '-p', '3000'],
    });
    expect(codes(r)).not.toContain('web:entrypoint-unknown');
    expect(codes(r)).not.toContain('web:port-unknown');
    await rm(dir, { recursive: true, force: true });
  });

  it("puts plain values of the service's env into its package.json start script, as into commands", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'obs-scan-'));
    for (const [name, start] of [
      ['api', 'node server.js --port $PORT --secret $API_TOKEN'],
      ['web', 'next start -p ${WEB_PORT:-3000}'],
    ] as const) {
      await mkdir(path.join(dir, name));
      await writeFile(
        path.join(dir, name, 'package.json'),
        JSON.stringify({ scripts: { start }, dependencies: { express: '4', next: '14' } }),
      );
      await writeFile(path.join(dir, name, 'server.js'), "require('express')().listen(1);\n");
    }
    await writeFile(
      path.join(dir, 'compose.yaml'),
      [
        'services:',
        '  api:',
        '    build: ./api',
        '    environment: {PORT: "8080", API_TOKEN: "4242"}',
        '  web:',
        '    build: ./web',
        '    command: npm start',
        '    environment: {WEB_PORT: "3005"}',
      ].join('\n') + '\n',
    );
    const r = await scanRepository(dir);
    // The start script itself, and the one `npm start` names; credentials stay variables.
    expect(service(r, 'web').port).toBe(3005);
    expect(service(r, 'api').command).toEqual([
      'node',
      'server.js',
      '--port',
      '8080',
      '--secret',
      '$API_TOKEN',
    ]);
    await rm(dir, { recursive: true, force: true });
  });

  it('moves a stack port off every port of a range a service publishes', async () => {
    const dir = await fastapiRepo();
    // The Collector's own metrics (8888) and its Prometheus exporter (8889) lie inside the range.
    await writeFile(
      path.join(dir, 'compose.yaml'),
      'services:\n  api:\n    build: ./api\n    ports:\n      - "8880-8890:8880-8890"\n',
    );
    const r = await scanRepository(dir);
    const ports = r.model.stack.ports;
    for (const key of ['collectorMetrics', 'collectorPrometheus'] as const) {
      expect(ports[key] < 8880 || ports[key] > 8890, `${key} ${ports[key]}`).toBe(true);
    }
    expect(r.findings.filter((f) => f.code === 'stack-port-moved')).toHaveLength(2);
    await rm(dir, { recursive: true, force: true });
  });

  it('a monorepo built from its root: the Dockerfile folder with project files holds the code', async () => {
    const dir = await fastapiRepo();
    // Python at the root too (tooling), which the service built from `.` must not take for its own.
    await writeFile(path.join(dir, 'requirements.txt'), 'django\n');
    await mkdir(path.join(dir, 'node.api', 'src'), { recursive: true });
    await writeFile(
      path.join(dir, 'node.api', 'package.json'),
      JSON.stringify({ name: 'node-api', main: 'src/index.js', dependencies: { express: '^4' } }),
    );
    await writeFile(
      path.join(dir, 'node.api', 'src', 'index.js'),
      "const app = require('express')();\napp.listen(3000);\n",
    );
    await writeFile(
      path.join(dir, 'node.api', 'Dockerfile'),
      'FROM node:20\nCOPY node.api/ /app\nCMD ["node", "src/index.js"]\n',
    );
    await writeFile(
      path.join(dir, 'compose.yaml'),
      'services:\n  node.api:\n    build: {context: ., dockerfile: node.api/Dockerfile}\n    ports: ["3000:3000"]\n',
    );
    const r = await scanRepository(dir);
    expect(r.model.services[0]).toMatchObject({
      name: 'node-api',
      path: 'node.api',
      language: 'node',
      framework: 'express',
      entrypoint: 'src/index.js',
    });
    expect(codes(r)).toContain('node-api:code-folder-from-dockerfile');
    await rm(dir, { recursive: true, force: true });
  });

  it('follows extends: (in the file and in another), and profiles that never run together', async () => {
    const dir = await fastapiRepo();
    await writeFile(
      path.join(dir, 'common.yaml'),
      [
        'services:',
        '  base-py:',
        '    build: ./api',
        '    command: uvicorn main:app --host 0.0.0.0 --port 8000',
        '    environment: {LOG_LEVEL: info}',
        '    ports: ["8000:8000"]',
      ].join('\n') + '\n',
    );
    await writeFile(
      path.join(dir, 'compose.yaml'),
      [
        'services:',
        '  api:',
        '    extends: {file: common.yaml, service: base-py}',
        '    profiles: [prod]',
        '    env_file: [{path: ./local.env, required: false}]',
        '  api-dev:',
        '    extends: api',
        '    profiles: [dev]',
        '    environment: {LOG_LEVEL: debug}',
      ].join('\n') + '\n',
    );
    const r = await scanRepository(dir);
    for (const name of ['api', 'api-dev'])
      expect(service(r, name)).toMatchObject({
        path: 'api',
        framework: 'fastapi',
        server: 'uvicorn',
        port: 8000,
      });
    expect(codes(r)).not.toContain('api:image-only-service');
    expect(codes(r)).not.toContain('api:env-file-missing');
    expect(codes(r)).not.toContain('api:server-unknown');
    await rm(dir, { recursive: true, force: true });
  });

  it("Django's settings: the environment's, else the served module's (wsgi.py), not manage.py's", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'obs-scan-'));
    await mkdir(path.join(dir, 'web', 'mysite'), { recursive: true });
    const setdefault = (m: string) =>
      `import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "${m}")\n`;
    await writeFile(path.join(dir, 'web', 'requirements.txt'), 'django\ngunicorn\n');
    await writeFile(path.join(dir, 'web', 'manage.py'), setdefault('mysite.settings.dev'));
    await writeFile(path.join(dir, 'web', 'mysite', '__init__.py'), '');
    await writeFile(
      path.join(dir, 'web', 'mysite', 'wsgi.py'),
      setdefault('mysite.settings.prod') + 'application = None\n',
    );
    const compose = (env: string) =>
      `services:\n  web:\n    build: ./web\n    command: gunicorn mysite.wsgi:application${env}\n`;
    await writeFile(path.join(dir, 'compose.yaml'), compose(''));
    expect((await scanRepository(dir)).model.services[0]!.settingsModule).toBe(
      'mysite.settings.prod',
    );
    await writeFile(
      path.join(dir, 'compose.yaml'),
      compose('\n    environment: {DJANGO_SETTINGS_MODULE: mysite.settings.staging}'),
    );
    expect((await scanRepository(dir)).model.services[0]!.settingsModule).toBe(
      'mysite.settings.staging',
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('never puts environment values (credentials) into the model or findings', async () => {
    const r = await scan('compose-polyglot');
    expect(JSON.stringify(r)).not.toContain('secret');
  });

  it('Django with a Procfile and no compose file: the root folder is the service', async () => {
    const r = await scan('django-procfile');
    expect(r.sources.folders).toEqual(['.']);
    expect(r.model.services).toHaveLength(1);
    expect(r.model.services[0]).toMatchObject({
      name: 'django-procfile',
      path: '.',
      framework: 'django',
      server: 'gunicorn',
      entrypoint: 'mysite.wsgi',
      settingsModule: 'mysite.settings',
      port: 8000,
      libraries: ['django', 'psycopg'],
    });
    // psycopg is there but nothing names the database host: reported, recorded by kind.
    expect(codes(r)).toContain('django-procfile:dependency-target-unknown');
  });

  it('Kubernetes manifests only: workloads matched to code folders, Service names to workloads', async () => {
    const r = await scan('k8s-only');
    expect(r.sources.kubernetes).toEqual(['k8s/mongo.yaml', 'k8s/orders.yaml', 'k8s/web.yaml']);
    expect(service(r, 'orders')).toMatchObject({
      path: 'services/orders',
      framework: 'flask',
      server: 'gunicorn',
      entrypoint: 'orders.wsgi:app',
      port: 8080,
      dependencies: [{ kind: 'mongodb', target: 'mongo', library: 'pymongo' }],
    });
    expect(service(r, 'web')).toMatchObject({
      path: 'services/web',
      framework: 'express',
      moduleType: 'cjs',
      entrypoint: 'src/index.js',
      port: 3000,
      dependencies: [{ kind: 'http', target: 'orders' }],
    });
    expect(service(r, 'web').libraries).toContain('winston');
  });

  it('a Go service is reported and skipped; an asyncio worker gets Kafka and RabbitMQ from its env', async () => {
    const r = await scan('mixed-languages');
    expect(r.model.services.map((s) => s.name)).toEqual(['worker']);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ code: 'language-unsupported', service: 'billing', line: 2 }),
    );
    expect(service(r, 'worker')).toMatchObject({
      framework: 'asyncio',
      server: 'python',
      entrypoint: 'worker',
      libraries: ['aio-pika', 'aiokafka'],
      dependencies: [
        { kind: 'kafka', target: 'kafka', library: 'aiokafka' },
        { kind: 'rabbitmq', target: 'rabbit', library: 'aio-pika' },
      ],
    });
    // A consumer: no web framework or server, so no HTTP and no port to look for.
    expect(service(r, 'worker').servesHttp).toBe(false);
    expect(codes(r)).toContain('worker:serves-no-http');
    expect(codes(r)).not.toContain('worker:port-unknown');
  });

  it('Fastify (CommonJS) with pino; Express calling it through an env URL', async () => {
    const r = await scan('express-calls-fastify');
    expect(service(r, 'items')).toMatchObject({
      framework: 'fastify',
      moduleType: 'cjs',
      entrypoint: 'server.js',
      port: 3001,
    });
    expect(service(r, 'web')).toMatchObject({
      framework: 'express',
      moduleType: 'esm',
      dependencies: [{ kind: 'http', target: 'items' }],
    });
  });
});

describe('scanRepository on bad input', () => {
  it('malformed compose YAML: file and line', async () => {
    const e = await scanError('malformed-compose');
    expect(e.code).toBe('OBS_BAD_YAML');
    expect(e.exit).toBe(65);
    expect(e.located).toMatch(/^docker-compose\.yml:6: invalid YAML in compose file: /);
  });

  it('two services publishing one host port', async () => {
    const e = await scanError('compose-port-clash');
    expect(e.code).toBe('OBS_PORT_CLASH');
    expect(e.located).toBe(
      'compose.yaml:10: host port 8080/tcp is published by a and b: the second one cannot start',
    );
  });

  it('a service folder with no recognizable code', async () => {
    const e = await scanError('service-without-code');
    expect(e.code).toBe('OBS_NO_CODE');
    expect(e.exit).toBe(65);
    expect(e.located).toMatch(/^compose\.yaml:4: service static: no recognizable code in static /);
  });

  it('a repository with no services', async () => {
    const e = await scanError('no-services');
    expect(e.code).toBe('OBS_NO_SERVICES');
    expect(e.exit).toBe(66);
    expect(e.message).toBe(
      'no services found: no compose file; no Kubernetes manifests; no folder with a package.json or Python project files',
    );
  });
});
