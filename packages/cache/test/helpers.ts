import { createClient, type IpcClient, type IpcClientOptions } from '@redis-ipc/core';
import { deleteKeys, redisUrl, uniquePrefix, until } from '@redis-ipc/testing';
import { createClient as createRedis } from 'redis';

type PlainClient = ReturnType<typeof plainClient>;

function plainClient(url: string) {
  const client = createRedis({ url });
  client.on('error', () => {});
  return client;
}

/** Clients opened by a test, closed (and their keys deleted) by {@link cleanUp}. */
export interface TestContext {
  readonly url: string;
  readonly prefix: string;
  client(options?: IpcClientOptions): Promise<IpcClient>;
  /** A plain node-redis client, as a foreign program would use. */
  plain(): Promise<PlainClient>;
  cleanUp(exact?: readonly string[]): Promise<void>;
}

export function testContext(url = redisUrl(), label = 'cache'): TestContext {
  const prefix = uniquePrefix(label);
  const clients: IpcClient[] = [];
  const plains: PlainClient[] = [];
  return {
    url,
    prefix,
    async client(options = {}) {
      const ipc = createClient({ url, prefix, ...options });
      clients.push(ipc);
      return ipc.connect();
    },
    async plain() {
      const client = plainClient(url);
      plains.push(client);
      await client.connect();
      return client;
    },
    async cleanUp(exact = []) {
      await Promise.all(clients.map((ipc) => ipc.close()));
      await Promise.all(plains.map((client) => (client.isOpen ? client.close() : undefined)));
      await deleteKeys(url, prefix, exact);
    },
  };
}

/** Polls `check` every 10 ms until it returns true; throws after `timeoutMs`. */
export function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  return until(check, timeoutMs, 'condition', 10);
}

export { pause, rejection } from '@redis-ipc/testing';
