import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two-core machines: keep parallelism modest so pty and HTTP tests stay deterministic.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Missing system tools (socat, Chromium, PostgreSQL) fail the run once, up front, saying what to install.
    globalSetup: ['./test/support/global-setup.ts'],
  },
});
