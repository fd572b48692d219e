import { createClient, type IpcClient, type IpcClientOptions } from '@redis-ipc/core';
import {
  type ConnectArgs,
  type TestContext,
  type TestContextOptions,
  targetOptions,
  testContext,
} from '@redis-ipc/testing';

/** The test context of the cache's suites: every client is an {@link IpcClient}. */
export type CacheTestContext = TestContext<IpcClient, IpcClientOptions>;

/** Opens a client on the test's target under the test's prefix. */
export function connectIpc({ target, prefix }: ConnectArgs, options?: IpcClientOptions): Promise<IpcClient> {
  return createClient({ ...targetOptions(target, options), prefix }).connect();
}

/** {@link testContext} with the cache's clients; register it at the top of a `describe` or file. */
export function cacheContext(
  options: Omit<TestContextOptions<IpcClient, IpcClientOptions>, 'connect'> = {},
): CacheTestContext {
  return testContext({ label: 'cache', ...options, connect: connectIpc });
}
