// What obs init and the native runner read from the example shop: services, code folders,
// commands, ports and service URLs in compose.yaml, pinned dependencies without OpenTelemetry.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerCmd, nativeEnv, readShop } from '../../support/shop.js';

const plans = readShop();
const byName = new Map(plans.map((p) => [p.name, p]));

describe('examples/shop', () => {
  it('has a gateway and four services, from each framework at least one', () => {
    expect(plans.map((p) => p.name).sort()).toEqual([
      'cart',
      'catalog',
      'gateway',
      'orders',
      'payments',
    ]);
    const frameworks = plans.map((p) =>
      p.runtime === 'node'
        ? Object.keys(
            (JSON.parse(readFileSync(path.join(p.dir, 'package.json'), 'utf8')) as {
              dependencies: Record<string, string>;
            }).dependencies,
          )
        : readFileSync(path.join(p.dir, 'requirements.txt'), 'utf8'),
    );
    expect(frameworks.join('\n')).toMatch(/flask==/);
    expect(frameworks.join('\n')).toMatch(/fastapi==/);
    expect(frameworks.flat()).toContain('express');
  });

  it('runs each service with an exec-form CMD on its container port', () => {
    for (const plan of plans) {
      const cmd = dockerCmd(plan.dir);
      const [program] = cmd;
      if (plan.runtime === 'node') {
        expect(program).toBe('node');
        expect(readFileSync(path.join(plan.dir, 'Dockerfile'), 'utf8')).toContain(
          `PORT=${plan.containerPort}`,
        );
      } else {
        expect(['gunicorn', 'uvicorn']).toContain(program);
        expect(cmd.join(' ')).toMatch(new RegExp(`0\\.0\\.0\\.0[: ].*${plan.containerPort}`));
        expect(cmd).toContain('app:app');
      }
    }
  });

  it('names other services by URL at their container ports', () => {
    const urls = plans.flatMap((p) =>
      Object.entries(p.composeEnv)
        .filter(([key]) => key.endsWith('_URL'))
        .map(([, url]) => url),
    );
    expect(urls.length).toBeGreaterThanOrEqual(6);
    for (const url of urls) {
      const { hostname, port } = new URL(url);
      expect(byName.get(hostname)?.containerPort, url).toBe(Number(port));
    }
    expect(byName.get('gateway')?.composeEnv).toMatchObject({
      CATALOG_URL: 'http://catalog:8000',
      CART_URL: 'http://cart:3000',
      ORDERS_URL: 'http://orders:8000',
    });
  });

  it('pins its dependencies and carries no OpenTelemetry of its own', () => {
    for (const plan of plans) {
      if (plan.runtime === 'node') {
        const pkg = JSON.parse(readFileSync(path.join(plan.dir, 'package.json'), 'utf8')) as {
          dependencies: Record<string, string>;
        };
        for (const [name, version] of Object.entries(pkg.dependencies)) {
          expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
          expect(name).not.toMatch(/opentelemetry/);
        }
        expect(existsSync(path.join(plan.dir, 'package-lock.json'))).toBe(true);
      } else {
        const lines = readFileSync(path.join(plan.dir, 'requirements.txt'), 'utf8')
          .split('\n')
          .filter((l) => l.trim() && !l.startsWith('#'));
        for (const line of lines) {
          expect(line).toMatch(/^[A-Za-z0-9_.-]+==\d[\w.]*$/);
          expect(line).not.toMatch(/opentelemetry/);
        }
      }
    }
  });

  it('rewrites service URLs to native ports and leaves other values alone', () => {
    const services = [
      { name: 'catalog', containerPort: 8000, port: 41001 },
      { name: 'cart', containerPort: 3000, port: 41002 },
    ];
    expect(
      nativeEnv(
        {
          CATALOG_URL: 'http://catalog:8000',
          CART_URL: 'http://cart:3000/api',
          OTHER_URL: 'http://catalogue:8000',
          WRONG_PORT: 'http://catalog:9000',
          LOG_LEVEL: 'INFO',
        },
        services,
      ),
    ).toEqual({
      CATALOG_URL: 'http://127.0.0.1:41001',
      CART_URL: 'http://127.0.0.1:41002/api',
      OTHER_URL: 'http://catalogue:8000',
      WRONG_PORT: 'http://catalog:9000',
      LOG_LEVEL: 'INFO',
    });
  });
});
