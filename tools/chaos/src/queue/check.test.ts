import type { DeadLetter } from '@redis-ipc/queue';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../run/journal.js';
import { checkQueue } from './check.js';
import type { QueuePlan, ReaderSettings } from './plan.js';

const reader: ReaderSettings = {
  delivery: 'at-least-once',
  leaseMs: 1000,
  maxDeliveries: 3,
  retryDelayMs: 0,
  prefetch: 10,
  timeoutMs: 300,
};

function plan(overrides: Partial<ReaderSettings> = {}): QueuePlan {
  return {
    seed: 1,
    queue: 'q',
    reader: { ...reader, ...overrides },
    consumers: [1, 1],
    producers: [],
    dedupeWindowMs: 300_000,
    faults: [],
  };
}

/** A tiny journal language: `[t, proc, ev, fields]`. */
function history(...lines: [number, string, string, Record<string, unknown>?][]): Entry[] {
  return lines.map(([t, proc, ev, fields]) => ({ t, proc, ev, ...fields }));
}

const empty = { waiting: 0, delayed: 0, inFlight: 0, dead: 0 };

function check(
  entries: Entry[],
  options: { deadLetters?: DeadLetter[]; settings?: Partial<ReaderSettings> } = {},
) {
  const verdict = checkQueue(plan(options.settings), {
    entries,
    counts: empty,
    deadLetters: options.deadLetters ?? [],
    settled: true,
  });
  return verdict.violations.map((v) => v.rule);
}

const pushed = (t: number, n: number): [number, string, string, Record<string, unknown>] => [
  t,
  'producer-0.1',
  'pushed',
  { n, id: `id-${n}` },
];

