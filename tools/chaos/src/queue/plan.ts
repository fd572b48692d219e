import type { Random } from '@redis-ipc/testing/random';

/** What a task's handler does; the producer writes it into the task's value. */
export type TaskKind =
  /** Awaits a timer (I/O) for `ms`, then returns. */
  | 'io'
  /** An async handler that never does I/O: awaits resolved promises while burning `ms` of CPU. */
  | 'spin'
  /** A synchronous handler that burns `ms` of CPU (at most `leaseMs / 2`). */
  | 'cpu'
  /** Throws on every delivery: must end in the dead-letter list after `maxDeliveries` runs. */
  | 'fail'
  /** Throws on its first delivery only. */
  | 'flaky'
  /** Hangs past the worker's `timeoutMs` on its first delivery (ignoring `task.signal`). */
  | 'hang'
  /** Kills its own process (SIGKILL) on every delivery: a crash loop. */
  | 'crash'
  /** Not a task: an undecodable item written with a plain client. */
  | 'garbage';

/** The value of every task the checker pushes. */
export interface TaskValue {
  /** Unique per push: the history identifies a task by it (ids may repeat). */
  readonly n: number;
  readonly kind: TaskKind;
  readonly ms: number;
}

/** One push: a task (or garbage item) and the id it is pushed with, if any. */
export interface PushPlan extends TaskValue {
  /** A caller-given id; a repeat of an earlier push's id within the dedupe window must add nothing. */
  readonly id?: string;
  /** The push whose id this one repeats. */
  readonly repeats?: number;
}

/** Pushes a producer makes together, `atMs` after it starts. */
export interface PushBatch {
  readonly atMs: number;
  /** One `pushMany` instead of one `push` per task. */
  readonly many: boolean;
  readonly pushes: readonly PushPlan[];
}

/** A fault the checker causes at `atMs` after the producers start. */
export type QueueFault =
  | { readonly atMs: number; readonly kind: 'kill'; readonly consumer: number; readonly respawnMs: number }
  | { readonly atMs: number; readonly kind: 'stop'; readonly consumer: number; readonly durationMs: number }
  | { readonly atMs: number; readonly kind: 'client-kill'; readonly consumer: number }
  | { readonly atMs: number; readonly kind: 'restart'; readonly hard: boolean }
  /** SIGSTOP of redis-server for `durationMs`, then SIGCONT. */
  | { readonly atMs: number; readonly kind: 'server-stop'; readonly durationMs: number };

/** Settings of the consumers' reader (the same for every consumer process). */
export interface ReaderSettings {
  readonly delivery: 'at-least-once' | 'at-most-once';
  readonly leaseMs: number;
  readonly maxDeliveries: number;
  readonly retryDelayMs: number;
  readonly prefetch: number;
  /** The worker's handler time limit. */
  readonly timeoutMs: number;
}

/** Everything one queue run does, drawn from its seed. */
export interface QueuePlan {
  readonly seed: number;
  readonly queue: string;
  readonly reader: ReaderSettings;
  /** Worker concurrency of each consumer process. */
  readonly consumers: readonly number[];
  readonly producers: readonly (readonly PushBatch[])[];
  readonly dedupeWindowMs: number;
  readonly faults: readonly QueueFault[];
}

const KIND_WEIGHTS: Readonly<Record<Exclude<TaskKind, 'crash'>, number>> = {
  io: 40,
  spin: 15,
  cpu: 15,
  flaky: 8,
  fail: 3,
  hang: 3,
  garbage: 3,
};

