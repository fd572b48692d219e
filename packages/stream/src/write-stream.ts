import { type IpcClient, PayloadCodec, type PayloadOptions, toIpcError } from '@redis-ipc/core';
import {
  durationOption,
  integerOption,
  PAYLOAD_OPTION_NAMES,
  rejectUnknownOptions,
  throwAsIpcError,
} from '@redis-ipc/core/internal';
import { StreamKeys } from './stream-keys.js';
import { CONTENT_FIELD } from './stream-reply.js';

/** Options of {@link createWriteStream}. */
export interface WriteStreamOptions<T> extends PayloadOptions<T> {
  /**
   * Keep at most about this many events: every publish trims the oldest beyond it (`MAXLEN ~`, or
   * `MAXLEN =` with {@link WriteStreamOptions.exactTrim}). Approximate trimming removes whole internal
   * nodes only, so the stream may hold up to ~100 more events than this; it is much cheaper.
   * @default undefined (no length limit)
   */
  maxLen?: number;
  /**
   * Drop events older than this many ms: every publish trims by id (`MINID ~ <now - maxAgeMs>`). Age
   * is measured with this process's clock against the ids Redis generated with its own.
   * @default undefined (no age limit)
   */
  maxAgeMs?: number;
  /**
   * Trim exactly (`=`) instead of approximately (`~`). Exact trimming costs more on every publish.
   * @default false
   */
  exactTrim?: boolean;
}

/**
 * Publishes events to a stream. Each event is one entry with a single field, `content`, holding the
 * encoded value (the Rust crate `redis_ipc`'s layout). Make it with {@link createWriteStream}.
 */
export class WriteStream<T> {
  /** The stream's name, as given. */
  readonly name: string;
  /** The stream's Redis key. */
  readonly key: string;
  readonly #ipc: IpcClient;
  readonly #payload: PayloadCodec<T>;
  readonly #lengthArgs: readonly string[];
  readonly #maxAgeMs: number | undefined;
  readonly #mode: string;
  /**
   * Everything of a publish's XADD but the value, when it does not depend on the time (no
   * `maxAgeMs`): built once, so a publish copies it rather than assembling it.
   */
  readonly #fixedHead: ReadonlyArray<string> | undefined;

  /** Use {@link createWriteStream}. */
  constructor(ipc: IpcClient, name: string, options: WriteStreamOptions<T> = {}) {
    rejectUnknownOptions(
      options,
      [...PAYLOAD_OPTION_NAMES, 'maxLen', 'maxAgeMs', 'exactTrim'],
      'createWriteStream',
    );
    this.name = name;
    this.key = new StreamKeys(ipc, name).main;
    this.#ipc = ipc;
    this.#payload = new PayloadCodec(options);
    const { maxLen, maxAgeMs, exactTrim = false } = options;
    if (maxLen !== undefined) integerOption(maxLen, 'maxLen', 0);
    if (maxAgeMs !== undefined) durationOption(maxAgeMs, 'maxAgeMs', 0);
    this.#mode = exactTrim ? '=' : '~';
    this.#lengthArgs = maxLen === undefined ? [] : ['MAXLEN', this.#mode, String(maxLen)];
    this.#maxAgeMs = maxAgeMs;
    this.#fixedHead =
      maxAgeMs === undefined ? ['XADD', this.key, ...this.#lengthArgs, '*', CONTENT_FIELD] : undefined;
  }

  /**
   * Publishes one event and resolves with its id. One XADD, trimming included (two commands in one
   * round trip when both `maxLen` and `maxAgeMs` are set). Rejects with InvalidArgumentError or
   * PayloadTooLargeError before anything is sent, CommandError when Redis refuses (say, the key holds
   * another type), ConnectionError when the connection broke: the event may or may not have been added.
   */
  publish(value: T): Promise<string> {
    try {
      const content = this.#payload.encode(value);
      const head = this.#fixedHead;
      // The usual case, kept to one command array and one promise per event.
      if (head !== undefined)
        return this.#ipc.redis.sendCommand([...head, content]).then(String, throwAsIpcError);
      return this.#publishTrimmedByAge(content);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Publishes several events in one round trip (pipelined, not a transaction) and resolves with their
   * ids in order. Every value is encoded first, so a value that cannot be encoded fails the call
   * before anything is sent. If the connection breaks midway, a prefix of the events may have been
   * added.
   */
  async publishMany(values: Iterable<T>): Promise<string[]> {
    const contents: Array<string | Buffer> = [];
    for (const value of values) contents.push(this.#payload.encode(value));
    if (contents.length === 0) return [];
    const minId = this.#minIdArgs();
    const redis = this.#ipc.redis;
    try {
      const pending: Array<Promise<unknown>> = contents.map((content) =>
        redis.sendCommand(this.#xadd(content, minId)),
      );
      if (minId.length > 0 && this.#lengthArgs.length > 0) {
        pending.push(redis.sendCommand(['XTRIM', this.key, ...minId]));
      }
      const replies = await Promise.all(pending);
      return contents.map((_, index) => String(replies[index]));
    } catch (error) {
      throw toIpcError(error);
    }
  }

  async #publishTrimmedByAge(content: string | Buffer): Promise<string> {
    const minId = this.#minIdArgs();
    try {
      const added = this.#ipc.redis.sendCommand(this.#xadd(content, minId));
      if (this.#lengthArgs.length > 0) {
        const [id] = await Promise.all([added, this.#ipc.redis.sendCommand(['XTRIM', this.key, ...minId])]);
        return String(id);
      }
      return String(await added);
    } catch (error) {
      throw toIpcError(error);
    }
  }

  // XADD takes one trimming strategy: MAXLEN when set, else MINID; both at once add an XTRIM MINID.
  #xadd(content: string | Buffer, minId: readonly string[]): Array<string | Buffer> {
    if (this.#fixedHead !== undefined) return [...this.#fixedHead, content];
    const trim = this.#lengthArgs.length > 0 ? this.#lengthArgs : minId;
    return ['XADD', this.key, ...trim, '*', CONTENT_FIELD, content];
  }

  #minIdArgs(): string[] {
    if (this.#maxAgeMs === undefined) return [];
    const oldest = Math.max(0, Math.floor(Date.now() - this.#maxAgeMs));
    return ['MINID', this.#mode, `${oldest}-0`];
  }
}

/**
 * Makes a {@link WriteStream} on the stream `name` (key `ipc:{name}:s`, or `name` itself in raw mode).
 * Throws InvalidNameError / InvalidArgumentError for bad names or options.
 *
 * @example
 * const events = createWriteStream<Order>(ipc, 'orders', { maxLen: 100_000 });
 * const id = await events.publish({ id: 1, total: 9.5 });
 */
export function createWriteStream<T>(
  ipc: IpcClient,
  name: string,
  options?: WriteStreamOptions<T>,
): WriteStream<T> {
  return new WriteStream<T>(ipc, name, options);
}
