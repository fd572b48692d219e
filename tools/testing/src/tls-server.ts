import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port.js';
import { removeOnExit } from './process-reaper.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import type { Endpoint, StandaloneTarget } from './targets.js';

const run = promisify(execFile);

/** A certificate authority made for one run, and a server certificate it signed for 127.0.0.1. */
export interface TestCertificates {
  /** The folder holding the files (removed by {@link TestCertificates.remove}). */
  readonly dir: string;
  /** PEM text of the CA certificate: what a client trusts (`socket: { tls: true, ca }`). */
  readonly ca: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Deletes the files. */
  remove(): Promise<void>;
}

/**
 * Makes a CA and a server certificate for `IP:127.0.0.1` with `openssl` (2048-bit RSA, valid one
 * day), in a new temporary folder. Nothing is kept between runs, so no key material lives in the repo.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-ipc-tls-'));
  removeOnExit(dir);
  const file = (name: string) => join(dir, name);
  const caFile = file('ca.crt');
  const certFile = file('server.crt');
  const keyFile = file('server.key');
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=redis-ipc test CA'],
    ...['-keyout', file('ca.key'), '-out', caFile],
  ]);
  await run('openssl', [
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'],
    ...['-keyout', keyFile, '-out', file('server.csr')],
  ]);
  await writeFile(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', [
    ...['x509', '-req', '-in', file('server.csr'), '-CA', caFile, '-CAkey', file('ca.key')],
    ...['-CAcreateserial', '-days', '1', '-extfile', file('ext.cnf'), '-out', certFile],
  ]);
  return {
    dir,
    ca: await readFile(caFile, 'utf8'),
    caFile,
    certFile,
    keyFile,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A `redis-server` that speaks TLS only (its plain TCP port is off). */
export interface TlsRedisServer {
  /** The server process (its `url` is not served: TCP is off). */
  readonly server: RedisServer;
  /** `rediss://127.0.0.1:<tls port>` */
  readonly url: string;
  /** The run's certificates; `certificates.ca` is what clients must trust. */
  readonly certificates: TestCertificates;
  /** How a client that trusts the run's CA connects: the URL and `socket: { tls: true, ca }`. */
  readonly endpoint: Endpoint;
  /** Stops the server and deletes the certificates. */
  stop(): Promise<void>;
}

/** Options of {@link startTlsRedisServer}. */
export interface TlsRedisServerOptions {
  /** Extra `redis-server` arguments. */
  args?: string[];
}

/**
 * Starts a `redis-server` with `--port 0 --tls-port P` and certificates made at run time by
 * {@link makeTestCertificates}. Clients are not asked for certificates of their own
 * (`--tls-auth-clients no`): the server is authenticated, the client by Redis AUTH if at all.
 */
export async function startTlsRedisServer(options: TlsRedisServerOptions = {}): Promise<TlsRedisServer> {
  const certificates = await makeTestCertificates();
  const tlsPort = await freePort();
  let server: RedisServer;
  try {
    server = await startRedisServer({
      args: [
        // Later arguments win: TCP off, TLS on.
        ...['--port', '0', '--tls-port', String(tlsPort)],
        ...['--tls-cert-file', certificates.certFile, '--tls-key-file', certificates.keyFile],
        ...['--tls-ca-cert-file', certificates.caFile, '--tls-auth-clients', 'no'],
        ...(options.args ?? []),
      ],
    });
  } catch (error) {
    await certificates.remove();
    throw error;
  }
  const url = `rediss://127.0.0.1:${tlsPort}`;
  return {
    server,
    url,
    certificates,
    endpoint: { url, redis: { socket: { tls: true, ca: certificates.ca } } },
    stop: async () => {
      await server.stop();
      await certificates.remove();
    },
  };
}

/**
 * A target on a TLS-only server that this file's `beforeAll` starts and `afterAll` stops: library
 * clients and the tests' own clients alike connect over `rediss://` trusting the run's CA. Call it at
 * the top of a test file (or `describe`) and hand the result to a conformance suite; its fields can be
 * read from the `beforeAll` on.
 */
export function tlsTarget(): StandaloneTarget {
  let tls: TlsRedisServer | undefined;
  beforeAll(async () => {
    tls = await startTlsRedisServer();
  }, 30_000);
  afterAll(async () => {
    await tls?.stop();
  });
  const started = (): TlsRedisServer => {
    if (!tls) throw new Error('tlsTarget: the server starts in beforeAll; read the target inside a test');
    return tls;
  };
  return {
    name: 'standalone',
    label: 'TLS',
    get url() {
      return started().url;
    },
    get redis() {
      return started().endpoint.redis;
    },
  };
}
