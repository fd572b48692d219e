declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis server the tests share. */
    redisUrl: string;
    /**
     * Root node URLs of the Redis Cluster the tests share (3 masters, 3 replicas), started once per
     * run; empty when the run has none (`REDIS_IPC_CLUSTER=off`).
     */
    redisClusterNodes: string[];
    /**
     * The Sentinel-managed primary the tests share (a primary, one replica, one sentinel), started
     * once per run; `null` when the run has none (`REDIS_IPC_SENTINEL=off`).
     */
    redisSentinel: { masterName: string; sentinels: string[]; url: string } | null;
  }
}

export {};
