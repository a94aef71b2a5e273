/**
 * `npm run bench [SUITE...]`: runs the named benchmark suites (default: all). Each suite is its own
 * module with a `run()` that prints its figures; this file only dispatches.
 */
interface Suite {
  run(): Promise<void>;
}

const SUITES: Record<string, () => Promise<Suite>> = {
  traces: () => import('./traces.bench.js'),
  logs: () => import('./logs.js'),
};

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(SUITES)) {
  const load = SUITES[name];
  if (load === undefined) {
    console.error(`unknown bench suite ${name}; known: ${Object.keys(SUITES).join(', ')}`);
    process.exitCode = 64;
    break;
  }
  await (await load()).run();
}
