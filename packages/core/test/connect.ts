import { type ConnectArgs, targetOptions } from '@redis-ipc/testing';
import { createClient, type IpcClient, type IpcClientOptions } from '../src/index.js';

/** How a test context opens a client of this package (from its sources): `testContext({ connect })`. */
export function connect({ target, prefix }: ConnectArgs, options?: IpcClientOptions): Promise<IpcClient> {
  return createClient({ ...targetOptions(target, options), prefix }).connect();
}
