import { rejection, startTlsRedisServer, type TlsRedisServer } from '@redis-ipc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type IpcError, isIpcError } from '../src/index.js';

// A server that speaks TLS only, with a certificate signed by a CA made for this run.
describe('TLS', () => {
  let tls: TlsRedisServer;
  let url: string;
  let ca: string;

  beforeAll(async () => {
    tls = await startTlsRedisServer();
    url = tls.url;
    ca = tls.certificates.ca;
  }, 30_000);

  afterAll(async () => {
    await tls?.stop();
  });

  it('works over rediss:// with the CA that signed the certificate', async () => {
    const ipc = await createClient({ url, redis: { socket: { tls: true, ca } } }).connect();
    try {
      expect(await ipc.redis.ping()).toBe('PONG');
    } finally {
      await ipc.close();
    }
  });

  it('reports a certificate it does not trust as a ConnectionError, not an unexpected error', async () => {
    const ipc = createClient({ url, offlineTimeoutMs: 1000 });
    const events: IpcError[] = [];
    ipc.on('error', (error) => events.push(error));
    try {
      const error = await rejection(ipc.connect());
      expect(isIpcError(error, 'IPC_CONNECTION')).toBe(true);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) expect(event.code).toBe('IPC_CONNECTION');
    } finally {
      await ipc.close();
    }
  });
});
