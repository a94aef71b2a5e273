import { defineConfig } from 'vitest/config';

// Three tiers: unit needs nothing but Node; integration runs real components (promtool, a built
// Collector, Jaeger, Python services) that scripts/setup.sh installs; e2e runs the example system.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Many unit tests start the CLI (Node and oclif, ~1 s alone); on a loaded 2-core machine
          // that passed the 5 s default, so failures there said nothing about the code.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
