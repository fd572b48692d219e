// Hand-written wake-up: the writer SETs the value and PUBLISHes on one channel (pipelined, one
// round trip); the reader stays subscribed. Variant `value`: the message carries the value, the best
// case. Variant `get`: the message carries only the key and the reader GETs it.
import type { RedisClientType } from 'redis';
import { closeAll, connectRaw } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import type { LatencySummary } from '../harness/stats.js';
import { readInTurn, TTL_MS, type WakeParams, writeSpaced } from './roles.js';

const channel = (name: string) => `${name}:set`;

/** The hand-written write: SET and PUBLISH, pipelined. */
export function publishingWrite(
  redis: RedisClientType,
  name: string,
  withValue: boolean,
): (key: string, task: Task) => Promise<unknown> {
  return (key, task) => {
    const json = JSON.stringify(task);
    return Promise.all([
      redis.set(`${name}:${key}`, json, { expiration: { type: 'PX', value: TTL_MS } }),
      redis.publish(channel(name), withValue ? `${key}\n${json}` : key),
    ]);
  };
}

/**
 * The hand-written wait, on a connection that stays subscribed: resolves with the task once its
 * message has come (at once if it came before the wait started).
 */
export async function publishedWaits(
  redis: RedisClientType,
  subscriber: RedisClientType,
  name: string,
  withValue: boolean,
): Promise<(key: string) => Promise<Task>> {
  // Messages that came before their wait started (bounded by the run's key count).
  const early = new Map<string, string>();
  let waiting: { key: string; resolve: (message: string) => void } | undefined;
  await subscriber.subscribe(channel(name), (message) => {
    const key = withValue ? message.slice(0, message.indexOf('\n')) : message;
    if (waiting?.key === key) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve(message);
    } else {
      early.set(key, message);
    }
  });
  const arrival = (key: string) => {
    const message = early.get(key);
    if (message !== undefined) {
      early.delete(key);
      return Promise.resolve(message);
    }
    return new Promise<string>((resolve) => {
      waiting = { key, resolve };
    });
  };
  return async (key) => {
    const message = await arrival(key);
    if (withValue) return JSON.parse(message.slice(message.indexOf('\n') + 1)) as Task;
    const raw = await redis.get(`${name}:${key}`);
    if (raw === null) throw new Error(`notified of ${key} but GET found nothing`);
    return JSON.parse(raw) as Task;
  };
}

export const writer: Role<WakeParams, { written: number }> = async ({ url, params }) => {
  const redis = await connectRaw(url, 'off');
  const write = publishingWrite(redis, params.name, params.variant === 'value');
  return {
    run: () => writeSpaced(params, write),
    close: () => closeAll([redis]),
  };
};

export const reader: Role<WakeParams, LatencySummary> = async ({ url, params }) => {
  const redis = await connectRaw(url, 'off');
  const subscriber = await connectRaw(url, 'off');
  const wait = await publishedWaits(redis, subscriber, params.name, params.variant === 'value');
  return {
    run: () => readInTurn(params, wait),
    close: () => closeAll([redis, subscriber]),
  };
};
