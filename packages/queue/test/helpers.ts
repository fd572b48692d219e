import { createServer, type Server, type Socket } from 'node:net';
import { createClient, type IpcClient, type IpcClientOptions } from '@redis-ipc/core';
import { deleteKeys, redisUrl, uniquePrefix } from '@redis-ipc/testing';
import { afterEach, beforeEach } from 'vitest';

/** Opens a client and waits for it to be ready. */
export function open(url: string, options: Omit<IpcClientOptions, 'url'> = {}): Promise<IpcClient> {
  return createClient({ url, ...options }).connect();
}

export { pause, rejection, until } from '@redis-ipc/testing';

/** A test's own client and key prefix (see {@link clientPerTest}). */
export interface TestClient {
  readonly ipc: IpcClient;
  readonly prefix: string;
}

/**
 * Gives each test of the calling `describe` a connected client with a key prefix of its own, and
 * closes it and deletes its keys after the test.
 */
export function clientPerTest(label = 'q'): TestClient {
  const current = {} as { ipc: IpcClient; prefix: string };
  beforeEach(async () => {
    current.prefix = uniquePrefix(label);
    current.ipc = await open(redisUrl(), { prefix: current.prefix });
  });
  afterEach(async () => {
    await current.ipc.close();
    await deleteKeys(redisUrl(), current.prefix);
  });
  return current;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a Redis server, to cut a connection at a chosen moment: with
 * `dropReplies()` the commands still reach Redis but the replies are swallowed, and `cut()` then
 * destroys the client's socket — the "the write reached Redis, the reply did not" failure.
 */
export interface FaultyProxy {
  readonly url: string;
  dropReplies(): void;
  cut(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<FaultyProxy> {
  const { connect } = await import('node:net');
  let dropping = false;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!dropping) client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    dropReplies() {
      dropping = true;
    },
    cut() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      dropping = false;
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
