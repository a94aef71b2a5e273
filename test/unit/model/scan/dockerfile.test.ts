import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../../../model/scan/dockerfile.js';

describe('parseDockerfile', () => {
  it('reads the final stage only: base image, ENTRYPOINT + CMD, EXPOSE, ENV', () => {
    const info = parseDockerfile(`# build
FROM node:20 AS build
EXPOSE 9999
CMD ["npm", "run", "build"]

FROM --platform=linux/amd64 python:3.12-slim
ENV PORT=8000 \\
    APP_ENV="prod"
ENV LEGACY value with spaces
EXPOSE 8000/tcp 9100
ENTRYPOINT ["/docker-entrypoint.sh"]
CMD gunicorn -b 0.0.0.0:8000 app:app
`);
    expect(info.baseImage).toBe('python:3.12-slim');
    expect(info.exposed).toEqual([8000, 9100]);
    expect(info.env).toEqual({ PORT: '8000', APP_ENV: 'prod', LEGACY: 'value with spaces' });
    expect(info.command).toEqual([
      '/docker-entrypoint.sh',
      'gunicorn',
      '-b',
      '0.0.0.0:8000',
      'app:app',
    ]);
  });

  it('resets CMD when a later ENTRYPOINT is set, as Docker does', () => {
    expect(parseDockerfile('FROM x\nCMD ["a"]\nENTRYPOINT ["b"]\n').command).toEqual(['b']);
  });
});
