import type { Random } from '@redis-ipc/testing/random';

/** One write a writer makes, `atMs` after it starts. */
export interface CacheWrite {
  readonly atMs: number;
  /** `set` through the library, `foreign` (a plain SET, as another program would), or `delete`. */
  readonly op: 'set' | 'foreign' | 'delete';
  readonly key: string;
  /** Unique per write: the history identifies a value by it. */
  readonly n: number;
  /** Time to live of the value; a few ms makes a value that expires before anyone reads it. */
  readonly ttlMs: number;
}

/** A fault at `atMs` after the writers start; `target` names a slot (`waiter-0`, `loader-1`). */
export type CacheFault =
  | { readonly atMs: number; readonly kind: 'kill'; readonly target: string; readonly respawnMs: number }
  | { readonly atMs: number; readonly kind: 'stop'; readonly target: string; readonly durationMs: number }
  | { readonly atMs: number; readonly kind: 'client-kill'; readonly target: string }
  | { readonly atMs: number; readonly kind: 'restart'; readonly hard: boolean }
  /** SIGSTOP of redis-server for `durationMs`, then SIGCONT. */
  | { readonly atMs: number; readonly kind: 'server-stop'; readonly durationMs: number };

/** Everything one cache run does, drawn from its seed. */
export interface CachePlan {
  readonly seed: number;
  readonly cache: string;
  /** `json` (wake-ups carry the value) or `buffer` (a woken waiter reads the key itself). */
  readonly codec: 'json' | 'buffer';
  /** Keys waiters wait for and writers write. */
  readonly keys: readonly string[];
  /** Keys `getOrSet` loads. */
  readonly loadKeys: readonly string[];
  readonly writers: readonly (readonly CacheWrite[])[];
  /** Number of waiter processes. */
  readonly waiters: number;
  /** `timeoutMs` range of a wait. */
  readonly waitMs: readonly [number, number];
  /** Number of loader processes. */
  readonly loaders: number;
  readonly lockMs: number;
  /** How long loaders and waiters keep going. */
  readonly durationMs: number;
  readonly faults: readonly CacheFault[];
}

/** Draws a cache run from `random`. */
export function planCache(seed: number, random: Random): CachePlan {
  const keys = Array.from({ length: random.int(3, 8) }, (_, i) => `k${i}`);
  const loadKeys = Array.from({ length: random.int(1, 3) }, (_, i) => `l${i}`);
  const durationMs = 6000;
  let n = 0;
  const writers = Array.from({ length: random.int(1, 2) }, () => {
    const writes: CacheWrite[] = [];
    let atMs = 0;
    for (let w = random.int(20, 50); w > 0; w -= 1) {
      atMs += random.int(20, 250);
      if (atMs > durationMs - 500) break;
      n += 1;
      const op = random.weighted({ set: 14, foreign: 2, delete: 3 });
      const ttlMs = random.chance(0.15) ? random.int(1, 20) : random.int(2000, 30_000);
      writes.push({ atMs, op, key: random.pick(keys), n, ttlMs });
    }
    return writes;
  });
  const waiters = random.int(2, 3);
  const loaders = random.int(2, 3);
  const lockMs = random.pick([2000, 3000]);
  const targets = [
    ...Array.from({ length: waiters }, (_, i) => `waiter-${i}`),
    ...Array.from({ length: loaders }, (_, i) => `loader-${i}`),
  ];
  const faults: CacheFault[] = [];
  let restarted = false;
  for (let f = random.int(0, 3); f > 0; f -= 1) {
    const atMs = random.int(300, 4500);
    const target = random.pick(targets);
    const kind = random.weighted({
      kill: 3,
      stop: 3,
      'client-kill': 3,
      restart: restarted ? 0 : 1,
      'server-stop': restarted ? 0 : 1,
    });
    if (kind === 'kill') faults.push({ atMs, kind, target, respawnMs: random.int(100, 1000) });
    else if (kind === 'stop')
      faults.push({ atMs, kind, target, durationMs: Math.round(lockMs * (1.1 + random.next() * 0.5)) });
    else if (kind === 'client-kill') faults.push({ atMs, kind, target });
    else if (kind === 'restart') faults.push({ atMs, kind, hard: random.chance(0.5) });
    else faults.push({ atMs, kind, durationMs: random.int(1000, 4000) });
    if (kind === 'restart' || kind === 'server-stop') restarted = true;
  }
  faults.sort((a, b) => a.atMs - b.atMs);
  return {
    seed,
    cache: `chaos-c-${seed}`,
    codec: random.chance(0.3) ? 'buffer' : 'json',
    keys,
    loadKeys,
    writers,
    waiters,
    waitMs: [500, 3000],
    loaders,
    lockMs,
    durationMs,
    faults,
  };
}
