import { defineConfig } from 'vitest/config';

// One runner for every package: unit tests sit beside their sources (x.ts + x.test.ts);
// tests that cross packages (browser end-to-end, simulation smoke) live in test/.
export default defineConfig({
  test: {
    include: ['{models,sdk,aggregator-server,demo-shop}/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
