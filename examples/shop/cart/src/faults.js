// Fault switches of the cart service: an error rate, added latency and a crash, the same
// switches (and the same admin endpoint) as the Python services (common/shopkit/faults.py).
// They start from FAULT_ERROR_RATE, FAULT_LATENCY_MS, FAULT_CRASH and change at run time
// through GET/POST/DELETE /admin/fault; /health and /admin/* are never faulted.
import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from 'express';

/** Exit status of a crashed service (EX_SOFTWARE, sysexits.h). */
export const CRASH_EXIT_STATUS = 70;

const NONE = Object.freeze({ error_rate: 0, latency_ms: 0, crash: false });
const FIELDS = Object.keys(NONE);
const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

export class FaultConfigError extends Error {
  name = 'FaultConfigError';
}

/** A copy of `faults` with `changes` applied; throws FaultConfigError naming the bad field. */
export function mergeFaults(faults, changes) {
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
    throw new FaultConfigError('expected a JSON object such as {"error_rate": 0.5}');
  }
  const unknown = Object.keys(changes).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) {
    throw new FaultConfigError(
      `unknown fault setting ${unknown.sort().join(', ')}; known: ${FIELDS.join(', ')}`,
    );
  }
  const next = { ...faults };
  if ('error_rate' in changes) next.error_rate = rate(changes.error_rate);
  if ('latency_ms' in changes) next.latency_ms = millis(changes.latency_ms);
  if ('crash' in changes) next.crash = flag(changes.crash);
  return Object.freeze(next);
}

/** Faults from the FAULT_* environment variables. */
export function faultsFromEnv(env = process.env) {
  const changes = {};
  if (env.FAULT_ERROR_RATE !== undefined) changes.error_rate = env.FAULT_ERROR_RATE;
  if (env.FAULT_LATENCY_MS !== undefined) changes.latency_ms = env.FAULT_LATENCY_MS;
  if (env.FAULT_CRASH !== undefined) changes.crash = env.FAULT_CRASH;
  try {
    return mergeFaults(NONE, changes);
  } catch (err) {
    throw new FaultConfigError(`environment: ${err.message}`);
  }
}

function rate(value) {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new FaultConfigError(
      `error_rate must be a number from 0 to 1, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function millis(value) {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new FaultConfigError(
      `latency_ms must be a whole number of milliseconds >= 0, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function flag(value) {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
  }
  throw new FaultConfigError(`crash must be true or false, got ${JSON.stringify(value)}`);
}

/** The live fault settings of the service. */
export class FaultSwitch {
  constructor({ logger, initial = faultsFromEnv(), random = Math.random, exit = process.exit }) {
    this.logger = logger;
    this.faults = initial;
    this.random = random;
    this.exit = exit;
    if (FIELDS.some((k) => initial[k] !== NONE[k])) {
      logger.warn({ faults: initial }, 'fault switches on from the environment');
    }
  }

  update(changes) {
    this.faults = mergeFaults(this.faults, changes);
    this.logger.warn({ faults: this.faults }, 'fault switches changed');
    return this.faults;
  }

  reset() {
    this.faults = NONE;
    this.logger.warn('fault switches reset');
    return this.faults;
  }

  /** Express middleware that applies the switches to business requests. */
  middleware() {
    return async (req, res, next) => {
      if (req.path === '/health' || req.path.startsWith('/admin/')) return next();
      if (this.faults.crash) {
        this.logger.fatal(`crash fault: exiting with status ${CRASH_EXIT_STATUS}`);
        this.exit(CRASH_EXIT_STATUS);
        return undefined;
      }
      if (this.faults.latency_ms > 0) await sleep(this.faults.latency_ms);
      if (this.faults.error_rate > 0 && this.random() < this.faults.error_rate) {
        const message = `injected fault on ${req.method} ${req.path}`;
        this.logger.error(message);
        return res.status(500).json({ error: message });
      }
      return next();
    };
  }

  /** GET/POST/DELETE /admin/fault. */
  router() {
    const router = Router();
    router.get('/admin/fault', (_req, res) => res.json(this.faults));
    router.post('/admin/fault', (req, res) => {
      try {
        res.json(this.update(req.body));
      } catch (err) {
        if (!(err instanceof FaultConfigError)) throw err;
        res.status(400).json({ error: err.message });
      }
    });
    router.delete('/admin/fault', (_req, res) => res.json(this.reset()));
    return router;
  }
}
