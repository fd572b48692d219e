import { randomUUID } from 'node:crypto';
import { isIpcError, type RedisClient, TimeoutError } from '@redis-ipc/core';
import { throwIfAborted } from '@redis-ipc/core/internal';
import type { CacheKeys } from './cache-keys.js';
import { lookBeforeGivingUp } from './deadline-look.js';
import type { EntryStore, RawEntry } from './entry-store.js';
import type { CacheLoader } from './options.js';
import { extendLockScript } from './scripts/extend-lock.js';
import type { LockStep } from './scripts/lock-step.js';
import { unlockScript } from './scripts/unlock.js';
import { Waiter } from './waiter.js';
import { MARKER_SLACK_MS } from './waiting-marker.js';
import type { Wake, WakeHub } from './wake-hub.js';
import { messageHead } from './wake-message.js';

// A waiter retries this long after the lock should have expired, so it never races the expiry.
const LOCK_GRACE_MS = 20;

/** What {@link getOrLoad} needs from its cache. */
export interface FlightContext<T> {
  readonly redis: RedisClient;
  readonly store: EntryStore;
  readonly hub: WakeHub;
  readonly keys: CacheKeys;
  /** Decodes a stored entry; `undefined` when it has expired. */
  decode(raw: RawEntry, key: string): Promise<T> | undefined;
  write(key: string, value: T, ttlMs: number | undefined): Promise<void>;
}

/** Settled options of one {@link getOrLoad} call. */
export interface FlightOptions {
  readonly ttlMs: number | undefined;
  readonly lockMs: number;
  readonly timeoutMs: number;
  /** When the wait for another loader ends: a `performance.now()` time, `Infinity` for never. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
}

type Settled = { readonly kind: 'settled'; readonly wake: Wake | undefined };

/**
 * getOrSet's miss path: single flight across processes. One caller takes a lock (SET NX PX with a
 * unique token) and runs the loader, renewing the lock while it runs; everyone else waits for the
 * value to be announced, for the lock to be given up (the loader threw), or for it to expire (the
 * loader's process died), and then tries again. Every wait subscribes before it checks, so no
 * announcement is missed.
 */
export async function getOrLoad<T>(
  ctx: FlightContext<T>,
  key: string,
  loader: CacheLoader<T>,
  options: FlightOptions,
): Promise<T> {
  const { lockMs, timeoutMs, deadline, signal } = options;
  const forever = deadline === Number.POSITIVE_INFINITY;
  const token = randomUUID();
  const lockKey = ctx.keys.lock(key);
  for (;;) {
    throwIfAborted(signal);
    const waiter = new Waiter<Wake>(ctx.hub, key, {
      arm: false,
      deadline,
      signal,
      select: (wake) => wake,
    });
    let outcome: LockStep | Settled;
    let step: Promise<LockStep> | undefined;
    try {
      await waiter.ready;
      const waitMs = Math.min(lockMs, Math.max(0, deadline - performance.now())) + MARKER_SLACK_MS;
      step = ctx.store.getOrLock(key, token, lockMs, waitMs);
      outcome = await Promise.race([
        step,
        waiter.result.then((wake): Settled => ({ kind: 'settled', wake })),
      ]);
      if (outcome.kind === 'settled' && outcome.wake?.kind !== 'value' && ctx.redis.isReady) {
        // A release or the deadline overtook the look, which is a round trip away: its answer
        // decides. (The timeout limits the wait for another process's loader, not this look.) A
        // server that does not answer by the deadline plus a grace ends the wait all the same.
        const timedOut = outcome.wake === undefined;
        const answer = await lookBeforeGivingUp(
          step,
          timeoutMs,
          signal,
          timedOut ? performance.now() : deadline,
        ).catch((error: unknown) => {
          if (isIpcError(error, 'IPC_TIMEOUT')) return undefined;
          throw error;
        });
        if (answer !== undefined && !(timedOut && answer.kind === 'busy')) outcome = answer;
      }
      if (outcome.kind === 'settled') {
        // A value, or the deadline with Redis unreachable: the look may still take the lock. Give
        // it back at once then, or nobody would load until it expired.
        releaseIfTaken(ctx, key, lockKey, token, step);
      } else if (outcome.kind === 'busy') {
        const left = outcome.lockMsLeft >= 0 ? outcome.lockMsLeft : lockMs;
        waiter.lapseAt(performance.now() + left + LOCK_GRACE_MS);
        outcome = { kind: 'settled', wake: await waiter.result };
      }
    } catch (error) {
      if (step) releaseIfTaken(ctx, key, lockKey, token, step);
      throw error;
    } finally {
      waiter.stop();
    }
    if (outcome.kind === 'locked') return load(ctx, key, loader, options, lockKey, token);
    const raw =
      outcome.kind === 'value' ? outcome.raw : outcome.wake?.kind === 'value' ? outcome.wake.raw : undefined;
    if (raw !== undefined) {
      const value = ctx.decode(raw, key);
      if (value !== undefined) return value;
    }
    // Released (the loader threw) or lapsed (its process died): try again, unless time is up.
    if (!forever && performance.now() >= deadline) throw new TimeoutError(timeoutMs);
  }
}

async function load<T>(
  ctx: FlightContext<T>,
  key: string,
  loader: CacheLoader<T>,
  options: FlightOptions,
  lockKey: string,
  token: string,
): Promise<T> {
  const { lockMs, ttlMs } = options;
  // Renewal failures are not fatal: at worst the lock lapses and a second loader starts.
  const renew = setInterval(
    () => {
      extendLockScript.run(ctx.redis, { lockKey, token, lockMs }).catch(() => {});
    },
    Math.max(1, Math.floor(lockMs / 3)),
  );
  renew.unref();
  let value: T;
  try {
    value = await loader(key);
    await ctx.write(key, value, ttlMs);
  } catch (error) {
    clearInterval(renew);
    await release(ctx, key, lockKey, token);
    throw error;
  }
  clearInterval(renew);
  // The value is written and announced: a lock left behind only delays nobody, and expires.
  await unlockScript
    .run(ctx.redis, { lockKey, token, channel: ctx.keys.channel, message: undefined })
    .catch(() => {});
  return value;
}

// Gives up a lock without a value, and tells the waiters, so one of them takes over at once instead
// of waiting for the lock to expire.
async function release<T>(ctx: FlightContext<T>, key: string, lockKey: string, token: string): Promise<void> {
  await unlockScript
    .run(ctx.redis, { lockKey, token, channel: ctx.keys.channel, message: messageHead('r', key) })
    .catch(() => {});
}

// For a look whose answer is no longer awaited: if it took the lock, the lock is released.
function releaseIfTaken<T>(
  ctx: FlightContext<T>,
  key: string,
  lockKey: string,
  token: string,
  step: Promise<LockStep>,
): void {
  step.then(
    (taken) => (taken.kind === 'locked' ? release(ctx, key, lockKey, token) : undefined),
    () => {},
  );
}
