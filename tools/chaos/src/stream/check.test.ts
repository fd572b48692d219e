import { describe, expect, it } from 'vitest';
import type { Entry } from '../run/journal.js';
import { checkStream } from './check.js';
import type { StreamPlan } from './plan.js';

const plan: StreamPlan = {
  seed: 1,
  stream: 's',
  group: 'g',
  maxLen: undefined,
  readers: 1,
  members: [1],
  settings: { minIdleMs: 2000, reclaimIntervalMs: 250, maxDeliveries: 3, timeoutMs: 500 },
  batches: [],
  faults: [],
};

function history(...lines: [number, string, string, Record<string, unknown>?][]): Entry[] {
  return lines.map(([t, proc, ev, fields]) => ({ t, proc, ev, ...fields }));
}

function check(entries: Entry[]): string[] {
  return checkStream(plan, { entries, deadLetters: [], pending: 0, settled: true }).violations.map(
    (v) => v.rule,
  );
}

const base: [number, string, string, Record<string, unknown>?][] = [
  [0, 'checker', 'spawn', { label: 'reader-0.1' }],
  [0, 'checker', 'spawn', { label: 'member-0.1' }],
  [1, 'checker', 'go'],
  [2, 'publisher-0.1', 'published', { n: 1, id: '10-0' }],
  [3, 'publisher-0.1', 'published', { n: 2, id: '11-0' }],
  [4, 'publisher-0.1', 'published', { n: 3, id: '12-0' }],
  [5, 'member-0.1', 'start', { n: 1, id: '10-0', d: 1 }],
  [5, 'member-0.1', 'done', { n: 1, id: '10-0', d: 1 }],
  [6, 'member-0.1', 'start', { n: 2, id: '11-0', d: 1 }],
  [6, 'member-0.1', 'done', { n: 2, id: '11-0', d: 1 }],
  [7, 'member-0.1', 'start', { n: 3, id: '12-0', d: 1 }],
  [7, 'member-0.1', 'done', { n: 3, id: '12-0', d: 1 }],
];

describe('checkStream', () => {
  it('accepts a reader that saw everything in order', () => {
    const seen = history(
      [8, 'reader-0.1', 'seen', { n: 1, id: '10-0' }],
      [8, 'reader-0.1', 'seen', { n: 2, id: '11-0' }],
      [8, 'reader-0.1', 'seen', { n: 3, id: '12-0' }],
      [9, 'reader-0.1', 'closed'],
    );
    expect(check([...history(...base), ...seen])).toEqual([]);
  });

  it('flags a skipped event unless a gap report covers it', () => {
    const skipped = history(
      [8, 'reader-0.1', 'seen', { n: 1, id: '10-0' }],
      [8, 'reader-0.1', 'seen', { n: 3, id: '12-0' }],
      [9, 'reader-0.1', 'closed'],
    );
    expect(check([...history(...base), ...skipped])).toEqual(['skipped']);
    const gap = history([8, 'reader-0.1', 'gap', { after: '10-0', before: '12-0' }]);
    expect(check([...history(...base), ...skipped, ...gap])).toEqual([]);
  });

  it('flags events out of order, and a group event run twice by healthy members', () => {
    const reordered = history(
      [8, 'reader-0.1', 'seen', { n: 2, id: '11-0' }],
      [8, 'reader-0.1', 'seen', { n: 1, id: '10-0' }],
      [8, 'reader-0.1', 'seen', { n: 3, id: '12-0' }],
    );
    expect(check([...history(...base), ...reordered])).toContain('order');
    const twice = history(
      [20, 'member-0.1', 'start', { n: 1, id: '10-0', d: 2 }],
      [21, 'member-0.1', 'done', { n: 1, id: '10-0', d: 2 }],
    );
    expect(check([...history(...base), ...twice])).toContain('unexplained-duplicate');
  });

  it('owes a reader respawned just before a DEL only what was published after it', () => {
    const reader = history(
      [8, 'reader-0.1', 'seen', { n: 1, id: '10-0' }],
      [8, 'reader-0.1', 'seen', { n: 2, id: '11-0' }],
      [8, 'reader-0.1', 'seen', { n: 3, id: '12-0' }],
      [9, 'reader-0.1', 'closed'],
      [10, 'checker', 'spawn', { label: 'reader-0.2' }],
      [11, 'checker', 'fault', { kind: 'delete' }],
      [11, 'member-0.1', 'error', { code: 'IPC_GROUP_MISSING' }],
    );
    // It looked only after the DEL: nothing published before it is owed.
    expect(check([...history(...base), ...reader, ...history([30, 'reader-0.2', 'closed'])])).toEqual([]);
    // What was published after the DEL is.
    const after = history([12, 'publisher-0.1', 'published', { n: 4, id: '13-0' }]);
    const member = history(
      [13, 'member-0.1', 'start', { n: 4, id: '13-0', d: 1 }],
      [13, 'member-0.1', 'done', { n: 4, id: '13-0', d: 1 }],
    );
    const entries = [...history(...base), ...reader, ...after, ...member];
    expect(check([...entries, ...history([30, 'reader-0.2', 'closed'])])).toContain('skipped');
  });
});
