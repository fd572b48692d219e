import { defineConfig } from 'vitest/config';
import { testPreset } from '../tools/testing/src/vitest-preset.ts';

export default defineConfig(testPreset);
