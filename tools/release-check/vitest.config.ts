import { defineConfig } from 'vitest/config';
import { testPreset } from '../testing/src/vitest-preset.ts';

// Packing and installing are slow and share one scratch folder per file: one file at a time.
export default defineConfig({
  ...testPreset,
  test: { ...testPreset.test, include: ['test/**/*.test.ts'], testTimeout: 180_000 },
});
