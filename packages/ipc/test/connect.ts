import { type ConnectArgs, targetOptions } from '@redis-ipc/testing';
import { createIpc, type Ipc, type IpcClientOptions } from '../src/index.js';

/** How a test context opens this package's object (from its sources): `testContext({ connect })`. */
export async function connect({ target, prefix }: ConnectArgs, options?: IpcClientOptions): Promise<Ipc> {
  const ipc = createIpc({ ...targetOptions(target, options), prefix });
  await ipc.client.connect();
  return ipc;
}
