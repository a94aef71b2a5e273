/**
 * A fixture model moved onto free loopback ports, so that tests can run the stack's real parts
 * natively beside other test runs: every `stack.ports` entry gets a free port.
 */
import type { SystemModel } from '../../model/schema.js';
import { freePorts } from './ports.js';

export async function onFreePorts(model: SystemModel): Promise<SystemModel> {
  const names = Object.keys(model.stack.ports) as (keyof SystemModel['stack']['ports'])[];
  const ports = await freePorts(names.length);
  const moved = { ...model.stack.ports };
  names.forEach((name, i) => (moved[name] = ports[i]!));
  return { ...model, stack: { ...model.stack, ports: moved } };
}
