// The demo's own throwaway Redis, when REDIS_URL names none: redis-server on a free 127.0.0.1 port,
// with no persistence, stopped at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A running throwaway server. */
export interface DemoServer {
  readonly url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** Starts `redis-server` from the PATH; rejects with a clear message when it is not there or does not start. */
export async function startDemoServer(): Promise<DemoServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const server: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('redis-server did not start within 10 s')), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      server.kill('SIGKILL');
      reject(error);
    };
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'ENOENT' ? new Error('redis-server is not on the PATH') : error),
    );
    void exited.then((code) => fail(new Error(`redis-server exited with ${code}: ${output.trim()}`)));
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // The demo's end (or its hard limit) must not leave the server behind.
  process.once('exit', () => server.kill('SIGKILL'));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      server.kill('SIGTERM');
      await exited;
    },
  };
}
