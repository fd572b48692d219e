import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return listenOnce(0);
}

// Redis refuses cluster mode above this port: the cluster bus listens on port + 10000.
const MAX_CLUSTER_PORT = 55_535;
const MIN_CLUSTER_PORT = 20_000;
const CLUSTER_PORT_TRIES = 50;

/**
 * A port for a cluster node: at most 55535, with the bus port (port + 10000) free too. The OS hands
 * out ports above that on many systems (macOS: 49152–65535), so ports are drawn at random from
 * 20000–55535 and both are checked. Another process may still take them before the server binds:
 * callers retry on address-in-use.
 */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < CLUSTER_PORT_TRIES; attempt++) {
    const port = MIN_CLUSTER_PORT + Math.floor(Math.random() * (MAX_CLUSTER_PORT - MIN_CLUSTER_PORT + 1));
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error(`no free port pair (port, port + 10000) found in ${CLUSTER_PORT_TRIES} tries`);
}

async function isFree(port: number): Promise<boolean> {
  try {
    return (await listenOnce(port)) === port;
  } catch {
    return false;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}
