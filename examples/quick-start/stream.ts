// Quick start: publish events, read them all from the start, and keep the cursor to resume later.
import { createClient, createReadStream, createWriteStream } from '@redis-ipc/ipc';

const ipc = createClient({ url: process.env.REDIS_URL, prefix: process.env.IPC_PREFIX ?? 'example' });
const orders = createWriteStream<{ id: number; total: number }>(ipc, 'orders', { maxLen: 10_000 });
await orders.publishMany([
  { id: 1, total: 42 },
  { id: 2, total: 7 },
]);

const reader = createReadStream<{ id: number; total: number }>(ipc, 'orders', { from: '0' });
const seen: number[] = [];
for await (const event of reader) {
  seen.push(event.value.id);
  if (seen.length === 2) break;
}
console.log(`read orders ${seen.join(', ')}; resume from ${reader.cursor === '0' ? 'start' : 'cursor'}`);
await reader.close();
await ipc.redis.del(ipc.keys.structure('s', 'orders').main);
await ipc.close();
