import { defineConfig } from 'vitest/config';

// Unit tests of the checkers: synthetic histories, no server.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'] },
});