describe('checkQueue', () => {
  it('accepts a task run once and acked', () => {
    const rules = check(
      history(
        pushed(1, 1),
        [2, 'c-0.1', 'start', { n: 1, d: 1 }],
        [3, 'c-0.1', 'done', { n: 1, d: 1 }],
        [4, 'c-0.1', 'acked', { n: 1, d: 1 }],
      ),
    );
    expect(rules).toEqual([]);
  });

  it('flags a task that never ran', () => {
    expect(check(history(pushed(1, 1)))).toEqual(['lost']);
  });

  it('flags a second run when the first reader acked and nothing failed', () => {
    const rules = check(
      history(
        pushed(1, 1),
        [2, 'c-0.1', 'start', { n: 1, d: 1 }],
        [3, 'c-0.1', 'done', { n: 1, d: 1 }],
        [4, 'c-0.1', 'acked', { n: 1, d: 1 }],
        [9, 'c-1.1', 'start', { n: 1, d: 2 }],
        [10, 'c-1.1', 'done', { n: 1, d: 2 }],
      ),
    );
    expect(rules).toContain('unexplained-duplicate');
  });

  it('explains a second run by a kill of the first reader before its ack landed', () => {
    const rules = check(
      history(
        pushed(1, 1),
        [2, 'c-0.1', 'start', { n: 1, d: 1 }],
        [3, 'checker', 'fault', { kind: 'kill', label: 'c-0.1' }],
        [9, 'c-1.1', 'start', { n: 1, d: 2 }],
        [10, 'c-1.1', 'done', { n: 1, d: 2 }],
      ),
    );
    expect(rules).toEqual([]);
  });

  it('does not let a kill after the ack explain a second run', () => {
    const rules = check(
      history(
        pushed(1, 1),
        [2, 'c-0.1', 'start', { n: 1, d: 1 }],
        [3, 'c-0.1', 'done', { n: 1, d: 1 }],
        [4, 'c-0.1', 'acked', { n: 1, d: 1 }],
        [5, 'checker', 'fault', { kind: 'kill', label: 'c-0.1' }],
        [9, 'c-1.1', 'start', { n: 1, d: 2 }],
        [10, 'c-1.1', 'done', { n: 1, d: 2 }],
      ),
    );
    expect(rules).toContain('unexplained-duplicate');
  });

  it('counts a retry after a failure, and flags a delivery count that ran ahead', () => {
    const retry = history(
      pushed(1, 1),
      [2, 'c-0.1', 'start', { n: 1, d: 1 }],
      [3, 'c-0.1', 'threw', { n: 1, d: 1 }],
      [4, 'c-1.1', 'start', { n: 1, d: 2 }],
      [5, 'c-1.1', 'done', { n: 1, d: 2 }],
    );
    expect(check(retry)).toEqual([]);
    const ahead = history(
      pushed(1, 1),
      [2, 'c-0.1', 'start', { n: 1, d: 2 }],
      [3, 'c-0.1', 'done', { n: 1, d: 2 }],
    );
    expect(check(ahead)).toEqual(['deliveries']);
  });

  it('flags a dead letter for a task started fewer than maxDeliveries times', () => {
    const letter: DeadLetter = {
      id: 'id-1',
      item: JSON.stringify({ uuid: 'id-1', content: { n: 1, kind: 'fail', ms: 0 } }),
      reason: 'lease expired',
      deliveries: 3,
      failedAt: 0,
      consumer: 'x',
    };
    const rules = check(
      history(pushed(1, 1), [2, 'c-0.1', 'start', { n: 1, d: 1 }], [3, 'c-0.1', 'threw', { n: 1, d: 1 }]),
      {
        deadLetters: [letter],
      },
    );
    expect(rules).toEqual(['dead-letter']);
  });

  it('at-most-once: a task lost with no fault is a violation, with a kill it is counted', () => {
    const settings = { delivery: 'at-most-once' as const };
    expect(check(history(pushed(1, 1)), { settings })).toEqual(['lost']);
    const killed = history(pushed(1, 1), [3, 'checker', 'fault', { kind: 'kill', label: 'c-0.1' }]);
    expect(check(killed, { settings })).toEqual([]);
  });

  it('flags a push that repeated an id within the window and ran', () => {
    const rules = check(
      history(
        pushed(1, 1),
        [2, 'producer-0.1', 'pushed', { n: 2, id: 'id-1', repeats: 1 }],
        [3, 'c-0.1', 'start', { n: 1, d: 1 }],
        [4, 'c-0.1', 'done', { n: 1, d: 1 }],
        [5, 'c-0.1', 'start', { n: 2, d: 1 }],
        [6, 'c-0.1', 'done', { n: 2, d: 1 }],
      ),
    );
    expect(rules).toEqual(['dedupe']);
  });
});

describe('checkQueue, runs in one process', () => {
  it('attaches a late return to the delivery it belongs to, not to a later one', () => {
    const rules = check(
      history(
        pushed(1, 1),
        [2, 'c-0.1', 'start', { n: 1, d: 1 }],
        [5, 'c-0.1', 'aborted', { n: 1, d: 1, reason: 'IPC_TIMEOUT' }],
        [6, 'c-0.1', 'failed', { n: 1, d: 1, outcome: 'requeued' }],
        [7, 'c-0.1', 'start', { n: 1, d: 2 }],
        [8, 'c-0.1', 'done', { n: 1, d: 2 }],
        [9, 'c-0.1', 'acked', { n: 1, d: 2 }],
        [12, 'c-0.1', 'late', { n: 1, d: 1 }],
      ),
    );
    expect(rules).toEqual([]);
  });

  it('explains a re-run by a stop that ended just before the earlier delivery started', () => {
    const rules = check(
      history(
        pushed(1, 1),
        [2, 'checker', 'fault', { kind: 'stop', label: 'c-0.1' }],
        [3000, 'checker', 'resume', { label: 'c-0.1' }],
        [3002, 'c-0.1', 'start', { n: 1, d: 1 }],
        [3003, 'c-0.1', 'done', { n: 1, d: 1 }],
        [3004, 'c-0.1', 'acked', { n: 1, d: 1, result: 'lost' }],
        [3500, 'c-1.1', 'start', { n: 1, d: 2 }],
        [3501, 'c-1.1', 'done', { n: 1, d: 2 }],
      ),
    );
    expect(rules).toEqual([]);
  });
});
