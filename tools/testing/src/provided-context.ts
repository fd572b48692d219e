declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis server the tests share. */
    redisUrl: string;
  }
}

export {};
