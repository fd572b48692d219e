import type { RedisClientOptions } from 'redis';
import { inject } from 'vitest';
import './provided-context.js';

/** How a client reaches a server: its URL and any further node-redis options (TLS, credentials). */
export interface Endpoint {
  /** `redis[s]://…` */
  readonly url: string;
  /** node-redis options merged under every client's own (TLS certificates, an ACL user). */
  readonly redis?: RedisClientOptions;
}

/** A single `redis-server` reached by URL. */
export interface StandaloneTarget extends Endpoint {
  readonly name: 'standalone';
  /** What sets this target apart in test titles (`'TLS'`, `'least-privilege ACL'`); none for the run's server. */
  readonly label?: string;
  /**
   * How the tests' own plain clients connect (fixtures, checks, key clean-up) when not as the library's
   * clients do: an administrator on a target whose library clients run as a least-privilege user.
   * Defaults to the target's own endpoint.
   */
  readonly admin?: Endpoint;
}

/**
 * Where a suite's Redis lives. A conformance suite takes one and runs the same tests on every
 * topology; today the only kind is a standalone server (plain, over TLS, or under an ACL user). Cluster
 * (`{ name: 'cluster'; rootNodes }`) and sentinel targets join this union later: code that switches on
 * `target.name` will then be told by the compiler where it has to learn the new kind.
 */
export type TestTarget = StandaloneTarget;

/** URL of the Redis server this test run shares (its own throwaway server, or `REDIS_URL`). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A standalone target: the run's shared server, or the server at `url` (one a test started, say). */
export function standaloneTarget(url: string = redisUrl()): StandaloneTarget {
  return { name: 'standalone', url };
}

/** The endpoint of the tests' own plain clients on `target`. */
export function adminEndpoint(target: TestTarget): Endpoint {
  return target.admin ?? target;
}

/**
 * The client options a test's `connect` passes on for `target`: `options` with the target's URL, and
 * the target's node-redis options under the test's own (sockets merged, so a test's reconnect strategy
 * keeps the target's TLS settings).
 */
export function targetOptions<O extends { url?: string; redis?: RedisClientOptions }>(
  target: TestTarget,
  options?: O,
): O & { url: string } {
  const merged = { ...options, url: target.url } as O & { url: string };
  if (target.redis || options?.redis) {
    merged.redis = {
      ...target.redis,
      ...options?.redis,
      socket: { ...target.redis?.socket, ...options?.redis?.socket },
    } as RedisClientOptions;
  }
  return merged;
}

/**
 * Every target this run covers, for conformance suites:
 * `for (const target of testTargets()) testQueue(target, { delivery })`. Today the run's standalone
 * server only.
 */
export function testTargets(): readonly TestTarget[] {
  return [standaloneTarget()];
}
