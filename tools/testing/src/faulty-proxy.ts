import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a Redis server, to cut a connection at a chosen moment: with
 * `dropReplies()` the commands still reach Redis but the replies are swallowed, and `cut()` then
 * destroys the client's socket — the "the write reached Redis, the reply did not" failure.
 */
export interface FaultyProxy {
  /** `redis://127.0.0.1:<port>` of the proxy: give it to the client under test. */
  readonly url: string;
  /** From now on, replies from Redis are swallowed (commands still go through). */
  dropReplies(): void;
  /** Destroys every proxied connection (both sides) and lets replies through again. */
  cut(): void;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a {@link FaultyProxy} in front of the server at `target`: a port on 127.0.0.1, or a Redis URL. */
export async function startProxy(target: number | string): Promise<FaultyProxy> {
  const upstreamAddress =
    typeof target === 'number'
      ? { host: '127.0.0.1', port: target }
      : { host: new URL(target).hostname, port: Number(new URL(target).port || 6379) };
  let dropping = false;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const destroyAll = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  const server = createServer((client) => {
    const upstream = connect(upstreamAddress.port, upstreamAddress.host);
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!dropping) client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    dropReplies() {
      dropping = true;
    },
    cut() {
      destroyAll();
      dropping = false;
    },
    async close() {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
