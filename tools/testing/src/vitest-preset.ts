import { fileURLToPath } from 'node:url';
import { configDefaults, type ViteUserConfig } from 'vitest/config';
import { readLuaWithIncludes } from './lua-include.js';

/**
 * Test files that start several processes (fixtures, demo workers): any name ending in
 * `processes.test.ts` (`processes.test.ts`, `fan-out-processes.test.ts`, `demo.processes.test.ts`).
 */
export const PROCESS_TESTS = 'test/**/*processes.test.ts';

/**
 * The vitest configuration every package shares: one Redis for the run (global setup), and two
 * projects — `tests`, two files at a time, then `processes` ({@link PROCESS_TESTS}), one file at a
 * time and alone.
 */
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
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only make the timing of fault tests noisier.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'tests',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, PROCESS_TESTS],
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
        },
      },
      {
        // Files that run several Node processes at once load both cores: they run after every other
        // file, one at a time, so that no lease or timing test shares the machine with them.
        extends: true,
        test: {
          name: 'processes',
          include: [PROCESS_TESTS],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
};
