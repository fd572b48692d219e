import { defineConfig } from 'vitest/config';
import { testPreset } from '../testing/src/vitest-preset.ts';

// Packing and installing take long: generous time limits (the harness runs the packing file alone).
export default defineConfig({ ...testPreset, test: { ...testPreset.test, testTimeout: 180_000 } });
