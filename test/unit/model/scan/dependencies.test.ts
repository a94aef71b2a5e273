import { describe, expect, it } from 'vitest';
import {
  dependenciesFromEnv,
  kindOfImage,
  siblingUrlsInSource,
} from '../../../../model/scan/dependencies.js';
import type { Sibling } from '../../../../model/scan/dependencies.js';

const siblings = new Map<string, Sibling>([
  ['orders', { name: 'orders', role: 'app' }],
  ['orders-svc', { name: 'orders', role: 'app' }],
  ['db', { name: 'db', role: 'infra', kind: 'postgresql' }],
  ['cache', { name: 'cache', role: 'infra', kind: 'redis' }],
  ['queue', { name: 'queue', role: 'infra' }],
]);

describe('dependenciesFromEnv', () => {
  it('finds siblings in URLs and host variables, and never reports values', () => {
    const deps = dependenciesFromEnv(
      {
        DATABASE_URL: 'postgresql://user:s3cret@db:5432/app',
        ORDERS_URL: 'http://orders-svc/api',
        CACHE_HOST: 'cache',
        BROKERS: 'queue:9092,queue2:9092',
        PAYMENTS_URL: 'https://payments.example.com/v1',
        MONGO_URL: 'mongodb://mongo.internal:27017/x',
        GREETING: 'hello orders',
      },
      siblings,
      'gateway',
    );
    expect(deps).toEqual([
      { kind: 'postgresql', target: 'db', variable: 'DATABASE_URL', assumed: false },
      { kind: 'http', target: 'orders', variable: 'ORDERS_URL', assumed: false },
      { kind: 'redis', target: 'cache', variable: 'CACHE_HOST', assumed: false },
      { kind: 'kafka', target: 'queue', variable: 'BROKERS', assumed: false },
      { kind: 'mongodb', target: 'mongo.internal', variable: 'MONGO_URL', assumed: false },
    ]);
    expect(JSON.stringify(deps)).not.toContain('s3cret');
  });

  it('does not count the service itself or localhost', () => {
    expect(
      dependenciesFromEnv(
        { SELF: 'http://orders:8000', LOCAL: 'redis://localhost:6379' },
        siblings,
        'orders',
      ),
    ).toEqual([]);
  });

  it("reads a Kubernetes Service's cluster DNS name as the Service", () => {
    const deps = dependenciesFromEnv(
      {
        ORDERS_URL: 'http://orders-svc.default.svc.cluster.local/api',
        CACHE_HOST: 'cache.shop.svc',
        ELSEWHERE: 'http://orders.example.com/',
      },
      siblings,
      'gateway',
    );
    expect(deps.map((d) => [d.variable, d.target])).toEqual([
      ['ORDERS_URL', 'orders'],
      ['CACHE_HOST', 'cache'],
    ]);
    const src = "fetch('http://orders-svc.default.svc.cluster.local:8080/x')";
    expect(siblingUrlsInSource(src, siblings, 'gateway')).toEqual([
      { kind: 'http', target: 'orders' },
    ]);
  });
});

describe('siblingUrlsInSource', () => {
  it('finds http and grpc URLs naming app siblings only', () => {
    const src =
      "fetch(`http://orders:8080/x`); connect('grpc://orders-svc:50051'); get('http://db:1/')";
    expect(siblingUrlsInSource(src, siblings, 'gateway')).toEqual([
      { kind: 'http', target: 'orders' },
      { kind: 'grpc', target: 'orders' },
    ]);
  });
});

describe('kindOfImage', () => {
  it.each([
    ['postgres:16', 'postgresql'],
    ['docker.io/bitnami/redis:7.2', 'redis'],
    ['confluentinc/cp-kafka:7.6.0', 'kafka'],
    ['rabbitmq:3-management', 'rabbitmq'],
    ['mongo@sha256:abc', 'mongodb'],
    ['nginx:1.27', undefined],
    ['ghcr.io/acme/postgres-exporter:1', undefined],
  ])('%s -> %s', (image, kind) => expect(kindOfImage(image)).toBe(kind));
});
