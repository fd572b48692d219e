import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publishedPackages, repoRoot } from './paths.js';

const run = promisify(execFile);

/** Tarballs of the published packages, as `pnpm pack` makes them (what the registry would get). */
export type Tarballs = Readonly<Record<string, string>>;

/** Packs every published package into `dir`; returns the tarballs by package name (`@redis-ipc/queue`). */
export async function packAll(dir: string): Promise<Tarballs> {
  for (const name of publishedPackages) {
    await run('pnpm', ['pack', '--pack-destination', dir], { cwd: join(repoRoot, 'packages', name) });
  }
  const tarballs: Record<string, string> = {};
  for (const file of await readdir(dir)) {
    const match = /^redis-ipc-(\w+)-[\d.]+\.tgz$/.exec(file);
    if (match?.[1]) tarballs[`@redis-ipc/${match[1]}`] = join(dir, file);
  }
  return tarballs;
}

/**
 * A scratch project that installs `packages` (npm names; `@redis-ipc/*` from the tarballs, others from
 * pnpm's store) with pnpm's strict layout, offline: only what it names can be imported.
 */
export async function strictProject(
  dir: string,
  tarballs: Tarballs,
  packages: readonly string[],
  type: 'module' | 'commonjs',
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type }));
  // Dependencies between our packages resolve to the tarballs too, not to the registry.
  const overrides = Object.entries(tarballs).map(([name, file]) => `  "${name}": "file:${file}"`);
  await writeFile(join(dir, 'pnpm-workspace.yaml'), `overrides:\n${overrides.join('\n')}\n`);
  const specs = packages.map((name) => tarballs[name] ?? (name === 'redis' ? 'redis@6.3.1' : name));
  await run('pnpm', ['add', '--offline', ...specs], { cwd: dir });
  return dir;
}
