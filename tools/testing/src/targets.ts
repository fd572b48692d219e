import { inject } from 'vitest';
import './provided-context.js';

/** A single `redis-server` reached by URL. */
export interface StandaloneTarget {
  readonly name: 'standalone';
  /** `redis://127.0.0.1:<port>` (or whatever `REDIS_URL` says). */
  readonly url: string;
}

/**
 * Where a suite's Redis lives. A conformance suite takes one and runs the same tests on every
 * topology; today the only kind is a standalone server. Cluster (`{ name: 'cluster'; rootNodes }`) and
 * sentinel targets join this union later: code that switches on `target.name` will then be told by the
 * compiler where it has to learn the new kind.
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

/**
 * Every target this run covers, for conformance suites:
 * `for (const target of testTargets()) testQueue(target, { delivery })`. Today the run's standalone
 * server only.
 */
export function testTargets(): readonly TestTarget[] {
  return [standaloneTarget()];
}
