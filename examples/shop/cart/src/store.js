// The carts, in memory: lost on restart, as carts of a small shop may be. Bounded: past
// `maxCarts` the cart touched least recently is dropped.

export class CartStore {
  constructor({ maxCarts = 10_000, maxLines = 50 } = {}) {
    this.maxCarts = maxCarts;
    this.maxLines = maxLines;
    /** user -> Map(product_id -> line); Map order = least recently touched first. */
    this.carts = new Map();
  }

  #touch(user) {
    const lines = this.carts.get(user) ?? new Map();
    this.carts.delete(user);
    this.carts.set(user, lines);
    if (this.carts.size > this.maxCarts) this.carts.delete(this.carts.keys().next().value);
    return lines;
  }

  get(user) {
    const lines = [...(this.carts.get(user)?.values() ?? [])];
    const total = lines.reduce((sum, l) => sum + l.unit_price_cents * l.quantity, 0);
    return { user, items: lines, total_cents: total };
  }

  /** Add `quantity` of a product at its current price; false when the cart is full. */
  add(user, product, quantity) {
    const lines = this.#touch(user);
    const line = lines.get(product.id);
    if (!line && lines.size >= this.maxLines) return false;
    lines.set(product.id, {
      product_id: product.id,
      name: product.name,
      unit_price_cents: product.price_cents,
      quantity: (line?.quantity ?? 0) + quantity,
    });
    return true;
  }

  remove(user, productId) {
    this.carts.get(user)?.delete(productId);
  }

  clear(user) {
    this.carts.delete(user);
  }
}