/** Draws a queue run from `random`. */
export function planQueue(seed: number, random: Random): QueuePlan {
  const delivery = random.chance(0.75) ? 'at-least-once' : 'at-most-once';
  const leaseMs = random.pick([2000, 3000]);
  const reader: ReaderSettings = {
    delivery,
    leaseMs,
    maxDeliveries: random.int(2, 3),
    retryDelayMs: random.pick([0, 50, 200]),
    prefetch: random.pick([1, 10, 100]),
    timeoutMs: random.pick([300, 600]),
  };
  const consumers = Array.from({ length: random.int(2, 4) }, () => random.pick([1, 1, 4, 16]));

  let n = 0;
  let longCpu = 0;
  const crashAt = random.chance(0.25) ? random.int(1, 100) : 0;
  // Ids a producer pushed in earlier batches: a repeat comes after its original, from the same producer.
  const task = (ids: { n: number; id: string }[], fresh: { n: number; id: string }[]): PushPlan => {
    n += 1;
    let kind: TaskKind = random.weighted(KIND_WEIGHTS);
    // A crash loop in one run out of four, on one task: each crash costs a lease period.
    if (n === crashAt) kind = 'crash';
    let ms = 0;
    if (kind === 'io') ms = random.int(1, 30);
    if (kind === 'spin') ms = random.int(1, 10);
    if (kind === 'cpu') {
      // A few long synchronous handlers (up to half the lease), the rest short.
      ms = longCpu < 3 && random.chance(0.03) ? random.int(leaseMs / 4, leaseMs / 2) : random.int(1, 20);
      if (ms > 20) longCpu += 1;
    }
    const plan: { -readonly [K in keyof PushPlan]: PushPlan[K] } = { n, kind, ms };
    if (kind !== 'garbage' && random.chance(0.4)) {
      const earlier = ids.length > 0 && random.chance(0.08) ? random.pick(ids) : undefined;
      if (earlier) {
        plan.id = earlier.id;
        plan.repeats = earlier.n;
      } else {
        plan.id = `t-${seed}-${n}`;
        fresh.push({ n, id: plan.id });
      }
    }
    return plan;
  };

  const producers = Array.from({ length: random.int(1, 2) }, () => {
    const batches: PushBatch[] = [];
    const ids: { n: number; id: string }[] = [];
    let atMs = 0;
    const count = random.int(15, 40);
    for (let b = 0; b < count; b += 1) {
      atMs += random.int(0, 250);
      const many = random.chance(0.4);
      const size = many ? random.int(2, 24) : random.int(1, 8);
      const fresh: { n: number; id: string }[] = [];
      const pushes = Array.from({ length: size }, () => task(ids, fresh));
      // pushMany carries ids for all or none; garbage goes in on its own.
      const allIds = many && random.chance(0.5);
      const batch = pushes
        .filter((p) => !many || p.kind !== 'garbage')
        .map((p) => (many && !allIds ? { ...p, id: undefined, repeats: undefined } : p))
        .map((p) => (allIds && !p.id ? { ...p, id: `t-${seed}-${p.n}` } : p));
      batches.push({ atMs, many, pushes: batch });
      if (!many || allIds) ids.push(...fresh);
    }
    return batches;
  });

  const faults: QueueFault[] = [];
  const faultCount = random.int(0, 4);
  let restarted = false;
  for (let f = 0; f < faultCount; f += 1) {
    const atMs = random.int(300, 5000);
    const consumer = random.int(0, consumers.length - 1);
    const kind = random.weighted({
      kill: 4,
      stop: 3,
      'client-kill': 3,
      restart: restarted ? 0 : 1.5,
      'server-stop': restarted ? 0 : 1,
    });
    if (kind === 'kill') faults.push({ atMs, kind, consumer, respawnMs: random.int(100, 1500) });
    if (kind === 'stop') {
      faults.push({ atMs, kind, consumer, durationMs: Math.round(leaseMs * (1.2 + random.next() * 0.8)) });
    }
    if (kind === 'client-kill') faults.push({ atMs, kind, consumer });
    if (kind === 'restart') faults.push({ atMs, kind, hard: random.chance(0.5) });
    if (kind === 'server-stop') faults.push({ atMs, kind, durationMs: random.int(1000, 4000) });
    if (kind === 'restart' || kind === 'server-stop') restarted = true;
  }
  faults.sort((a, b) => a.atMs - b.atMs);
  return {
    seed,
    queue: `chaos-q-${seed}`,
    reader,
    consumers,
    producers,
    dedupeWindowMs: 300_000,
    faults,
  };
}
