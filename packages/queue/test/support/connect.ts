import { createClient, type IpcClient, type IpcClientOptions } from '@redis-ipc/core';
import { type TestContext, targetOptions, testContext } from '@redis-ipc/testing';

/** Opens a client on `url` and waits for it to be ready (for tests that run their own server). */
export function open(url: string, options: Omit<IpcClientOptions, 'url'> = {}): Promise<IpcClient> {
  return createClient({ ...options, url }).connect();
}

/** The harness's test context with redis-ipc clients: one per test, under a prefix of its own. */
export function queueContext(label = 'q'): TestContext<IpcClient, IpcClientOptions> {
  return testContext({
    label,
    connect: ({ target, prefix }, options?: IpcClientOptions): Promise<IpcClient> =>
      createClient({ ...targetOptions(target, options), prefix }).connect(),
  });
}
