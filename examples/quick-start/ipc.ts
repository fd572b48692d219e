// Quick start: every structure over one client with createIpc().
import { createIpc } from '@redis-ipc/ipc';

const ipc = createIpc({ url: process.env.REDIS_URL, prefix: process.env.IPC_PREFIX ?? 'example' });
await ipc.queue<{ n: number }>('jobs').writer().push({ n: 1 });
const task = await ipc.queue<{ n: number }>('jobs').reader().take({ timeoutMs: 1_000 });
await task.ack();
await ipc.cache<string>('names').set('42', 'Ada');
const id = await ipc.stream<string>('log').writer().publish('hello');
console.log(
  `took ${JSON.stringify(task.value)}, cached ${await ipc.cache<string>('names').get('42')}, published ${id ? 'an event' : 'nothing'}`,
);
await ipc.close();
