import { defineConfig } from 'vitest/config';
import { testPreset } from './src/vitest-preset.ts';

export default defineConfig(testPreset);
