import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';
import { readLuaWithIncludes } from './lua-include.js';

/** The vitest configuration every package shares. */
export const testPreset: ViteUserConfig = {
  // Lua scripts imported with `?raw` get their `--- @include` lines expanded, as in the build.
  plugins: [
    {
      name: 'lua-include',
      enforce: 'pre',
      async load(id) {
        const [path, query] = id.split('?');
        if (query !== 'raw' || !path?.endsWith('.lua')) return null;
        return `export default ${JSON.stringify(await readLuaWithIncludes(path))};`;
      },
    },
  ],
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
