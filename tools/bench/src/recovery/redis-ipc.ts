// redis-ipc's queue with its defaults (at-least-once, 3 s lease): the victim holds tasks in running
// handlers when it is killed; the survivor's reader reclaims them once the victim's lease expired.
import { createClient } from '@redis-ipc/core';
import { createReadQueue, createWriteQueue } from '@redis-ipc/queue';
import { makeTask, type Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import {
  Completions,
  hold,
  holding,
  type RecoveryParams,
  type SurvivorReport,
  type VictimReport,
} from './roles.js';

export const producer: Role<RecoveryParams, number> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const queue = createWriteQueue<Task>(ipc, params.name);
  return {
    run: async () => {
      await queue.pushMany(Array.from({ length: params.n }, (_, i) => makeTask(i)));
      return params.n;
    },
    close: () => ipc.close(),
  };
};

export const victim: Role<RecoveryParams, VictimReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const reader = createReadQueue<Task>(ipc, params.name);
  const held: number[] = [];
  return {
    run: () => {
      reader.process((task) => hold(held, task), { concurrency: params.held });
      return holding(held, params.held);
    },
  };
};

export const survivor: Role<RecoveryParams, SurvivorReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const reader = createReadQueue<Task>(ipc, params.name);
  const completions = new Completions(params.n);
  return {
    run: () => {
      reader.process((task) => completions.record(task), { concurrency: 16 });
      return completions.done;
    },
    close: async () => {
      await reader.close();
      await ipc.close();
    },
  };
};
