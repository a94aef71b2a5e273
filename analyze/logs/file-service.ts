/**
 * The service a log file's records default to, decided once per file for both log readers
 * (reader.ts for `analyze logs`, traces/logs/read.ts for `analyze traces --logs`).
 *
 * Mostly the file's name says it (records.ts `fileService`). Docker's json-file logs are named
 * after the container's id (`/var/lib/docker/containers/<id>/<id>-json.log`, rotated `.1`, `.2`,
 * and `.1.gz` with `compress=true`), which means nothing to a reader; Docker keeps the
 * container's configuration beside them in `config.v2.json`, which names it: its compose service
 * (`Config.Labels["com.docker.compose.service"]`), else its name (`Name`, `/<name>`). Only that
 * file is read, only for such a name; when it is missing, unreadable or malformed, the file name
 * is the service as for any other file: a log is never refused for it.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { isRecord } from '../../core/json.js';
import { fileService } from './records.js';
import type { FileService } from './records.js';

/** Docker's json-file log: `<64 hex id>-json.log`, rotated `.1`, compressed rotations `.1.gz`. */
const DOCKER_JSON_LOG = /^[0-9a-f]{64}-json\.log(?:\.\d+)?(?:\.gz)?$/;
/** A container's configuration is a few kB; a larger file is not read (nor trusted). */
const MAX_CONFIG_BYTES = 1 << 20;
const COMPOSE_SERVICE = 'com.docker.compose.service';

/** A name as a service: a string with text, on one line (else undefined). */
function nameOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const name = v.trim();
  return name.length > 0 && !/[\r\n]/.test(name) ? name : undefined;
}

/**
 * The compose service or container name of a Docker json-file log's container, from the
 * `config.v2.json` beside it; undefined for any other file, or when that file does not say.
 */
export async function dockerContainerService(file: string): Promise<string | undefined> {
  if (file === '-' || !DOCKER_JSON_LOG.test(path.basename(file))) return undefined;
  let config: unknown;
  try {
    const handle = await open(path.join(path.dirname(file), 'config.v2.json'), 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile() || st.size > MAX_CONFIG_BYTES) return undefined;
      config = JSON.parse(await handle.readFile('utf8'));
    } finally {
      await handle.close();
    }
  } catch {
    // Missing, unreadable or not JSON: the file name names the records, as for any file.
    return undefined;
  }
  if (!isRecord(config)) return undefined;
  const labels = isRecord(config.Config) ? config.Config.Labels : undefined;
  const service = isRecord(labels) ? nameOf(labels[COMPOSE_SERVICE]) : undefined;
  if (service !== undefined) return service;
  const name = nameOf(config.Name);
  return name === undefined ? undefined : nameOf(name.replace(/^\//, ''));
}

/**
 * The service `file`'s records default to (those that name none, by a field, a prefix or a syslog
 * program): a Docker json-file log's container (`dockerContainerService`), else the file name's.
 */
export async function logFileService(file: string): Promise<FileService> {
  const docker = await dockerContainerService(file);
  return docker !== undefined ? { service: docker, container: false } : fileService(file);
}
