export { pause, rejection, until } from './assertions.js';
export { type NodeChild, type SpawnNodeOptions, spawnNode } from './child-process.js';
export { type FaultyProxy, startProxy } from './faulty-proxy.js';
export { freePort } from './free-port.js';
export { deleteKeys, uniquePrefix } from './keys.js';
export { type PlainClient, plainClient } from './plain-client.js';
export { type RedisCluster, startRedisCluster } from './redis-cluster.js';
export { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.js';
export {
  adminEndpoint,
  type Endpoint,
  redisUrl,
  type StandaloneTarget,
  standaloneTarget,
  type TestTarget,
  targetOptions,
  testTargets,
} from './targets.js';
export {
  type Closable,
  type ConnectArgs,
  type TestContext,
  type TestContextOptions,
  testContext,
} from './test-context.js';
