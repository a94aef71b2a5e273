// Calls from cart to catalog: fetch with a timeout per try, p-retry with exponential backoff
// and jitter, and an opossum circuit breaker. Layers, outermost first: retry -> breaker ->
// timeout -> request. A call the open breaker refuses is not retried; a 4xx answer is the
// caller's business and counts as neither a failure nor a retry reason.
import CircuitBreaker from 'opossum';
import pRetry from 'p-retry';

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);
/** What went wrong -> the status the cart answers its own client with. */
const KIND_STATUS = { unreachable: 503, circuit_open: 503, timeout: 504, status: 502 };

export class UpstreamError extends Error {
  name = 'UpstreamError';

  constructor(upstream, kind, detail, status) {
    super(`${upstream} ${kind.replace('_', ' ')}: ${detail}`);
    this.upstream = upstream;
    this.kind = kind;
    this.status = status;
  }

  get retryable() {
    if (this.kind === 'circuit_open') return false;
    return this.kind !== 'status' || RETRYABLE_STATUSES.has(this.status);
  }

  get httpStatus() {
    return KIND_STATUS[this.kind];
  }
}

export class UpstreamRejected extends Error {
  name = 'UpstreamRejected';

  constructor(upstream, status, body) {
    super(`${upstream}: HTTP ${status}`);
    this.upstream = upstream;
    this.status = status;
    this.body = body;
  }
}

/**
 * @param {object} options
 * @param {string} options.baseUrl      e.g. http://catalog:8000
 * @param {object} options.logger       a pino logger
 * @param {number} [options.timeoutMs]  per try; default 2000
 * @param {number} [options.attempts]   tries per idempotent call, the first included; default 3
 * @param {number} [options.backoffMs]  first backoff, doubled per try; default 50
 * @param {number} [options.breakerErrorPercentage]  failing share of calls in the rolling window
 *   (10 s) that opens the breaker; default 50
 * @param {number} [options.breakerVolume]  calls in the window before the breaker may open; default 5
 * @param {number} [options.breakerResetMs] time open before a trial call; default 10000
 */
export function createCatalogClient(options) {
  const name = 'catalog';
  const {
    baseUrl,
    logger,
    timeoutMs = 2000,
    attempts = 3,
    backoffMs = 50,
    breakerErrorPercentage = 50,
    breakerVolume = 5,
    breakerResetMs = 10_000,
  } = options;

  async function send(method, path) {
    let res;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if (err.name === 'TimeoutError') {
        throw new UpstreamError(name, 'timeout', `${method} ${path}: no answer in ${timeoutMs} ms`);
      }
      throw new UpstreamError(
        name,
        'unreachable',
        `${method} ${path}: ${err.cause?.code ?? err.message}`,
      );
    }
    if (res.status >= 500) {
      const detail = await res.json().then(
        (b) => (b?.error ? ` (${b.error})` : ''),
        () => '',
      );
      throw new UpstreamError(
        name,
        'status',
        `${method} ${path}: HTTP ${res.status}${detail}`,
        res.status,
      );
    }
    let body;
    try {
      body = res.status === 204 ? null : await res.json();
    } catch {
      throw new UpstreamError(name, 'status', `${method} ${path}: answer is not JSON`, res.status);
    }
    if (res.status >= 400) throw new UpstreamRejected(name, res.status, body);
    return body;
  }

  const breaker = new CircuitBreaker(send, {
    name,
    timeout: false, // each try has its own AbortSignal timeout
    errorThresholdPercentage: breakerErrorPercentage,
    volumeThreshold: breakerVolume,
    resetTimeout: breakerResetMs,
    rollingCountTimeout: 10_000,
    errorFilter: (err) => err instanceof UpstreamRejected,
  });
  for (const event of ['open', 'halfOpen', 'close']) {
    breaker.on(event, () => logger.warn(`circuit breaker for ${name}: ${event}`));
  }

  async function call(method, path, { idempotent }) {
    return pRetry(
      async () => {
        try {
          return await breaker.fire(method, path);
        } catch (err) {
          if (err.code === 'EOPENBREAKER')
            throw new UpstreamError(name, 'circuit_open', 'failing fast');
          throw err;
        }
      },
      {
        retries: idempotent ? attempts - 1 : 0,
        minTimeout: backoffMs,
        maxTimeout: 1000,
        factor: 2,
        randomize: true,
        shouldRetry: ({ error }) => error instanceof UpstreamError && error.retryable,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft > 0 && error instanceof UpstreamError && error.retryable) {
            logger.info(
              `retrying ${method} ${name}${path} after try ${attemptNumber}: ${error.message}`,
            );
          }
        },
      },
    );
  }

  return {
    breaker,
    /** The product, or null when catalog does not know it. */
    async getProduct(id) {
      try {
        return await call('GET', `/products/${encodeURIComponent(id)}`, { idempotent: true });
      } catch (err) {
        if (err instanceof UpstreamRejected && err.status === 404) return null;
        throw err;
      }
    },
  };
}
