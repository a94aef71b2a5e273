/**
 * A shard worker: parses the JSON items the main thread sends it, keeps the spans of its own
 * traces (by trace id) and passes the others to their shard, and runs the streaming analyses over
 * its traces. At the end it sends back the analyses' state for the main thread to merge.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { errorForTransfer } from '../../../core/errors.js';
import { DEFAULT_ANALYSES } from '../analyses/index.js';
import { packSpans, packedBuffers, unpackSpans } from '../readers/convert-items.js';
import { convertBatch } from '../readers/files.js';
import { Problems } from '../readers/problems.js';
import { TraceSink } from '../sink.js';
import type { Span } from '../span.js';
import type { FromShard, PeerMessage, ShardInit, ToShard } from './protocol.js';
import { shardOf } from './protocol.js';

/** Spans gathered for a peer before they are sent. */
const PEER_BATCH = 4096;

const port = parentPort;
if (port === null) throw new Error('shard-worker must run as a worker thread');
const init = workerData as ShardInit;
const runs = init.analyses.map(({ key, config }) => {
  const analysis = DEFAULT_ANALYSES.find((a) => a.key === key);
  if (analysis === undefined) throw new Error(`unknown analysis ${key}`);
  return { key, run: analysis.create(config, { logs: undefined }) };
});
const sink = new TraceSink(
  runs.map((r) => r.run),
  init.assembler,
);
const problems = new Problems();
const outgoing: Span[][] = init.peers.map(() => []);
let ended = false;
let peersDone = 0;
const send = (m: FromShard) => port.postMessage(m);

function flushPeer(i: number): void {
  const spans = outgoing[i]!;
  const peer = init.peers[i];
  if (spans.length === 0 || peer === null || peer === undefined) return;
  const packed = packSpans(spans);
  const m: PeerMessage = { type: 'spans', spans: packed };
  peer.postMessage(m, packedBuffers(packed));
  outgoing[i] = [];
}

function tryFinish(): void {
  if (!ended || peersDone < init.count - 1) return;
  sink.finish();
  send({
    type: 'done',
    states: runs
      .filter((r) => r.run.save !== undefined)
      .map((r) => ({ key: r.key, state: r.run.save!() })),
    stats: sink.stats(),
    problems: problems.summary(),
  });
}

/** Reports an error; `id` is the batch it stopped, when it came from one. */
function fail(err: unknown, id?: number): void {
  send({ type: 'error', error: errorForTransfer(err), ...(id === undefined ? {} : { id }) });
}

port.on('message', (m: ToShard) => {
  try {
    if (m.type === 'end') {
      for (let i = 0; i < init.count; i++) flushPeer(i);
      for (const peer of init.peers) peer?.postMessage({ type: 'eos' } satisfies PeerMessage);
      ended = true;
      tryFinish();
      return;
    }
    if (m.type === 'spans') {
      const spans = unpackSpans(m.spans);
      sink.add(spans);
      send({ type: 'ack', id: m.id, file: '', spans: spans.length });
      return;
    }
    const spans = convertBatch(m.file, m.items, problems, init.strict);
    const own: Span[] = [];
    for (const s of spans) {
      const shard = shardOf(s.traceId, init.count);
      if (shard === init.index) own.push(s);
      else {
        const out = outgoing[shard]!;
        out.push(s);
        if (out.length >= PEER_BATCH) flushPeer(shard);
      }
    }
    sink.add(own);
    send({ type: 'ack', id: m.id, file: m.file, spans: spans.length });
  } catch (err) {
    fail(err, m.type === 'end' ? undefined : m.id);
  }
});

init.peers.forEach((peer: MessagePort | null) => {
  peer?.on('message', (m: PeerMessage) => {
    try {
      if (m.type === 'eos') {
        peersDone++;
        tryFinish();
      } else sink.add(unpackSpans(m.spans));
    } catch (err) {
      fail(err);
    }
  });
});
