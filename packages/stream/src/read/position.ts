import { compareIds, isSuccessor, previousId } from '../stream-id.js';
import { entryId, type ReplyEntry } from '../stream-reply.js';

// Where a reader stands in a stream and whether events it had not read were deleted: pure
// arithmetic on ids and XINFO STREAM counters, testable without Redis.

/** What the stream has added and deleted so far, as reported by XINFO STREAM. */
export interface StreamState {
  /** `max-deleted-entry-id` (XDEL only; trimming does not move it); undefined when nothing was XDEL'd. */
  readonly maxDeletedId: string | undefined;
  /** Id of the stream's first entry, if any. */
  readonly firstId: string | undefined;
  /** `last-generated-id`; undefined when the stream does not exist. */
  readonly lastId: string | undefined;
  /** `entries-added`: how many entries were ever added. */
  readonly added: number | undefined;
  /** Current number of entries. */
  readonly length: number | undefined;
}

/** Entries deleted before a reader read them. */
export interface GapFinding {
  /** How many of the entries read come before the gap (0: it comes first). */
  readonly index: number;
  /** Last id before the gap: the cursor, or the entry before it in the batch. */
  readonly after: string;
  /** First id still there after the gap, if any. */
  readonly before: string | undefined;
  /** How many entries were lost, when that can be known. */
  readonly count: number | undefined;
  /** A cursor past the gap and before `before`: no surviving entry lies between the old cursor and it. */
  readonly resumeAt: string;
}

/** The outcome of one check. */
export interface Judgement {
  /** The gap, if one was found. */
  readonly gap: GapFinding | undefined;
  /** The look was not atomic and cannot decide: read again atomically. */
  readonly unsure: boolean;
  /**
   * The logical offset (how many entries were ever added up to and including it) of the new read
   * position, when known: the last entry read, or `resumeAt` when nothing was read.
   */
  readonly offset: number | undefined;
}

const NO_GAP_UNKNOWN: Judgement = { gap: undefined, unsure: false, offset: undefined };
const UNSURE: Judgement = { gap: undefined, unsure: true, offset: undefined };

/**
 * Decides whether entries after `after` were deleted before a read that returned `entries` (maybe
 * none). `offset` is the logical offset of `after`, when known. `state` was read after the read
 * (`atomic`: in the same atomic step).
 *
 * Why it works: ids only grow, so any entry between `after` and the last entry read was added before
 * the read; missing from the reply, it was deleted before the read. XDEL leaves its largest id
 * behind (`max-deleted-entry-id`), which places that deletion exactly. Trimming removes the oldest
 * entries: it can only have reached unread ones when the stream's first entry is now past `after`,
 * and then how many were lost is the logical offset of that first entry (`entries-added - length +
 * 1`, exact while no XDEL tombstone lies after it: Redis' own lag arithmetic) minus the reader's.
 */
