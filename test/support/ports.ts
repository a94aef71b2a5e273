/**
 * Free TCP ports on loopback, for servers tests start: other test runs use the same kinds of servers.
 *
 * Ports come from below the kernel's ephemeral range. A port the kernel hands out (port 0) lies
 * inside that range, and between the test choosing it and its server binding it (seconds later,
 * after other servers started), an outgoing connection may take it as its local port: the server
 * then fails with "address in use" (seen in CI: a Collector or a scrape took Flask's port).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** The first port of the kernel's ephemeral range (Linux), or undefined where it is not known. */
function ephemeralStart(): number | undefined {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return low !== undefined && Number.isInteger(low) && low > 12_000 ? low : undefined;
  } catch {
    return undefined;
  }
}

const FIRST_PORT = 10_000;
const EPHEMERAL = ephemeralStart();

interface Held {
  port: number;
  close: () => Promise<void>;
}

function listenOn(port: number): Promise<Held | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return resolve(undefined);
      resolve({ port: addr.port, close: () => new Promise((r) => srv.close(() => r())) });
    });
  });
}

async function onePort(): Promise<Held> {
  if (EPHEMERAL !== undefined) {
    // Random tries below the ephemeral range; a taken port is just skipped.
    for (let attempt = 0; attempt < 200; attempt++) {
      const port = FIRST_PORT + Math.floor(Math.random() * (EPHEMERAL - FIRST_PORT));
      const held = await listenOn(port);
      if (held !== undefined) return held;
    }
  }
  const held = await listenOn(0);
  if (held === undefined) throw new Error('no free port on 127.0.0.1');
  return held;
}

/** `n` distinct free ports (all held open until every one is chosen, so none repeats). */
export async function freePorts(n: number): Promise<number[]> {
  const held = [];
  for (let i = 0; i < n; i++) held.push(await onePort());
  await Promise.all(held.map((h) => h.close()));
  return held.map((h) => h.port);
}
