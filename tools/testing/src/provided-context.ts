declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis server the tests share. */
    redisUrl: string;
    /**
     * Root node URLs of the Redis Cluster the tests share (3 masters, 3 replicas), started once per
     * run; empty when the run has none (`REDIS_IPC_CLUSTER=off`).
     */
    redisClusterNodes: string[];
  }
}

export {};
