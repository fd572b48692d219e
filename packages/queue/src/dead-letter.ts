/** A record of the dead-letter list: a task that will not be retried, and why. */
export interface DeadLetter {
  /** The task id. */
  readonly id: string;
  /** The item exactly as it was stored in the queue (requeueing puts it back unchanged). */
  readonly item: string;
  /** Why it was dead-lettered: the handler's last error, the decode error, or a lease expiry. */
  readonly reason: string;
  /** How many times it had been delivered. */
  readonly deliveries: number;
  /** When it was dead-lettered, in ms since the epoch (Redis server time). */
  readonly failedAt: number;
  /** The reader (consumer id) that held it last. */
  readonly consumer: string;
}

/** Parses one stored record; records not written by this package are returned with what they hold. */
export function parseDeadLetter(record: string): DeadLetter {
  let parsed: Record<string, unknown> = {};
  try {
    const value = JSON.parse(record) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      parsed = value as Record<string, unknown>;
    }
  } catch {
    // Not ours: keep the record itself as the item.
  }
  return {
    id: typeof parsed.id === 'string' ? parsed.id : '',
    item: typeof parsed.item === 'string' ? parsed.item : record,
    reason: typeof parsed.reason === 'string' ? parsed.reason : 'unknown',
    deliveries: typeof parsed.deliveries === 'number' ? parsed.deliveries : 0,
    failedAt: typeof parsed.failedAt === 'number' ? parsed.failedAt : 0,
    consumer: typeof parsed.consumer === 'string' ? parsed.consumer : '',
  };
}

/** The text kept as the reason of a failure, bounded so one huge message cannot bloat the list. */
export function describeFailure(error: unknown, fallback: string): string {
  let text: string;
  if (error === undefined) text = fallback;
  else if (error instanceof Error)
    text = error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  else text = String(error);
  return text.length > 4096 ? `${text.slice(0, 4093)}...` : text;
}
