import { defineConfig } from 'tsup';
import { packagePreset } from '../../tools/tsup.preset.ts';

// Two entries sharing chunks: `internal` reuses the public error classes rather than copying them.
export default defineConfig({ ...packagePreset, entry: ['src/index.ts', 'src/internal.ts'] });
