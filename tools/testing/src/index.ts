export {
  type AclCredentials,
  type AclDenial,
  type AclGrant,
  type AclTarget,
  type AclTargetOptions,
  aclLog,
  aclRules,
  aclTarget,
  createAclUser,
  resetAclLog,
} from './acl-user.js';
export { pause, rejection, until } from './assertions.js';
export { type NodeChild, type SpawnNodeOptions, spawnNode } from './child-process.js';
export { clusterOf, clusterPlainClient, deleteClusterKeys } from './cluster-plain-client.js';
export { type FaultyProxy, startProxy } from './faulty-proxy.js';
export { freeClusterPort, freePort } from './free-port.js';
export { deleteKeys, uniquePrefix } from './keys.js';
export {
  LIBRARY_COMMANDS,
  libraryGrant,
  OPTIONAL_COMMANDS,
  unexpectedDenials,
} from './least-privilege.js';
export { type PlainClient, plainClient } from './plain-client.js';
export { type RedisCluster, type RedisClusterOptions, startRedisCluster } from './redis-cluster.js';
export {
  type RedisSentinelOptions,
  type RedisSentinelSetup,
  startRedisSentinel,
} from './redis-sentinel.js';
export { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.js';
export {
  adminEndpoint,
  type ClusterTarget,
  clusterTarget,
  type Endpoint,
  redisUrl,
  type SentinelTarget,
  type StandaloneTarget,
  sentinelTarget,
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
export {
  makeTestCertificates,
  startTlsRedisServer,
  type TestCertificates,
  type TlsRedisServer,
  type TlsRedisServerOptions,
  tlsTarget,
} from './tls-server.js';
