// The test servers' ports (test/support/ports.ts): distinct, free, and on Linux below the kernel's
// ephemeral range, where no outgoing connection can take them before their server binds.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../support/ports.js';

describe('freePorts', () => {
  it('gives distinct ports that can be bound, below the ephemeral range', async () => {
    const ports = await freePorts(8);
    expect(new Set(ports).size).toBe(8);
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    for (const port of ports) expect(port).toBeLessThan(low);
    for (const port of ports) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
