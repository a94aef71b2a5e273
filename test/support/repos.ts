/** Fixture repositories (test/fixtures/repos/<scenario>) copied to a temporary folder to run obs on. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/repos',
);

export interface TempRepo {
  dir: string;
  remove(): Promise<void>;
}

export async function copyRepo(scenario: string): Promise<TempRepo> {
  const parent = await mkdtemp(path.join(tmpdir(), `obs-${scenario}-`));
  const dir = path.join(parent, scenario);
  await cp(path.join(REPOS, scenario), dir, { recursive: true });
  return { dir, remove: () => rm(parent, { recursive: true, force: true }) };
}

/** The first ```sh block after a heading that starts with `heading` in a README. */
export function shellBlock(readme: string, heading: string): string {
  const at = readme.indexOf(`\n## ${heading}`);
  if (at < 0) throw new Error(`README has no section "${heading}"`);
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!m) throw new Error(`README section "${heading}" has no sh block`);
  return m[1]!.trimEnd();
}
