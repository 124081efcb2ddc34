import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // UI component tests (`ui/`) pick their DOM with a `@vitest-environment happy-dom` comment; the rest run in node.
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'ui/src/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/results.json' },
  },
});
