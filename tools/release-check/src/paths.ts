import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The published packages, by folder name under `packages/`. */
export const publishedPackages = ['core', 'queue', 'cache', 'stream', 'ipc'] as const;

/** The READMEs a user reads: the root one and each published package's. */
export const readmes = ['README.md', ...publishedPackages.map((name) => `packages/${name}/README.md`)];
