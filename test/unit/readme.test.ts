// The README's two commands are the project's promise to a newcomer; CI must run the second.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');
const ci = readFileSync('.ci/run', 'utf8');
const commands = [...readme.matchAll(/```sh\n([^\n]+)\n```/g)].map((m) => m[1]!);

describe('README and CI', () => {
  it('starts with the two set-up commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(2);
    expect(commands[0]).toMatch(/^\.\/scripts\/setup\.sh && npm run example$/);
    expect(commands[1]).toMatch(/npm test$/);
  });

  it('CI runs the README test command verbatim', () => {
    const lines = ci.split('\n').map((l) => l.trim());
    expect(lines).toContain(commands[1]);
  });
});
