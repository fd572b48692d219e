import { createClient, type IpcClient, type IpcClientOptions } from '@redis-ipc/core';
import { type TestContext, type TestTarget, targetOptions, testContext } from '@redis-ipc/testing';

/** The stream suites' test context: a client per test on `target`, under a prefix of its own. */
export function streamContext(
  target: TestTarget,
  label = 's',
  options?: IpcClientOptions,
): TestContext<IpcClient, IpcClientOptions> {
  return testContext<IpcClient, IpcClientOptions>({
    target,
    label,
    options,
    connect: ({ target: where, prefix }, options) =>
      createClient({ ...targetOptions(where, options), prefix }).connect(),
  });
}
