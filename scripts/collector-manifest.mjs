#!/usr/bin/env node
// Prints the collector builder manifest obs generates for a model file (default: the example
// shop's obs.yaml, which the end-to-end test runs with `obs init`). scripts/setup.d/collector.sh
// builds the test Collector from it, so the binary the tests run is the one a user of the example
// would build. The stack integration tests run it too, with a fixture model that uses the same
// components (test/integration/stack/collector.test.ts). Needs `npm run build`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseModel } from '../dist/model/load.js';
import { runGenerator } from '../dist/model/generator.js';
import { stackPaths } from '../dist/model/conventions.js';
import { collectorGenerator } from '../dist/collectors/collector/generator.js';

const file =
  process.argv[2] ?? fileURLToPath(new URL('../examples/shop/obs.yaml', import.meta.url));
const model = parseModel(readFileSync(file, 'utf8'), String(file));
const { files } = runGenerator(collectorGenerator, model);
const manifest = files.find((f) => f.path === stackPaths(model).collectorBuilder);
if (!manifest) throw new Error('the collector generator wrote no builder manifest');
process.stdout.write(manifest.content);
