import type { Random } from '@redis-ipc/testing/random';

/**
 * What a group handler does with an event; the publisher writes it into the event's value. `crash`
 * kills the member's own process (SIGKILL) on every delivery: a crash loop.
 */
export type EventKind = 'io' | 'cpu' | 'flaky' | 'fail' | 'hang' | 'garbage' | 'crash';

/** The value of every event the checker publishes. */
export interface EventValue {
  /** Unique per event: the history identifies an event by it. */
  readonly n: number;
  readonly kind: EventKind;
  readonly ms: number;
}

/** Events a publisher sends together, `atMs` after it starts. */
export interface PublishBatch {
  readonly atMs: number;
  /** One `publishMany` instead of one `publish` per event. */
  readonly many: boolean;
  readonly events: readonly EventValue[];
}

/** A fault at `atMs` after the publisher starts; `target` names a slot (`reader-0`, `member-1`). */
export type StreamFault =
  | { readonly atMs: number; readonly kind: 'kill'; readonly target: string; readonly respawnMs: number }
  | { readonly atMs: number; readonly kind: 'stop'; readonly target: string; readonly durationMs: number }
  | { readonly atMs: number; readonly kind: 'client-kill'; readonly target: string }
  | { readonly atMs: number; readonly kind: 'restart'; readonly hard: boolean }
  /** SIGSTOP of redis-server for `durationMs`, then SIGCONT. */
  | { readonly atMs: number; readonly kind: 'server-stop'; readonly durationMs: number }
  /** `DEL` of the stream: readers must report what they had not read as a gap; the group is gone. */
  | { readonly atMs: number; readonly kind: 'delete' }
  /** `XGROUP DESTROY`: every member must say the group is missing, never re-create it silently. */
  | { readonly atMs: number; readonly kind: 'destroy-group' };

/** Settings of the group members. */
export interface GroupSettings {
  readonly minIdleMs: number;
  readonly reclaimIntervalMs: number;
  readonly maxDeliveries: number;
  /** The handler time limit of `process`. */
  readonly timeoutMs: number;
}

/** Everything one stream run does, drawn from its seed. */
export interface StreamPlan {
  readonly seed: number;
  readonly stream: string;
  readonly group: string;
  /** `maxLen` of the writer: trimming makes gaps that readers must report. */
  readonly maxLen: number | undefined;
  /** Number of fan-out reader processes. */
  readonly readers: number;
  /** Concurrency of each group member process. */
  readonly members: readonly number[];
  readonly settings: GroupSettings;
  readonly batches: readonly PublishBatch[];
  readonly faults: readonly StreamFault[];
}

/** Draws a stream run from `random`. */
export function planStream(seed: number, random: Random): StreamPlan {
  const readers = random.int(1, 2);
  const members = Array.from({ length: random.int(2, 3) }, () => random.pick([1, 4, 8]));
  const settings: GroupSettings = {
    minIdleMs: random.pick([2000, 3000]),
    reclaimIntervalMs: random.pick([250, 500]),
    maxDeliveries: random.int(2, 3),
    timeoutMs: random.pick([500, 1000]),
  };
  let n = 0;
  const event = (): EventValue => {
    n += 1;
    const kind = random.weighted<Exclude<EventKind, 'crash'>>({
      io: 55,
      cpu: 20,
      flaky: 10,
      fail: 4,
      hang: 4,
      garbage: 4,
    });
    const ms = kind === 'io' ? random.int(1, 20) : kind === 'cpu' ? random.int(1, 15) : 0;
    return { n, kind, ms };
  };
  const batches: PublishBatch[] = [];
  let atMs = 0;
  for (let b = random.int(15, 35); b > 0; b -= 1) {
    atMs += random.int(0, 200);
    const many = random.chance(0.4);
    const events = Array.from({ length: many ? random.int(2, 20) : random.int(1, 5) }, event);
    // Garbage is written on its own, with a plain XADD.
    batches.push({ atMs, many, events: many ? events.filter((e) => e.kind !== 'garbage') : events });
  }

  const targets = [
    ...Array.from({ length: readers }, (_, i) => `reader-${i}`),
    ...members.map((_, i) => `member-${i}`),
  ];
  const faults: StreamFault[] = [];
  let serverFault = false;
  for (let f = random.int(0, 4); f > 0; f -= 1) {
    const at = random.int(300, 4500);
    const target = random.pick(targets);
    const kind = random.weighted({
      kill: 4,
      stop: 3,
      'client-kill': 3,
      restart: serverFault ? 0 : 1,
      'server-stop': serverFault ? 0 : 0.75,
      delete: serverFault ? 0 : 0.5,
      'destroy-group': serverFault ? 0 : 0.5,
    });
    if (kind === 'kill') faults.push({ atMs: at, kind, target, respawnMs: random.int(100, 1200) });
    else if (kind === 'stop') {
      const durationMs = Math.round(settings.minIdleMs * (1.2 + random.next() * 0.8));
      faults.push({ atMs: at, kind, target, durationMs });
    } else if (kind === 'client-kill') faults.push({ atMs: at, kind, target });
    else if (kind === 'restart') faults.push({ atMs: at, kind, hard: random.chance(0.5) });
    else if (kind === 'server-stop') faults.push({ atMs: at, kind, durationMs: random.int(1000, 4000) });
    else faults.push({ atMs: at, kind });
    if (kind === 'restart' || kind === 'server-stop' || kind === 'delete' || kind === 'destroy-group') {
      serverFault = true;
    }
  }
  faults.sort((a, b) => a.atMs - b.atMs);
  // A crash loop in one run out of four, on one event: each crash costs a reclaim period. Drawn last,
  // so the rest of a seed's plan is what it was before crash loops were drawn.
  const crashN = random.chance(0.25) ? random.int(1, n) : 0;
  const crashing = (e: EventValue): EventValue =>
    e.n === crashN && e.kind !== 'garbage' ? { n: e.n, kind: 'crash', ms: 0 } : e;
  return {
    seed,
    stream: `chaos-s-${seed}`,
    group: 'workers',
    maxLen: random.chance(0.3) ? random.int(40, 150) : undefined,
    readers,
    members,
    settings,
    batches: batches.map((batch) => ({ ...batch, events: batch.events.map(crashing) })),
    faults,
  };
}
