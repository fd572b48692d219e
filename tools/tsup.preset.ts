import type { Options } from 'tsup';
import { readLuaWithIncludes } from './testing/src/lua-include.ts';

/**
 * The build every published package shares: ESM only, typed, and with `?raw` imports (our Lua scripts)
 * inlined as strings (`--- @include` lines expanded) so that nothing has to be copied next to the bundle.
 */
export const packagePreset: Options = {
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  esbuildPlugins: [
    {
      name: 'raw-text',
      setup(build) {
        build.onResolve({ filter: /\?raw$/ }, (args) => ({
          path: new URL(args.path.replace(/\?raw$/, ''), `file://${args.resolveDir}/`).pathname,
          namespace: 'raw-text',
        }));
        build.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({
          contents: await readLuaWithIncludes(args.path),
          loader: 'text',
        }));
      },
    },
  ],
};
