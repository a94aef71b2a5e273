import { describe, expect, it } from 'vitest';
import { REDACTED, authorizationSecrets, redactor, urlForMessage } from '../../../core/redact.js';

const basic = (user: string, password: string) =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

describe('redacting credentials from server text', () => {
  it('finds every form a Basic header can be echoed in', () => {
    const header = basic('elastic', 'pw-s3cret');
    expect(authorizationSecrets(header)).toEqual([
      header.slice('Basic '.length),
      'elastic:pw-s3cret',
      'pw-s3cret',
    ]);
  });

  it('takes the token of a Bearer header and the key of an ApiKey header', () => {
    expect(authorizationSecrets('Bearer glsa_SECRETTOKEN123')).toEqual(['glsa_SECRETTOKEN123']);
    const apiKey = Buffer.from('id1:key-s3cret').toString('base64');
    expect(authorizationSecrets(`ApiKey ${apiKey}`)).toEqual([
      apiKey,
      'id1:key-s3cret',
      'key-s3cret',
    ]);
    expect(authorizationSecrets(undefined)).toEqual([]);
  });

  it('replaces each form, the longest first', () => {
    const header = basic('elastic', 'pw-s3cret');
    const redact = redactor(authorizationSecrets(header));
    expect(redact(`bad header ${header}; user elastic:pw-s3cret; pw-s3cret`)).toBe(
      `bad header Basic ${REDACTED}; user ${REDACTED}; ${REDACTED}`,
    );
  });

  it('leaves a very short password alone on its own, not in its longer forms', () => {
    const redact = redactor(authorizationSecrets(basic('elastic', 'x')));
    expect(redact('index x: bad auth elastic:x')).toBe(`index x: bad auth ${REDACTED}`);
  });
});

describe('urlForMessage', () => {
  it('drops user, password, query string and fragment', () => {
    expect(urlForMessage('https://u:pw@grafana.example:3000/login?state=abc#t=1')).toBe(
      'https://grafana.example:3000/login',
    );
  });

  it('drops the same parts of text that is no URL', () => {
    expect(urlForMessage('http://u:pw@bad host/x?token=abc')).toBe(
      `http://u:${REDACTED}@bad host/x`,
    );
  });
});
