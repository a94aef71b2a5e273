/** Running a generator in tests. */
import { ObsError } from '../../core/errors.js';
import type { Generator } from '../../model/generator.js';
import { runGenerator } from '../../model/generator.js';
import type { SystemModel } from '../../model/schema.js';

/** The message runGenerator() fails with; throws when the generator accepts the input. */
export function validationError<C>(
  gen: Generator<C>,
  model: SystemModel,
  config: Partial<C> = {},
): string {
  try {
    runGenerator(gen, model, config);
  } catch (err) {
    if (err instanceof ObsError) return err.message;
    throw err;
  }
  throw new Error(`${gen.name} accepted what it should refuse`);
}
