import { describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { parseModel, stringifyModel } from '../../../model/load.js';

const valid = `apiVersion: obs/v1
name: shop
services:
  - name: gateway
    language: python
    framework: flask
    port: 8080
  - name: orders
    language: node
`;

function fail(text: string): ObsError {
  try {
    parseModel(text, 'obs.yaml');
  } catch (err) {
    if (err instanceof ObsError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('parseModel', () => {
  it('applies documented defaults once', () => {
    const m = parseModel(valid);
    expect(m.environment).toBe('dev');
    expect(m.stack.bindAddress).toBe('127.0.0.1');
    expect(m.stack.ports.otlpHttp).toBe(4318);
    expect(m.slo.availability).toBe(0.995);
    expect(m.services[1]?.dependencies).toEqual([]);
  });

  it('round-trips through stringifyModel', () => {
    const m = parseModel(valid);
    expect(parseModel(stringifyModel(m))).toEqual(m);
  });

  it('names the line of a wrong value', () => {
    const err = fail(valid.replace('port: 8080', 'port: "eighty"'));
    expect(err.code).toBe('OBS_BAD_MODEL');
    expect(err.located).toMatch(/^obs\.yaml:7: invalid system model: services\.0\.port: /);
  });

  it("takes a scheduler's publish gap as minutes, hours or days, and names a wrong one", () => {
    const sched = valid.replace(
      '    port: 8080',
      '    port: 8080\n    scheduler: true\n    maxPublishGap: 25h',
    );
    expect(parseModel(sched).services[0]?.maxPublishGap).toBe('25h');
    const err = fail(sched.replace('25h', '1 hour'));
    expect(err.located).toMatch(/^obs\.yaml:9: invalid system model: services\.0\.maxPublishGap: /);
    expect(err.message).toMatch(/e\.g\. 90m, 1h, 25h, 2d/);
  });

  it('names the line of an unknown key, which is a typo more often than not', () => {
    const err = fail(valid.replace('    port: 8080', '    port: 8080\n    prot: 9'));
    expect(err.line).toBe(4); // the service mapping that holds the unknown key
    expect(err.message).toMatch(/prot/);
  });

  it('reports YAML syntax errors with their line', () => {
    const err = fail('apiVersion: obs/v1\nservices:\n  - name: [unclosed\n');
    expect(err.code).toBe('OBS_BAD_YAML');
    expect(err.line).toBeGreaterThanOrEqual(3);
  });

  it('refuses duplicate services and an empty system', () => {
    expect(fail(valid.replace('name: orders', 'name: gateway')).message).toMatch(
      /duplicate service name gateway/,
    );
    expect(fail('apiVersion: obs/v1\nname: shop\nservices: []\n').message).toMatch(
      /at least one service/,
    );
  });
});
