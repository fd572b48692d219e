import { readFile } from 'node:fs/promises';
import {
  aclLog,
  aclRules,
  createAclUser,
  LIBRARY_COMMANDS,
  libraryGrant,
  OPTIONAL_COMMANDS,
  type PlainClient,
  plainClient,
  type RedisServer,
  rejection,
  resetAclLog,
  startRedisServer,
} from '@redis-ipc/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BlockingWait,
  createClient,
  type IpcClient,
  isIpcError,
  type RedisClient,
} from '../src/index.js';

// BLMOVE, as a queue's take() waits (BRPOP is not in the library's ACL).
const blmove = (key: string) => (redis: RedisClient, wait: BlockingWait) =>
  redis.blMove(key, `${key}:taken`, 'LEFT', 'RIGHT', wait.seconds);
const prefixed = { keys: ['ipc:*'], channels: ['ipc:*'] };

// An aborted blocking wait is ended with CLIENT UNBLOCK when the user may run it, and by closing its
// dedicated connection when not; SECURITY.md documents both, and the ACL line this checks.
describe('least-privilege ACL', () => {
  let server: RedisServer;
  let admin: PlainClient;
  const clients: IpcClient[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    admin = await plainClient(server.url);
  }, 30_000);
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((ipc) => ipc.close()));
    await resetAclLog(admin);
  });

  const connectAs = async (username: string, extraCommands: readonly string[] = []) => {
    const { password } = await createAclUser(
      admin,
      username,
      aclRules(libraryGrant(prefixed, extraCommands)),
    );
    const ipc = createClient({ url: server.url, redis: { username, password } });
    clients.push(ipc);
    return ipc.connect();
  };
  const blockedConnections = async (username: string) =>
    String(await admin.sendCommand(['CLIENT', 'LIST', 'TYPE', 'normal']))
      .split('\n')
      .filter((line) => line.includes(` user=${username} `) && line.includes(' cmd=blmove ')).length;
  const abortBlockedWait = async (ipc: IpcClient, username: string, key: string) => {
    const controller = new AbortController();
    const waiting = ipc.blocking(blmove(key), { signal: controller.signal });
    // The wait has reached the server once its connection shows BLMOVE as its command.
    await expect.poll(() => blockedConnections(username), { timeout: 3000 }).toBe(1);
    const started = performance.now();
    controller.abort();
    expect(isIpcError(await rejection(waiting), 'IPC_ABORTED')).toBe(true);
    return performance.now() - started;
  };

  it('SECURITY.md grants exactly the commands the suites run under', async () => {
    const text = await readFile(new URL('../../../SECURITY.md', import.meta.url), 'utf8');
    const line = /ACL SETUSER ipc-app on >\S+ (resetkeys ~ipc:\* resetchannels &ipc:\* -@all [^\n`]+)/.exec(
      text,
    );
    expect(line?.[1]?.split(' ')).toEqual(aclRules(libraryGrant(prefixed)));
    for (const command of OPTIONAL_COMMANDS) expect(LIBRARY_COMMANDS).not.toContain(command);
  });

  it('ends an aborted wait with CLIENT UNBLOCK when granted, and keeps the connection', async () => {
    const ipc = await connectAs('granted', ['client|unblock', 'client|list']);
    const key = ipc.keys.structure('q', 'jobs').main;
    for (let round = 0; round < 3; round++) await abortBlockedWait(ipc, 'granted', key);
    expect(ipc.blockingConnections).toBe(1);
    expect(await aclLog(admin)).toEqual([]);
    // The connection still serves waits.
    await admin.lPush(key, 'x');
    await expect(ipc.blocking(blmove(key), { timeoutMs: 2000 })).resolves.toBe('x');
  });

  it('closes the dedicated connection instead when CLIENT UNBLOCK is refused, and asks only once', async () => {
    const ipc = await connectAs('least');
    const key = ipc.keys.structure('q', 'jobs').main;
    const elapsed: number[] = [];
    for (let round = 0; round < 3; round++) elapsed.push(await abortBlockedWait(ipc, 'least', key));
    // The server no longer waits for anyone: a push now is not swallowed by an aborted call.
    expect(await blockedConnections('least')).toBe(0);
    await admin.lPush(key, 'x');
    expect(await admin.lLen(key)).toBe(1);
    const refused = await aclLog(admin);
    expect(refused.map(({ reason, object, count }) => ({ reason, object, count }))).toEqual([
      { reason: 'command', object: 'client|unblock', count: 1 },
    ]);
    console.info(`aborts without CLIENT UNBLOCK took ${elapsed.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    // A new connection serves the next wait.
    await expect(ipc.blocking(blmove(key), { timeoutMs: 2000 })).resolves.toBe('x');
    expect(ipc.blockingConnections).toBe(1);
  });
});
