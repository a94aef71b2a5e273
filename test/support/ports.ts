/** Free TCP ports on loopback, for servers tests start: other test runs use the same kinds of servers. */
import net from 'node:net';

function onePort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      resolve({ port: addr.port, close: () => new Promise((r) => srv.close(() => r())) });
    });
  });
}

/** `n` distinct free ports (all held open until every one is chosen, so none repeats). */
export async function freePorts(n: number): Promise<number[]> {
  const held = [];
  for (let i = 0; i < n; i++) held.push(await onePort());
  await Promise.all(held.map((h) => h.close()));
  return held.map((h) => h.port);
}
