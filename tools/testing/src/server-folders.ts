import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A server's folder is named after the process that started it, so that a later run can tell
// whether its owner is still alive: `redis-ipc-test-<owner pid>-<random>`.
const PREFIX = 'redis-ipc-test-';
const NAME = /^redis-ipc-test-(\d+)-[A-Za-z0-9]{6}$/;
const SERVER_FILE = 'server.json';

/** What a folder records about the server running in it. */
interface ServerRecord {
  pid: number;
  port: number;
}

/** Creates a fresh folder for a server this process starts. */
export function makeServerFolder(): Promise<string> {
  return mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
}

/** Notes which process serves from `folder`, so a sweep can end it if its owner dies. */
export function recordServer(folder: string, record: ServerRecord): void {
  // Synchronous: written before the spawn's first events can be missed by listeners set up after it.
  writeFileSync(join(folder, SERVER_FILE), JSON.stringify(record));
}

/**
 * Removes the server folders left by test processes that are gone (killed before they could clean
 * up), first killing a `redis-server` still running from one. Only folders named by
 * {@link makeServerFolder} are looked at, and only when their owner process no longer exists.
 * Returns the folders removed.
 */
export async function sweepStaleServerFolders(root: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const owner = NAME.exec(name)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    const folder = join(root, name);
    const record = await readRecord(folder);
    if (record && (await isRedisServer(record))) {
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch {
        // Gone in between: nothing to kill.
      }
    }
    await rm(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readRecord(folder: string): Promise<ServerRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(join(folder, SERVER_FILE), 'utf8')) as Partial<ServerRecord>;
    return Number.isSafeInteger(record.pid) && Number.isSafeInteger(record.port)
      ? (record as ServerRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

// The pid may have been reused since: kill it only if it still is a redis-server on the recorded port.
async function isRedisServer({ pid, port }: ServerRecord): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    return command.includes('redis-server') && command.includes(`:${port}`);
  } catch {
    // No /proc (not Linux): leave the process alone, remove the folder only.
    return false;
  }
}