export function judgeGap(
  after: string,
  offset: number | undefined,
  entries: readonly ReplyEntry[],
  state: StreamState | undefined,
  atomic: boolean,
): Judgement {
  const count = entries.length;
  const first = count > 0 ? entryId(entries[0]!) : undefined;
  const last = count > 0 ? entryId(entries[count - 1]!) : undefined;
  if (!state || state.lastId === undefined) {
    // No stream (deleted, or never written): nothing to compare with.
    return { gap: undefined, unsure: false, offset: first === undefined ? offset : undefined };
  }
  const { maxDeletedId, firstId, lastId, added, length } = state;
  if (isReset(after, offset, state)) return judgeReset(after, entries, state, atomic);
  const deletedAfter = maxDeletedId !== undefined && compareIds(maxDeletedId, after) > 0;
  // XDEL tombstones at or past the first entry make the logical offsets unreliable.
  const fragmented =
    maxDeletedId !== undefined && (firstId === undefined || compareIds(maxDeletedId, firstId) >= 0);

  if (first === undefined || last === undefined) {
    if (compareIds(lastId, after) <= 0) return { gap: undefined, unsure: false, offset };
    // Something was added after `after` and is not in the reply: added since the read, or deleted.
    if (!atomic) return UNSURE;
    const lost = offset !== undefined && added !== undefined ? added - offset : undefined;
    return {
      gap: { index: 0, after, before: undefined, count: lost, resumeAt: lastId },
      unsure: false,
      offset: added,
    };
  }

  const offsetAfterBatch = (): number | undefined => {
    if (lastId === last && added !== undefined) return added;
    if (firstId === first && !fragmented && added !== undefined && length !== undefined) {
      return added - length + count;
    }
    return offset !== undefined && !deletedAfter ? offset + count : undefined;
  };

  // An XDEL'd id at or before the last entry read: it sits between two neighbours (or was deleted
  // after the read, if it is one of the entries).
  if (maxDeletedId !== undefined && deletedAfter && compareIds(maxDeletedId, last) <= 0) {
    let index = 0;
    while (index < count && compareIds(entryId(entries[index]!), maxDeletedId) < 0) index++;
    if (entryId(entries[index]!) !== maxDeletedId) {
      return {
        gap: {
          index,
          after: index === 0 ? after : entryId(entries[index - 1]!),
          before: entryId(entries[index]!),
          count: undefined,
          resumeAt: maxDeletedId,
        },
        unsure: false,
        offset: offsetAfterBatch(),
      };
    }
  }

  if (isSuccessor(after, first)) return { gap: undefined, unsure: false, offset: offsetAfterBatch() };

  // Trimming has gone past `after`.
  if (firstId !== undefined && compareIds(firstId, after) > 0) {
    const order = compareIds(firstId, first);
    if (order > 0) return atomic ? NO_GAP_UNKNOWN : UNSURE; // `first` itself was trimmed since the read
    if (order === 0) {
      const resumeAt = previousId(first);
      if (!fragmented && offset !== undefined && added !== undefined && length !== undefined) {
        const lost = added - length - offset;
        return {
          gap: lost > 0 ? { index: 0, after, before: first, count: lost, resumeAt } : undefined,
          unsure: false,
          offset: offsetAfterBatch(),
        };
      }
      // The reader's offset is unknown (a resumed cursor): assume the worst.
      return {
        gap: { index: 0, after, before: first, count: undefined, resumeAt },
        unsure: false,
        offset: offsetAfterBatch(),
      };
    }
  }
  // (An XDEL'd id beyond the batch would hide one inside it: Redis keeps only the largest.)
  return { gap: undefined, unsure: false, offset: offsetAfterBatch() };
}

/**
 * Whether the stream's counters went backwards past the reader: it was deleted and made again, or
 * Redis restarted without its data. `entries-added - length + 1` is never below the true logical
 * offset of the stream's first entry (trimming and XDEL only raise it), and an entry past the
 * reader's position has a larger offset than the reader's: so a first entry past the reader that
 * seems to sit at or before the reader's offset, or fewer entries ever added than the reader has
 * read, can only mean the count started again.
 */
export function isReset(after: string, offset: number | undefined, state: StreamState): boolean {
  const { firstId, added, length } = state;
  if (offset === undefined || added === undefined) return false;
  if (added < offset) return true;
  return (
    firstId !== undefined &&
    length !== undefined &&
    compareIds(firstId, after) > 0 &&
    added - length + 1 <= offset
  );
}

// After a reset, whatever the reader had not read is gone and how much cannot be known.
function judgeReset(
  after: string,
  entries: readonly ReplyEntry[],
  state: StreamState,
  atomic: boolean,
): Judgement {
  const { firstId, lastId, added, length } = state;
  const count = entries.length;
  if (count === 0) {
    // Entries after the cursor exist but were not in the reply: look again, atomically.
    if (lastId !== undefined && compareIds(lastId, after) > 0 && !atomic) return UNSURE;
    const resumeAt = lastId !== undefined && compareIds(lastId, after) > 0 ? lastId : after;
    return {
      gap: { index: 0, after, before: undefined, count: undefined, resumeAt },
      unsure: false,
      offset: added,
    };
  }
  const first = entryId(entries[0]!);
  const last = entryId(entries[count - 1]!);
  let offset: number | undefined;
  if (lastId === last) offset = added;
  else if (firstId === first && added !== undefined && length !== undefined) offset = added - length + count;
  return {
    gap: { index: 0, after, before: first, count: undefined, resumeAt: previousId(first) },
    unsure: false,
    offset,
  };
}
