import { testPreset } from '@redis-ipc/testing/vitest-preset';
import { defineConfig } from 'vitest/config';

export default defineConfig(testPreset);
