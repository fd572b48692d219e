// Quick start: one reader waits for a key that a writer sets a moment later; getOrSet loads once.
import { createCache, createClient } from '@redis-ipc/ipc';

const ipc = createClient({ url: process.env.REDIS_URL, prefix: process.env.IPC_PREFIX ?? 'example' });
const reports = createCache<{ month: string; total: number }>(ipc, 'reports', { ttlMs: 60_000 });

const waiting = reports.waitFor('2026-11', { timeoutMs: 5_000 }); // woken by set(), no polling
setTimeout(() => void reports.set('2026-11', { month: '2026-11', total: 42 }), 50);
console.log(`waited for ${JSON.stringify(await waiting)}`);

let loads = 0;
const load = async () => ({ month: 'rates', total: ++loads });
const [a, b] = await Promise.all([reports.getOrSet('rates', load), reports.getOrSet('rates', load)]);
console.log(`getOrSet ran its loader ${loads} time(s): ${a.total} ${b.total}`);
await reports.clear();
await ipc.close();
