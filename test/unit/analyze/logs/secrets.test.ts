import { describe, expect, it } from 'vitest';
import { maskMessage } from '../../../../analyze/logs/mask.js';
import { isSecretKey, withoutSecrets } from '../../../../analyze/logs/secrets.js';

describe('credentials in log lines', () => {
  it('knows the keys whose values are credentials', () => {
    for (const k of ['password', 'db_password', '"api_key"', 'X-Api-Key', 'token', 'secret'])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of ['user', 'keyboard', 'passenger', 'tokens_used', 'wtoken', 'bypass'])
      expect(isSecretKey(k), k).toBe(false);
  });

  it('redacts them from examples: key=value, JSON and dict forms, bearer tokens, URL passwords', () => {
    expect(withoutSecrets('login failed password=hunter2 user=admin')).toBe(
      'login failed password=[redacted] user=admin',
    );
    expect(
      withoutSecrets(`headers={'Authorization': 'Bearer sk_live_abcdef', 'X-Api-Key': 'AKIA1'}`),
    ).toBe(`headers={'Authorization': 'Bearer [redacted]', 'X-Api-Key': '[redacted]'}`);
    expect(withoutSecrets('{"token": "abc.def.ghi", "user": "ann"}')).toBe(
      '{"token": "[redacted]", "user": "ann"}',
    );
    expect(withoutSecrets('connect failed: postgresql://orders:S3cret@db:5432/orders')).toBe(
      'connect failed: postgresql://orders:[redacted]@db:5432/orders',
    );
    expect(withoutSecrets('GET /api/orders 200 in 12 ms')).toBe('GET /api/orders 200 in 12 ms');
  });

  it('never keeps a credential as a constant of a template', () => {
    const m = (s: string) => maskMessage(s).join(' ');
    expect(m('bad config password=letmein api_key=supersecret mode=strict')).toBe(
      'bad config password=<*> api_key=<*> mode=strict',
    );
    expect(m('login with password: letmein')).toBe('login with password: <*>');
    expect(m("upstream refused {'Authorization': 'Bearer sk_live_abcdefgh'}")).toBe(
      "upstream refused {'Authorization': 'Bearer <*>",
    );
  });
});
