/**
 * Docker's json-file logging laid out as on a host: `<root>/containers/<id>/<id>-json.log`, and
 * beside it the container's `config.v2.json` (which names the container and its compose service).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A 64-hex container id made of one repeated character (`'a'` -> `aaa...a`). */
export const containerId = (c: string): string => c.repeat(64);

/** The `config.v2.json` of a container: its `Name` (`/<name>`) and compose service label. */
export function dockerConfig(name: string | undefined, composeService?: string): string {
  const labels =
    composeService === undefined
      ? {}
      : {
          'com.docker.compose.project': 'shop',
          'com.docker.compose.service': composeService,
        };
  return JSON.stringify({
    ID: 'x',
    ...(name !== undefined ? { Name: name } : {}),
    Config: { Hostname: 'c0ffee', Image: 'shop/app', Labels: labels },
    State: { Running: true },
  });
}

/** Docker's json-file line for `text` (a line the container wrote), `k` seconds after noon. */
export const dockerLine = (text: string, k = 0, stream = 'stdout'): string =>
  JSON.stringify({
    log: text + '\n',
    stream,
    time: `2024-05-01T12:00:${String(k % 60).padStart(2, '0')}.123456789Z`,
  });

/**
 * A container's json-file lines: two of its own text (one on stderr), one whose JSON names its
 * service (`pay`).
 */
export const dockerSampleLines = (): string[] => [
  dockerLine('2024-05-01 12:00:01 INFO payment 1 accepted', 1),
  dockerLine('2024-05-01 12:00:02 ERROR payment 2 failed', 2, 'stderr'),
  dockerLine('{"level": "error", "service": "pay", "msg": "card declined"}', 3),
];

/**
 * Writes a container's log (`<id>-json.log`, or `file` for a rotation such as `<id>-json.log.1`)
 * of `lines` (json-file lines) and, unless undefined, its `config.v2.json` as given (raw text: it
 * may be malformed). Returns the log's path.
 */
export function dockerContainer(
  root: string,
  id: string,
  config: string | undefined,
  lines: string[],
  file = `${id}-json.log`,
): string {
  const dir = path.join(root, 'containers', id);
  mkdirSync(dir, { recursive: true });
  if (config !== undefined) writeFileSync(path.join(dir, 'config.v2.json'), config);
  const log = path.join(dir, file);
  writeFileSync(log, lines.join('\n') + '\n');
  return log;
}
