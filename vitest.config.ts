// Test runner configuration: unit tests beside their code, cross-module suites in test/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'adapters/**/*.test.ts', 'schemas/**/*.test.ts', 'tools/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // One QuestDB server for the run, started only when a QuestDB suite is in it (see the file).
    globalSetup: ['test/questdb-global-setup.ts'],
  },
});
