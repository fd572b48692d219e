import type { IpcClient, StructureKeys } from '@redis-ipc/core';

/** The key kind of streams: `ipc:{name}:s` in prefixed mode. */
export const STREAM_KIND = 's';

/**
 * Every key of one stream, built in one place. Both share the stream name's hash tag, so they live
 * in one cluster slot and the scripts may touch them together.
 *
 * - `main`: the stream itself (the name alone in raw mode).
 * - `dead`: the dead-letter stream shared by every consumer group of the stream.
 * - `starts(group)`: a group's start marks, a hash of entry id → times it reached a handler.
 */
export class StreamKeys {
  /** The stream's name, as given. */
  readonly name: string;
  /** The stream. */
  readonly main: string;
  /** The dead-letter stream. */
  readonly dead: string;
  readonly #keys: StructureKeys;

  /** Throws InvalidNameError for a name that cannot be used. */
  constructor(ipc: IpcClient, name: string) {
    const keys = ipc.keys.structure(STREAM_KIND, name);
    this.name = name;
    this.main = keys.main;
    this.dead = keys.sub('dead');
    this.#keys = keys;
  }

  /** The start marks of the consumer group `group`. */
  starts(group: string): string {
    return this.#keys.sub(`starts:${group}`);
  }
}
