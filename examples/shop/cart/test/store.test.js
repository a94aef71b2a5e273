import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CartStore } from '../src/store.js';

const mug = { id: 'p05', name: 'Mug', price_cents: 1450 };
const pen = { id: 'p02', name: 'Pen', price_cents: 3450 };

it('adds up lines and totals', () => {
  const store = new CartStore();
  store.add('ann', mug, 1);
  store.add('ann', mug, 2);
  store.add('ann', pen, 1);
  const cart = store.get('ann');
  assert.equal(cart.items.length, 2);
  assert.equal(cart.items[0].quantity, 3);
  assert.equal(cart.total_cents, 3 * 1450 + 3450);
  store.remove('ann', 'p05');
  assert.equal(store.get('ann').total_cents, 3450);
  store.clear('ann');
  assert.deepEqual(store.get('ann'), { user: 'ann', items: [], total_cents: 0 });
});

it('drops the cart touched least recently past the limit', () => {
  const store = new CartStore({ maxCarts: 2 });
  store.add('a', mug, 1);
  store.add('b', mug, 1);
  store.add('a', pen, 1);
  store.add('c', mug, 1);
  assert.deepEqual([...store.carts.keys()], ['a', 'c']);
});

it('refuses more distinct products than a cart holds', () => {
  const store = new CartStore({ maxLines: 1 });
  assert.equal(store.add('a', mug, 1), true);
  assert.equal(store.add('a', pen, 1), false);
  assert.equal(store.add('a', mug, 1), true);
});
