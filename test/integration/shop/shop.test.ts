// The example shop run natively: every service starts, mixed traffic flows through the gateway
// to every service, a fault switched on in one service shows at the gateway, a crash ends the
// service, and stop() leaves no process and no port behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portIsFree, runLoadgen, startShop, type RunningShop } from '../../support/shop.js';

const SERVICES = ['cart', 'catalog', 'gateway', 'orders', 'payments'];

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('example shop, natively', () => {
  let shop: RunningShop | undefined;
  const running = () => {
    if (!shop) throw new Error('the shop did not start');
    return shop;
  };

  beforeAll(async () => {
    shop = await startShop();
  });

  afterAll(async () => {
    await shop?.stop();
  });

  it('starts every service of compose.yaml on its own free port', () => {
    const services = Object.values(running().services);
    expect(services.map((s) => s.name).sort()).toEqual(SERVICES);
    expect(new Set(services.map((s) => s.port)).size).toBe(SERVICES.length);
  });

  it('serves mixed shopper traffic, every service answering', async () => {
    const s = running();
    const load = await runLoadgen(s.url('gateway'), { rate: 25, durationS: 8, users: 20 });

    expect(load.requests).toBeGreaterThan(100);
    expect(load.errors).toBe(0);
    expect(load.actions.browse?.statuses['200']).toBeGreaterThan(0);
    expect(load.actions.view?.statuses['200']).toBeGreaterThan(0);
    expect(load.actions.add?.statuses['201']).toBeGreaterThan(0);
    expect(load.actions.checkout?.statuses['201']).toBeGreaterThan(0);

    // A placed order went through cart, catalog and payments: find one and ask each of them.
    let order: Record<string, unknown> | undefined;
    for (let i = 0; i < 20 && !order; i++) {
      const { body } = await getJson(`${s.url('orders')}/orders?user=shopper-1-${i}`);
      order = (body.orders as Record<string, unknown>[]).find((o) => o.status === 'paid');
    }
    expect(order, 'a paid order of one of the shoppers').toBeDefined();
    const payment = await getJson(`${s.url('payments')}/payments/${String(order!.id)}`);
    expect(payment.status).toBe(200);
    expect(payment.body).toMatchObject({ status: 'captured', amount_cents: order!.total_cents });
    const [item] = order!.items as { product_id: string }[];
    const product = await getJson(`${s.url('catalog')}/products/${item!.product_id}`);
    expect(product.body.stock).toBeLessThan(100_000);
    const cart = await getJson(`${s.url('cart')}/carts/${String(order!.user)}`);
    expect(cart.status).toBe(200);
  });

  it('shows an error-rate fault in payments as failed checkouts at the gateway', async () => {
    const s = running();
    expect(await s.setFault('payments', { error_rate: 1 })).toEqual({
      error_rate: 1,
      latency_ms: 0,
      crash: false,
    });
    const load = await runLoadgen(s.url('gateway'), {
      rate: 20,
      durationS: 4,
      users: 20,
      seed: 2,
      args: ['--mix', 'add=1,checkout=1'],
    });
    await s.resetFault('payments');

    const checkout = load.actions.checkout;
    expect(checkout?.errors).toBeGreaterThan(0);
    expect(checkout?.statuses['201']).toBeUndefined();
    // Browsing does not touch payments and still works.
    expect(load.actions.add?.errors).toBe(0);
    expect(s.logs('payments')).toContain('injected fault on POST /payments');
    expect(s.logs('orders')).toMatch(/upstream call failed: payments/);
  });

  it('shows a latency fault in catalog as slower item views at the gateway', async () => {
    const s = running();
    await s.setFault('catalog', { latency_ms: 300 });
    const load = await runLoadgen(s.url('gateway'), {
      rate: 10,
      durationS: 3,
      seed: 3,
      args: ['--mix', 'view=1'],
    });
    await s.resetFault('catalog');

    expect(load.errors).toBe(0);
    // The switch sleeps 300 ms before each catalog answer: no view can be faster.
    expect(load.actions.view?.latency_ms.p50).toBeGreaterThanOrEqual(300);
  });

  it('rejects a bad fault setting with a message naming the field', async () => {
    await expect(running().setFault('cart', { error_rate: 2 })).rejects.toThrow(
      /error_rate must be a number from 0 to 1/,
    );
  });

  it('crashes a service on its next request when the crash switch is on', async () => {
    const s = running();
    await s.setFault('cart', { crash: true });
    await s.setFault('orders', { crash: true });
    const cart = await fetch(`${s.url('gateway')}/api/cart/someone`);
    expect(cart.status).toBe(503);
    await fetch(`${s.url('orders')}/orders/none`).catch(() => undefined);

    for (let i = 0; i < 100 && !(s.exitOf('cart') && s.exitOf('orders')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(s.exitOf('cart')).toEqual({ code: 70, signal: null });
    // gunicorn's worker takes its master down with it: the whole service is gone.
    expect(s.exitOf('orders')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(s.logs('cart')).toContain('crash fault: exiting with status 70');
  });

  it('stops every service and frees every port', async () => {
    const s = running();
    const ports = Object.values(s.services).map((svc) => svc.port);
    await s.stop();
    shop = undefined;
    for (const port of ports) expect(await portIsFree(port)).toBe(true);
  });
});
