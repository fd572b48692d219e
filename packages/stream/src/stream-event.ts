/** One event read from a stream. */
export interface StreamEvent<T> {
  /** The entry id Redis gave the event (`<ms>-<seq>`); ids grow with every event. */
  readonly id: string;
  /** The decoded value. */
  readonly value: T;
  /** When Redis added the event, in Unix ms (the first part of the id). */
  readonly timestamp: number;
}

/** One event delivered to a consumer of a consumer group. */
export interface GroupEvent<T> extends StreamEvent<T> {
  /**
   * How many times this event has reached a handler, a loop body or a `read()` caller of the group,
   * this delivery included (1 the first time). Deliveries to a consumer that died before handing the
   * event out are not counted, nor a first delivery cut short by the death of its process.
   */
  readonly deliveries: number;
  /**
   * Aborts (with a TimeoutError) when this consumer gives the event up before it was acknowledged:
   * its hold limit (`timeoutMs` of `process` / `events`, `ackTimeoutMs` of the group for `read()`)
   * passed. Another consumer may then be handed the event.
   */
  readonly signal: AbortSignal;
}

/**
 * Events that were deleted (trimmed by `maxLen` / `maxAgeMs`, or removed with XDEL) before this
 * reader or group read them. Every id strictly between `after` and `before` that was ever in the
 * stream is gone.
 */
export interface StreamGap {
  /** The stream (its name as given). */
  readonly stream: string;
  /** The last id read before the gap (`0-0` when nothing had been read). */
  readonly after: string;
  /** The first id still there after the gap; `undefined` when no event follows it yet. */
  readonly before: string | undefined;
  /** How many events were lost, when that can be known (not after XDEL, nor for a resumed cursor). */
  readonly count: number | undefined;
}
