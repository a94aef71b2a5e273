// Entry point of the cart service: `node src/server.js`.
import { pino } from 'pino';
import { createApp } from './app.js';
import { createCatalogClient } from './catalog-client.js';
import { loadConfig } from './config.js';
import { FaultSwitch } from './faults.js';
import { CartStore } from './store.js';

const config = loadConfig();
// JSON lines on stdout. No transport or formatter of our own, so that instrumentation
// (e.g. @opentelemetry/instrumentation-pino) can add trace ids and ship the records.
const logger = pino({ level: config.logLevel, base: { service: 'cart' } });

const app = createApp({
  store: new CartStore({ maxCarts: config.maxCarts }),
  catalog: createCatalogClient({ ...config.catalog, logger }),
  faults: new FaultSwitch({ logger }),
  logger,
});

const server = app.listen(config.port, config.host, () => {
  const { address, port } = server.address();
  logger.info(`cart listening on ${address}:${port}, catalog at ${config.catalog.baseUrl}`);
});
server.on('error', (err) => {
  logger.fatal({ err }, 'cannot listen');
  process.exit(1);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    logger.info(`${signal}: closing`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
