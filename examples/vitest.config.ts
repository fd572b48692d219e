import { defineConfig } from 'vitest/config';
import { testPreset } from '../tools/testing/src/vitest-preset.ts';

export default defineConfig({ ...testPreset, test: { ...testPreset.test, include: ['test/**/*.test.ts'] } });
