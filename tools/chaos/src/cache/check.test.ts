import { describe, expect, it } from 'vitest';
import type { Entry } from '../run/journal.js';
import { checkCache } from './check.js';
import type { CachePlan } from './plan.js';

const plan: CachePlan = {
  seed: 1,
  cache: 'c',
  codec: 'json',
  keys: ['k0'],
  loadKeys: ['l0'],
  writers: [],
  waiters: 1,
  waitMs: [500, 3000],
  loaders: 2,
  lockMs: 2000,
  durationMs: 6000,
  faults: [],
};

function history(...lines: [number, string, string, Record<string, unknown>?][]): Entry[] {
  return lines.map(([t, proc, ev, fields]) => ({ t, proc, ev, ...fields }));
}

const rules = (entries: Entry[]) => checkCache(plan, entries).violations.map((v) => v.rule);

const write: [number, string, string, Record<string, unknown>?][] = [
  [1000, 'writer-0.1', 'write', { op: 'set', key: 'k0', n: 1, ttlMs: 30_000 }],
  [1005, 'writer-0.1', 'written', { op: 'set', key: 'k0', n: 1, ttlMs: 30_000 }],
];

describe('checkCache', () => {
  it('accepts a wait woken soon after the write', () => {
    const wait = history(
      [0, 'waiter-0.1', 'wait', { key: 'k0', w: 1, timeoutMs: 5000 }],
      [1010, 'waiter-0.1', 'woke', { key: 'k0', w: 1, n: 1 }],
    );
    expect(rules([...history(...write), ...wait])).toEqual([]);
  });

  it('flags a wait that timed out although the key held a lasting value, and a late one', () => {
    const missed = history(
      [0, 'waiter-0.1', 'wait', { key: 'k0', w: 1, timeoutMs: 5000 }],
      [5000, 'waiter-0.1', 'wait-error', { key: 'k0', w: 1, code: 'IPC_TIMEOUT' }],
    );
    expect(rules([...history(...write), ...missed])).toEqual(['missed-wake']);
    const late = history(
      [0, 'waiter-0.1', 'wait', { key: 'k0', w: 1, timeoutMs: 9000 }],
      [4000, 'waiter-0.1', 'woke', { key: 'k0', w: 1, n: 1 }],
    );
    expect(rules([...history(...write), ...late])).toEqual(['late-wake']);
  });

  it('does not expect a wake-up for a value that expired at once', () => {
    const flash = history(
      [1000, 'writer-0.1', 'write', { op: 'set', key: 'k0', n: 1, ttlMs: 5 }],
      [1002, 'writer-0.1', 'written', { op: 'set', key: 'k0', n: 1, ttlMs: 5 }],
      [0, 'waiter-0.1', 'wait', { key: 'k0', w: 1, timeoutMs: 5000 }],
      [5000, 'waiter-0.1', 'wait-error', { key: 'k0', w: 1, code: 'IPC_TIMEOUT' }],
    );
    expect(rules(flash)).toEqual([]);
  });

  it('flags two loaders of one key at once, unless the first one was stopped', () => {
    const loads = history(
      [0, 'loader-0.1', 'load-start', { key: 'l0', l: 1 }],
      [100, 'loader-1.1', 'load-start', { key: 'l0', l: 2 }],
      [300, 'loader-0.1', 'load-end', { key: 'l0', l: 1 }],
      [400, 'loader-1.1', 'load-end', { key: 'l0', l: 2 }],
    );
    expect(rules(loads)).toEqual(['two-loaders']);
    const stopped = history(
      [50, 'checker', 'fault', { kind: 'stop', label: 'loader-0.1' }],
      [90, 'checker', 'resume', { label: 'loader-0.1' }],
    );
    expect(rules([...loads, ...stopped])).toEqual([]);
  });
});

describe('checkCache, waits end on time', () => {
  it('flags a wait that outlived its timeout while the server stood still', () => {
    const hung = history(
      [0, 'waiter-0.1', 'wait', { key: 'k0', w: 1, timeoutMs: 1000 }],
      [100, 'checker', 'fault', { kind: 'server-stop', durationMs: 4000 }],
      [4100, 'checker', 'server-resumed'],
      [4200, 'waiter-0.1', 'wait-error', { key: 'k0', w: 1, code: 'IPC_TIMEOUT' }],
    );
    expect(rules(hung)).toEqual(['wait-overran']);
    const onTime = history(
      [0, 'waiter-0.1', 'wait', { key: 'k0', w: 1, timeoutMs: 1000 }],
      [100, 'checker', 'fault', { kind: 'server-stop', durationMs: 4000 }],
      [1010, 'waiter-0.1', 'wait-error', { key: 'k0', w: 1, code: 'IPC_TIMEOUT' }],
      [4100, 'checker', 'server-resumed'],
    );
    expect(rules(onTime)).toEqual([]);
  });
});
