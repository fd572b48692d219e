import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, type RedisServer, rejection, startRedisServer } from '@redis-ipc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type IpcError, isIpcError } from '../src/index.js';

const run = promisify(execFile);

// A server that speaks TLS only, with a certificate signed by a CA made for this run.
describe('TLS', () => {
  let dir: string;
  let server: RedisServer;
  let url: string;
  let ca: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redis-ipc-tls-'));
    const file = (name: string) => join(dir, name);
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca'].concat([
        '-keyout',
        file('ca.key'),
        '-out',
        file('ca.crt'),
      ]),
    );
    await run(
      'openssl',
      ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        file('server.key'),
        '-out',
        file('server.csr'),
      ]),
    );
    await run('sh', [
      '-c',
      `printf 'subjectAltName=IP:127.0.0.1' > '${file('ext.cnf')}' && openssl x509 -req -in '${file('server.csr')}' -CA '${file('ca.crt')}' -CAkey '${file('ca.key')}' -CAcreateserial -days 1 -extfile '${file('ext.cnf')}' -out '${file('server.crt')}'`,
    ]);
    ca = await readFile(file('ca.crt'), 'utf8');
    const tlsPort = await freePort();
    server = await startRedisServer({
      args: ['--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', file('server.crt')]
        .concat(['--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.crt')])
        .concat(['--tls-auth-clients', 'no']),
    });
    url = `rediss://127.0.0.1:${tlsPort}`;
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
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
