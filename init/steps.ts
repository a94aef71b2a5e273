/**
 * The generators `obs init` runs, in order: the one list of them. Each step is a generator with
 * its config; add a generator here and nowhere else. Generators are pure and read only the model,
 * so the order is the order of the summary, with one rule: the compose stack comes last because it
 * mounts what the others write.
 */
import { collectorGenerator } from '../collectors/collector/generator.js';
import { logstashGenerator } from '../collectors/logstash/pipeline.js';
import { nodeInstrumentation } from '../collectors/node/generator.js';
import { pythonInstrumentation } from '../collectors/python/generator.js';
import { composeGenerator } from '../compose/generator.js';
import { prometheusGenerator } from '../compose/prometheus/generator.js';
import { dashboardsGenerator, grafanaProvisioningGenerator } from '../dashboards/generator.js';
import { elasticsearchGenerator, kibanaGenerator } from '../elk/generator.js';
import type { StackSecrets } from '../compose/secrets.js';
import { runGenerator } from '../model/generator.js';
import type { Generator, GeneratorResult } from '../model/generator.js';
import type { SystemModel } from '../model/schema.js';

export interface InitStep {
  readonly name: string;
  readonly description: string;
  run(model: SystemModel): GeneratorResult;
}

/** What the steps need from the disk, read by the pipeline (generators never read files). */
export interface StepContext {
  /** Passwords already in the stack's .env, kept across runs. Default: none (first run). */
  secrets: StackSecrets;
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
export function initSteps(ctx: StepContext = { secrets: {} }): InitStep[] {
  return [
    // Instrumentation per service, by language.
    step(pythonInstrumentation),
    step(nodeInstrumentation),
    // The stack's configuration.
    step(collectorGenerator),
    step(prometheusGenerator),
    // Grafana: dashboards as code and the provisioning that loads them.
    step(dashboardsGenerator),
    step(grafanaProvisioningGenerator),
    // Logs: Logstash pipeline, Elasticsearch resources (obs elk apply), Kibana objects.
    step(logstashGenerator),
    step(elasticsearchGenerator),
    step(kibanaGenerator),
    // Last: the compose stack mounts the files the steps above write.
    step(composeGenerator, { secrets: ctx.secrets }),
  ];
}
