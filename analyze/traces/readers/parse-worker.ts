/**
 * A parse thread: JSON.parse and conversion of item batches, so that the main thread can
 * assemble and analyse traces at the same time. Spans go back packed, buffers transferred.
 */
import { parentPort } from 'node:worker_threads';
import { parseBatch } from './convert-items.js';
import type { JsonItem } from './json-items.js';

export interface ParseRequest {
  id: number;
  file: string;
  items: JsonItem[];
}

const port = parentPort;
if (port === null) throw new Error('parse-worker must run as a worker thread');
port.on('message', (req: ParseRequest) => {
  const out = parseBatch(req.file, req.items);
  port.postMessage({ id: req.id, ...out }, [
    out.spans.refs.buffer,
    out.spans.times.buffer,
    out.spans.http.buffer,
  ]);
});
