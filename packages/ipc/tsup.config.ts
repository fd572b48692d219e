import { defineConfig } from 'tsup';
import { packagePreset } from '../../tools/tsup.preset.ts';

export default defineConfig(packagePreset);
