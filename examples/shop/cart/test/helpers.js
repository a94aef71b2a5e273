import { createServer } from 'node:http';
import { pino } from 'pino';

/** A logger that keeps its records for assertions. */
export function memoryLogger() {
  const records = [];
  const logger = pino({ level: 'debug' }, { write: (line) => records.push(JSON.parse(line)) });
  return { logger, records };
}

/** A local HTTP server answering with the next [status, body] of `script`. */
export async function scriptedServer(script) {
  const paths = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    const [status, body, delayMs = 0] = script.shift() ?? [200, {}];
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }, delayMs);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    paths,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
    server,
  };
}
