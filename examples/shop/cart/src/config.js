// Settings of the cart service, from the environment, checked once at start.

function number(env, name, fallback, { min = 0 } = {}) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`environment: ${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function url(env, name) {
  const raw = (env[name] ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(raw)) {
    throw new Error(
      `environment: ${name} must be the base URL of a service, got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}

export function loadConfig(env = process.env) {
  return {
    /** Env HOST, default 0.0.0.0. */
    host: env.HOST || '0.0.0.0',
    /** Env PORT, default 3000. */
    port: number(env, 'PORT', 3000, { min: 0 }),
    /** Env LOG_LEVEL, default info. */
    logLevel: (env.LOG_LEVEL || 'info').toLowerCase(),
    catalog: {
      /** Env CATALOG_URL, required, e.g. http://catalog:8000. */
      baseUrl: url(env, 'CATALOG_URL'),
      /** Env UPSTREAM_TIMEOUT_S, default 2 (seconds, as the Python services read it). */
      timeoutMs: number(env, 'UPSTREAM_TIMEOUT_S', 2, { min: 0.001 }) * 1000,
      /** Env RETRY_ATTEMPTS, default 3. */
      attempts: number(env, 'RETRY_ATTEMPTS', 3, { min: 1 }),
      /** Env RETRY_BACKOFF_S, default 0.05. */
      backoffMs: number(env, 'RETRY_BACKOFF_S', 0.05) * 1000,
      /** Env BREAKER_ERROR_PERCENT, default 50: failing share of calls that opens the breaker. */
      breakerErrorPercentage: number(env, 'BREAKER_ERROR_PERCENT', 50, { min: 1 }),
      /** Env BREAKER_RESET_S, default 10. */
      breakerResetMs: number(env, 'BREAKER_RESET_S', 10, { min: 0.001 }) * 1000,
    },
    /** Env MAX_CARTS, default 10000. */
    maxCarts: number(env, 'MAX_CARTS', 10_000, { min: 1 }),
  };
}
