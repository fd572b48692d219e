export { Cache, createCache } from './cache.js';
export { MAX_KEY_BYTES } from './cache-key.js';
export type {
  CacheEntry,
  CacheLoader,
  CacheOptions,
  GetOrSetOptions,
  SetOptions,
  WaitForOptions,
} from './options.js';
