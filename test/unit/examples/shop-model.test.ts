// examples/shop/obs.yaml is what `obs init` scans from the shop, plus the edits its comments
// explain (Logstash for logs, the trace archive on): when the shop changes, this says the model
// is stale instead of letting the end-to-end test run an old picture of it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../../model/load.js';
import { scanRepository } from '../../../model/scan/index.js';
import { SHOP_DIR } from '../../support/shop.js';

const file = path.join(SHOP_DIR, 'obs.yaml');
const text = readFileSync(file, 'utf8');
const model = parseModel(text, file);

describe('examples/shop/obs.yaml', () => {
  it('describes the services the scanner finds in the shop, as it finds them', async () => {
    const scanned = await scanRepository(SHOP_DIR);
    expect(model.services).toEqual(scanned.model.services);
    expect(model.name).toBe('shop');
  });

  it('ships logs through Logstash and archives traces, saying why in comments', async () => {
    const scanned = await scanRepository(SHOP_DIR);
    expect(model.stack.logs.shipper).toBe('logstash');
    expect(model.stack.traceArchive.enabled).toBe(true);
    expect(text).toMatch(/Elasticsearch exporter[\s\S]*not served by the Go module proxy/);
    // Everything else of the stack is as scanned: these two are the only edits.
    const edited = {
      ...scanned.model.stack,
      logs: { ...scanned.model.stack.logs, shipper: 'logstash' },
      traceArchive: { ...scanned.model.stack.traceArchive, enabled: true },
    };
    expect(model.stack).toEqual(edited);
  });
});
