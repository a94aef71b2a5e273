import { describe, expect, it } from 'vitest';
import { ObsError } from '../../../../core/errors.js';
import {
  checkPortClashes,
  hostPorts,
  interpolate,
  parseEnvFile,
  parsePort,
} from '../../../../model/scan/compose.js';
import type { ComposeProject } from '../../../../model/scan/compose.js';

describe('parsePort', () => {
  it.each([
    ['3000', { target: 3000, published: undefined, hostIp: undefined, protocol: 'tcp' }],
    ['8080:80', { target: 80, published: 8080, hostIp: undefined }],
    ['127.0.0.1:8001:8001', { target: 8001, published: 8001, hostIp: '127.0.0.1' }],
    ['127.0.0.1::5000', { target: 5000, published: undefined, hostIp: '127.0.0.1' }],
    ['[::1]:6001:6001', { target: 6001, published: 6001, hostIp: '::1' }],
    ['6060:6060/udp', { target: 6060, published: 6060, protocol: 'udp' }],
    ['9090-9091:8080-8081', { target: 8080, published: 9090, publishedEnd: 9091 }],
    ['8880-8890:8880-8890', { published: 8880, publishedEnd: 8890 }],
  ])('short syntax %s', (raw, want) => expect(parsePort(raw)).toMatchObject(want));

  it('reads a range of host ports, and knows each port in it', () => {
    expect(hostPorts(parsePort('127.0.0.1:8887-8889:8000-8002')!)).toEqual([8887, 8888, 8889]);
    expect(parsePort({ target: 80, published: '8000-8001' })).toMatchObject({
      published: 8000,
      publishedEnd: 8001,
    });
    expect(hostPorts(parsePort('8080:80')!)).toEqual([8080]);
    expect(hostPorts(parsePort('80')!)).toEqual([]);
  });

  it('reads the long syntax and bare numbers, rejects nonsense', () => {
    expect(parsePort({ target: 80, published: '8080', host_ip: '127.0.0.1' })).toMatchObject({
      target: 80,
      published: 8080,
      hostIp: '127.0.0.1',
    });
    expect(parsePort(5432)).toMatchObject({ target: 5432 });
    expect(parsePort('eighty')).toBeUndefined();
  });
});

describe('interpolate', () => {
  it('applies .env values, defaults and $$', () => {
    const unresolved = new Set<string>();
    const vars = { PORT: '9000', EMPTY: '' };
    expect(
      interpolate('${PORT}:${INNER:-80} $$HOME ${EMPTY:-x} ${EMPTY-y} $MISSING', vars, unresolved),
    ).toBe('9000:80 $HOME x  ');
    expect([...unresolved]).toEqual(['MISSING']);
  });
});

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines with quotes, export and comments', () => {
    expect(parseEnvFile('# c\nexport A=1\nB="two words"\nC=x # note\n\nbad line\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x',
    });
  });
});

describe('checkPortClashes', () => {
  const project = (
    ports: [string, string, number][],
    profiles: Record<string, string[]> = {},
  ): ComposeProject => ({
    file: 'compose.yaml',
    services: ['a', 'b'].map((name) => ({
      name,
      ports: ports
        .filter(([s]) => s === name)
        .map(([, spec, line]) => ({ ...parsePort(spec, line)! })),
      expose: [],
      dependsOn: [],
      environment: {},
      profiles: profiles[name] ?? [],
    })),
  });

  it('names both services and the line of the second', () => {
    try {
      checkPortClashes(
        project([
          ['a', '8080:80', 4],
          ['b', '127.0.0.1:8080:8080', 9],
        ]),
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ObsError);
      const e = err as ObsError;
      expect(e.code).toBe('OBS_PORT_CLASH');
      expect(e.exit).toBe(65);
      expect(e.located).toBe(
        'compose.yaml:9: host port 8080/tcp is published by a and b: the second one cannot start',
      );
    }
  });

  it("finds a port inside another service's range", () => {
    const besideRange = (spec: string) => () =>
      checkPortClashes(
        project([
          ['a', '8000-8010:8000-8010', 3],
          ['b', spec, 7],
        ]),
      );
    expect(besideRange('8005:80')).toThrow('host port 8005/tcp is published by a and b');
    expect(besideRange('8011:80')).not.toThrow();
  });

  it('allows the same port on different addresses or protocols, and unpublished ports', () => {
    expect(() =>
      checkPortClashes(
        project([
          ['a', '127.0.0.1:8080:80', 1],
          ['b', '127.0.0.2:8080:80', 2],
          ['a', '53:53/udp', 3],
          ['b', '53:53', 4],
          ['a', '3000', 5],
          ['b', '3000', 6],
        ]),
      ),
    ).not.toThrow();
  });

  it('lets services of profiles that never run together publish the same port', () => {
    const ports: [string, string, number][] = [
      ['a', '8000:8000', 3],
      ['b', '8000:8000', 9],
    ];
    expect(() => checkPortClashes(project(ports, { a: ['prod'], b: ['dev'] }))).not.toThrow();
    // A shared profile, or a service without profiles (it always starts), still clashes.
    expect(() => checkPortClashes(project(ports, { a: ['prod', 'dev'], b: ['dev'] }))).toThrow(
      'host port 8000/tcp is published by a and b',
    );
    expect(() => checkPortClashes(project(ports, { b: ['dev'] }))).toThrow('published by a and b');
  });
});
