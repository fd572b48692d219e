import { inFlight, nowNs, paced } from '../harness/clock.js';
import { makeTask, type Task } from '../harness/payload.js';

/** MAXLEN ~ of every stream: larger than any run, so nothing unread is trimmed. */
export const MAX_LEN = 1_000_000;
/** MAXLEN ~ of the keep-up case: a group that falls this far behind loses events to trimming. */
export const TRIMMED_MAX_LEN = 10_000;
/**
 * Entries per read call in the hand-written readers and in redis-ipc's batch calls: redis-ipc's
 * default `batchSize` (fan-out reader and consumer group alike), so that both read alike.
 */
export const READ_COUNT = 256;
/** Name of the consumer group. */
export const GROUP = 'bench';

/** Parameters of a stream publisher. */
export interface PublishParams {
  readonly name: string;
  readonly n: number;
  readonly inFlight: number;
  /** When set, publish at this steady rate instead (latency runs). */
  readonly perSecond?: number;
  /** MAXLEN ~ of the stream. @default MAX_LEN */
  readonly maxLen?: number;
  readonly variant: string;
  /** Events published to {@link warmUpName} before the measured part (throughput runs). @default 0 */
  readonly warmUp?: number;
  /**
   * `'hand-written'`: whatever the peer, publish with the hand-written `XADD` (timeout off) to the
   * peer's stream key, so every consumer is fed the same way. @default the peer's own producer
   */
  readonly producer?: 'hand-written';
}

/** Parameters of a stream reader (fan-out or consumer group). */
export interface ReadParams {
  readonly name: string;
  readonly n: number;
  readonly warmup: number;
  readonly variant: string;
}

/** What a publisher reports. */
export interface PublishReport {
  readonly startAt: number;
  readonly endAt: number;
}

/** The side stream a publisher warms up on: nobody reads it. */
export function warmUpName(name: string): string {
  return `${name}-warmup`;
}

/**
 * Publishes `params.warmUp` events through `publish` (which must write to {@link warmUpName}), as many
 * in flight as the measured part will have, so JIT compilation is done before the CPU clock starts.
 */
export async function warmUp(
  params: PublishParams,
  publish: (task: Task) => Promise<unknown>,
): Promise<void> {
  if (params.warmUp) await inFlight(params.warmUp, params.inFlight, (i) => publish(makeTask(i)));
}

/** Publishes `n` tasks, `inFlight` at a time or at a steady `perSecond`. */
export async function publishAll(
  params: PublishParams,
  publish: (task: Task) => Promise<unknown>,
): Promise<PublishReport> {
  const startAt = nowNs();
  if (params.perSecond) {
    const pending: Promise<unknown>[] = [];
    await paced(params.n, params.perSecond, (i) => {
      pending.push(publish(makeTask(i)));
    });
    await Promise.all(pending);
  } else {
    await inFlight(params.n, params.inFlight, (i) => publish(makeTask(i)));
  }
  return { startAt, endAt: nowNs() };
}
