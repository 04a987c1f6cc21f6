import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/setup/plain-summary-reporter.ts'],
    // One DynamoDB Local for the whole run; every test file makes its own table, so files run in parallel.
    globalSetup: ['test/setup/dynamodb-local.global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
