import { describe, expect, it } from 'vitest';
import type { ReplyEntry } from '../stream-reply.js';
import { isReset, judgeGap, type StreamState } from './position.js';

const entry = (id: string): ReplyEntry => [id, ['content', '1']];
const state = (over: Partial<StreamState>): StreamState => ({
  maxDeletedId: undefined,
  firstId: undefined,
  lastId: undefined,
  added: undefined,
  length: undefined,
  ...over,
});

describe('judgeGap', () => {
  it('finds nothing missing when the batch follows the reader', () => {
    const judged = judgeGap(
      '5-0',
      1,
      [entry('5-1'), entry('5-2')],
      state({ firstId: '1-0', lastId: '5-2', added: 3, length: 3 }),
      false,
    );
    expect(judged).toEqual({ gap: undefined, unsure: false, offset: 3 });
  });

  it('counts what trimming took from under the reader', () => {
    // Read 1 entry of 10; trimming kept the last 4 (offsets 7..10).
    const judged = judgeGap(
      '1-0',
      1,
      [entry('7-0')],
      state({ firstId: '7-0', lastId: '10-0', added: 10, length: 4 }),
      false,
    );
    expect(judged.gap).toMatchObject({ index: 0, after: '1-0', before: '7-0', count: 5 });
  });

  it('takes a stream made again behind the reader for a reset: a gap of unknown size', () => {
    // The reader had read 1 entry of 6; the stream was deleted and 3 new entries added.
    const after = '1000-0';
    const now = state({ firstId: '2000-0', lastId: '2000-2', added: 3, length: 3 });
    expect(isReset(after, 1, now)).toBe(true);
    const judged = judgeGap(after, 1, [entry('2000-0'), entry('2000-1'), entry('2000-2')], now, false);
    expect(judged.gap).toMatchObject({ index: 0, after, before: '2000-0', count: undefined });
    expect(judged.offset).toBe(3);
  });

  it('takes fewer entries ever added than the reader has read for a reset, even with nothing read', () => {
    const now = state({ firstId: '2000-0', lastId: '2000-0', added: 1, length: 1 });
    expect(isReset('1000-5', 6, now)).toBe(true);
    expect(judgeGap('1000-5', 6, [], now, false)).toEqual({
      gap: undefined,
      unsure: true,
      offset: undefined,
    });
    expect(judgeGap('1000-5', 6, [], now, true).gap).toMatchObject({
      before: undefined,
      count: undefined,
      resumeAt: '2000-0',
    });
  });

  it('does not take trimming or XDEL for a reset', () => {
    expect(isReset('1-0', 1, state({ firstId: '7-0', lastId: '10-0', added: 10, length: 4 }))).toBe(false);
    expect(
      isReset('1-0', 1, state({ firstId: '2-0', lastId: '10-0', added: 10, length: 2, maxDeletedId: '9-0' })),
    ).toBe(false);
    expect(isReset('1-0', undefined, state({ firstId: '7-0', lastId: '10-0', added: 1, length: 1 }))).toBe(
      false,
    );
  });
});
