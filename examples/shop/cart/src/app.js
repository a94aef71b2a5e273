// The cart service's HTTP API.
//
// GET    /carts/:user                     the cart
// POST   /carts/:user/items               add {product_id, quantity}; price and name from catalog
// DELETE /carts/:user/items/:productId    remove a line
// DELETE /carts/:user                     empty the cart
// GET    /health                          liveness
// GET|POST|DELETE /admin/fault            fault switches (see faults.js)
import express from 'express';
import { pinoHttp } from 'pino-http';
import { UpstreamError, UpstreamRejected } from './catalog-client.js';

const USER = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * @param {object} deps
 * @param {import('./store.js').CartStore} deps.store
 * @param {{ getProduct(id: string): Promise<object|null> }} deps.catalog
 * @param {import('./faults.js').FaultSwitch} deps.faults
 * @param {object} deps.logger  a pino logger
 */
export function createApp({ store, catalog, faults, logger }) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));
  app.use(
    pinoHttp({
      logger,
      quietReqLogger: true,
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );

  app.get('/health', (_req, res) => res.json({ status: 'ok', service: 'cart' }));
  app.use(faults.router());
  app.use(faults.middleware());

  app.param('user', (req, res, next, user) => {
    if (!USER.test(user))
      return res.status(400).json({ error: 'user must be 1 to 64 of A-Z a-z 0-9 _ . @ -' });
    return next();
  });

  app.get('/carts/:user', (req, res) => res.json(store.get(req.params.user)));

  app.post('/carts/:user/items', async (req, res) => {
    const { product_id: productId, quantity = 1 } = req.body ?? {};
    if (typeof productId !== 'string' || productId === '') {
      return res.status(400).json({ error: 'product_id must be a non-empty string' });
    }
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 10) {
      return res.status(400).json({ error: 'quantity must be a whole number from 1 to 10' });
    }
    const product = await catalog.getProduct(productId);
    if (!product) return res.status(404).json({ error: `no product ${productId}` });
    if (!store.add(req.params.user, product, quantity)) {
      return res.status(409).json({ error: `the cart holds at most ${store.maxLines} products` });
    }
    req.log.info(`added ${quantity} x ${productId} to the cart of ${req.params.user}`);
    return res.status(201).json(store.get(req.params.user));
  });

  app.delete('/carts/:user/items/:productId', (req, res) => {
    store.remove(req.params.user, req.params.productId);
    res.json(store.get(req.params.user));
  });

  app.delete('/carts/:user', (req, res) => {
    store.clear(req.params.user);
    res.status(204).end();
  });

  app.use((_req, res) => res.status(404).json({ error: 'not found' }));

  // Express 5 hands rejected promises of async handlers to this error handler.
  app.use((err, req, res, _next) => {
    if (err instanceof UpstreamError) {
      req.log.error(`upstream call failed: ${err.message}`);
      return res.status(err.httpStatus).json({ error: err.message, upstream: err.upstream });
    }
    if (err instanceof UpstreamRejected) return res.status(err.status).json(err.body);
    if (err.type === 'entity.parse.failed')
      return res.status(400).json({ error: 'body is not valid JSON' });
    req.log.error({ err }, 'unhandled error');
    return res.status(500).json({ error: 'internal error' });
  });

  return app;
}
