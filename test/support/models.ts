/** Fixture system models (test/fixtures/models/<scenario>.obs.yaml), validated as obs reads them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModel } from '../../model/load.js';
import type { SystemModel } from '../../model/schema.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/models');

export function fixtureModel(scenario: string): SystemModel {
  const file = path.join(DIR, `${scenario}.obs.yaml`);
  return parseModel(readFileSync(file, 'utf8'), file);
}
