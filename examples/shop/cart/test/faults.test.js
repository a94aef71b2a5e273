import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultConfigError, FaultSwitch, faultsFromEnv, mergeFaults } from '../src/faults.js';
import { memoryLogger } from './helpers.js';

const NONE = { error_rate: 0, latency_ms: 0, crash: false };

describe('fault settings', () => {
  it('merges the named fields only', () => {
    assert.deepEqual(mergeFaults({ ...NONE, error_rate: 0.2 }, { latency_ms: 300 }), {
      error_rate: 0.2,
      latency_ms: 300,
      crash: false,
    });
  });

  it('names the bad field', () => {
    const cases = [
      [{ error_rate: 1.5 }, /error_rate must be a number from 0 to 1/],
      [{ error_rate: true }, /error_rate must be a number from 0 to 1/],
      [{ latency_ms: 2.5 }, /latency_ms must be a whole number/],
      [{ crash: 'maybe' }, /crash must be true or false/],
      [{ errors: 1 }, /unknown fault setting errors/],
      [[1], /expected a JSON object/],
    ];
    for (const [changes, message] of cases) {
      assert.throws(
        () => mergeFaults(NONE, changes),
        (err) => err instanceof FaultConfigError && message.test(err.message),
      );
    }
  });

  it('reads FAULT_* from the environment', () => {
    assert.deepEqual(
      faultsFromEnv({ FAULT_ERROR_RATE: '0.5', FAULT_LATENCY_MS: '20', FAULT_CRASH: 'yes' }),
      {
        error_rate: 0.5,
        latency_ms: 20,
        crash: true,
      },
    );
    assert.throws(
      () => faultsFromEnv({ FAULT_LATENCY_MS: 'soon' }),
      /^FaultConfigError: environment: latency_ms/,
    );
  });
});

describe('fault middleware', () => {
  function run(switcher, path = '/carts/a') {
    const outcome = {};
    const res = {
      status(code) {
        outcome.status = code;
        return this;
      },
      json(body) {
        outcome.body = body;
      },
    };
    return switcher
      .middleware()({ method: 'GET', path }, res, () => (outcome.next = true))
      .then(() => outcome);
  }

  it('fails business requests at the error rate, never /health', async () => {
    const { logger, records } = memoryLogger();
    const switcher = new FaultSwitch({ logger, initial: { ...NONE, error_rate: 1 } });
    assert.deepEqual(await run(switcher), {
      status: 500,
      body: { error: 'injected fault on GET /carts/a' },
    });
    assert.deepEqual(await run(switcher, '/health'), { next: true });
    assert.ok(records.some((r) => r.level === 50 && r.msg === 'injected fault on GET /carts/a'));
  });

  it('exits with status 70 when the crash switch is on', async () => {
    const { logger } = memoryLogger();
    const exits = [];
    const switcher = new FaultSwitch({
      logger,
      initial: { ...NONE, crash: true },
      exit: (code) => exits.push(code),
    });
    await run(switcher);
    assert.deepEqual(exits, [70]);
  });

  it('passes requests on when no fault is set', async () => {
    const { logger } = memoryLogger();
    assert.deepEqual(await run(new FaultSwitch({ logger, initial: NONE })), { next: true });
  });
});
