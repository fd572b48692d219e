import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

/** The vitest configuration every package shares. */
export const testPreset: ViteUserConfig = {
  test: {
    globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only make the timing of fault tests noisier.
    maxWorkers: 2,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
};
