export * from '@redis-ipc/cache';
export * from '@redis-ipc/core';
export * from '@redis-ipc/queue';
export * from '@redis-ipc/stream';
export { createIpc, type Ipc, type QueueHandle, type StreamHandle } from './create-ipc.js';
