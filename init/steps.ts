/**
 * The generators `obs init` runs, in order: the one list of them. Each step is a generator with
 * its config; add a generator here and nowhere else. Order matters only where a later generator
 * reads what an earlier one decided through the model, never through files, so today any order
 * would produce the same files; the order is the order the summary lists them in.
 */
import { nodeInstrumentation } from '../collectors/node/generator.js';
import { pythonInstrumentation } from '../collectors/python/generator.js';
import { runGenerator } from '../model/generator.js';
import type { Generator, GeneratorResult } from '../model/generator.js';
import type { SystemModel } from '../model/schema.js';

export interface InitStep {
  readonly name: string;
  readonly description: string;
  run(model: SystemModel): GeneratorResult;
}

/** A generator with its config (partial: the generator's documented defaults fill the rest). */
export function step<C>(generator: Generator<C>, config: Partial<C> = {}): InitStep {
  return {
    name: generator.name,
    description: generator.description,
    run: (model) => runGenerator(generator, model, config),
  };
}

/** What `obs init` generates, in order. */
export function initSteps(): InitStep[] {
  return [
    // Instrumentation per service, by language.
    step(pythonInstrumentation),
    step(nodeInstrumentation),
  ];
}
