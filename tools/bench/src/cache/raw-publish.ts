// Hand-written wake-up: the writer SETs the value and PUBLISHes on one channel (pipelined, one
// round trip); the reader stays subscribed. Variant `value`: the message carries the value, the best
// case. Variant `get`: the message carries only the key and the reader GETs it.
import { closeAll, connectRaw } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import type { LatencySummary } from '../harness/stats.js';
import { readInTurn, TTL_MS, type WakeParams, writeSpaced } from './roles.js';

const channel = (name: string) => `${name}:set`;

export const writer: Role<WakeParams, { written: number }> = async ({ url, params }) => {
  const redis = await connectRaw(url, 'off');
  const withValue = params.variant === 'value';
  return {
    run: () =>
      writeSpaced(params, (key, task) => {
        const json = JSON.stringify(task);
        return Promise.all([
          redis.set(`${params.name}:${key}`, json, { expiration: { type: 'PX', value: TTL_MS } }),
          redis.publish(channel(params.name), withValue ? `${key}\n${json}` : key),
        ]);
      }),
    close: () => closeAll([redis]),
  };
};

export const reader: Role<WakeParams, LatencySummary> = async ({ url, params }) => {
  const redis = await connectRaw(url, 'off');
  const subscriber = await connectRaw(url, 'off');
  const withValue = params.variant === 'value';
  // Messages that came before their wait started (bounded by the run's key count).
  const early = new Map<string, string>();
  let waiting: { key: string; resolve: (message: string) => void } | undefined;
  await subscriber.subscribe(channel(params.name), (message) => {
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
  return {
    run: () =>
      readInTurn(params, async (key) => {
        const message = await arrival(key);
        if (withValue) return JSON.parse(message.slice(message.indexOf('\n') + 1)) as Task;
        const raw = await redis.get(`${params.name}:${key}`);
        if (raw === null) throw new Error(`notified of ${key} but GET found nothing`);
        return JSON.parse(raw) as Task;
      }),
    close: () => closeAll([redis, subscriber]),
  };
};
