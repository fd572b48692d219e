import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';

/** Oldest Redis the packages run on, and why. */
const MINIMUM = { major: 7, minor: 0 };
const WHY =
  'the queue blocks with BLMPOP, and the stream reads the entries-read field of XINFO GROUPS and uses XAUTOCLAIM';

/** Throws a clear error when `version` (e.g. `6.0.16`) is older than Redis 7.0. */
export function requireRedisVersion(version: string, where: string): void {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > MINIMUM.major || (major === MINIMUM.major && minor >= MINIMUM.minor)) return;
  throw new Error(
    `${where} is Redis ${version}; the tests need Redis ${MINIMUM.major}.${MINIMUM.minor} or newer (${WHY}). ` +
      'Install a newer redis-server (Debian 12 ships 7.0), or point REDIS_URL at one.',
  );
}

let binaryChecked: Promise<void> | undefined;

/** Checks once per process that the `redis-server` on the PATH is there and recent enough. */
export function requireRedisServerBinary(): Promise<void> {
  binaryChecked ??= (async () => {
    let output: string;
    try {
      ({ stdout: output } = await promisify(execFile)('redis-server', ['--version'], { timeout: 10_000 }));
    } catch (error) {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? new Error(
            'redis-server is not on the PATH: apt-get install redis-server. Some suites start servers of their own even when REDIS_URL is set (see CONTRIBUTING.md).',
          )
        : error;
    }
    const version = /v=(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? '0.0.0';
    requireRedisVersion(version, `the redis-server on the PATH (${output.trim()})`);
  })();
  return binaryChecked;
}

/**
 * Checks the server the suites share: Redis 7.0 or newer, and no keyspace notifications
 * (`notify-keyspace-events` without `K`), since the cache's tests of its re-check fallback assume
 * that nothing but the library wakes a waiter. Throws a clear error otherwise.
 */
export async function requireSharedServer(url: string): Promise<void> {
  const where = `REDIS_URL (${redacted(url)})`;
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to ${where}: ${(error as Error).message}`);
  }
  try {
    const info = String(await client.sendCommand(['INFO', 'server']));
    requireRedisVersion(/redis_version:([\d.]+)/.exec(info)?.[1] ?? '0.0.0', where);
    let flags: string | undefined;
    try {
      flags = String((await client.configGet('notify-keyspace-events'))['notify-keyspace-events'] ?? '');
    } catch {
      // CONFIG disabled (managed Redis): the cache cannot see the setting either, and re-checks.
    }
    if (flags?.includes('K')) {
      throw new Error(
        `${where} sends keyspace notifications (notify-keyspace-events is '${flags}'); the cache's tests ` +
          'expect none on the shared server (they test the re-check that runs without them). Run ' +
          `CONFIG SET notify-keyspace-events "" there, or unset REDIS_URL to let the tests start their own server.`,
      );
    }
  } finally {
    await client.close().catch(() => {});
  }
}

function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
