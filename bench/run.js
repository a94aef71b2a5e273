#!/usr/bin/env node
// `npm run bench`: runs every compiled benchmark (dist/bench/*.bench.js) in name order.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/bench');
const only = process.argv[2];
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .sort()) {
  if (only !== undefined && !f.includes(only)) continue;
  const mod = await import(pathToFileURL(path.join(dir, f)).href);
  await mod.default();
}
