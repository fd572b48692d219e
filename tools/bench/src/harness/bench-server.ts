import { type RedisServer, startRedisServer } from '@redis-ipc/testing';
import { createClient, type RedisClientType } from 'redis';
import { delta, type RedisDelta, type RedisSnapshot, snapshot } from './redis-stats.js';

/**
 * The run's own throwaway redis-server (127.0.0.1, no persistence) and a control connection to it.
 * Only this server is ever flushed.
 */
export class BenchServer {
  readonly url: string;
  readonly #server: RedisServer;
  readonly #control: RedisClientType;

  private constructor(server: RedisServer, control: RedisClientType) {
    this.#server = server;
    this.url = server.url;
    this.#control = control;
  }

  static async start(): Promise<BenchServer> {
    const server = await startRedisServer({ args: ['--save', '', '--appendonly', 'no'] });
    const control = createClient({ url: server.url, commandOptions: { timeout: 0 } }) as RedisClientType;
    control.on('error', () => {});
    await control.connect();
    return new BenchServer(server, control);
  }

  /** Redis version and the machine, for the report header. */
  async describe(): Promise<string> {
    const text = String(await this.#control.sendCommand(['INFO', 'server']));
    return /redis_version:(\S+)/.exec(text)?.[1] ?? 'unknown';
  }

  /** Empties the benchmark server (never any other) and resets its counters between scenarios. */
  async reset(): Promise<void> {
    await this.#control.sendCommand(['FLUSHALL']);
    await this.#control.sendCommand(['SCRIPT', 'FLUSH']);
    await this.#control.sendCommand(['CONFIG', 'RESETSTAT']);
  }

  snapshot(): Promise<RedisSnapshot> {
    return snapshot(this.#control);
  }

  /**
   * Measures what Redis does while `work` runs between its two hook points (see runRoles): returns
   * the hooks and a getter for the delta.
   */
  meter(): { beforeGo: () => Promise<void>; afterResults: () => Promise<void>; result: () => RedisDelta } {
    let before: RedisSnapshot | undefined;
    let measured: RedisDelta | undefined;
    return {
      beforeGo: async () => {
        before = await this.snapshot();
      },
      afterResults: async () => {
        if (before) measured = delta(before, await this.snapshot());
      },
      result: () => {
        if (!measured) throw new Error('Redis counters were not read');
        return measured;
      },
    };
  }

  async stop(): Promise<void> {
    try {
      await this.#control.close();
    } catch {
      this.#control.destroy();
    }
    await this.#server.stop();
  }
}
