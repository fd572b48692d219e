import type { ChildProcess } from 'node:child_process';

/**
 * Resolves once `proc` prints `ready` (a Redis server or sentinel saying it accepts connections);
 * rejects, with everything it printed, if it exits or fails to start first, or after `timeoutMs` (and
 * then kills it).
 */
export function untilStarted(
  proc: ChildProcess,
  what: string,
  ready: RegExp,
  timeoutMs = 10_000,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${what} did not start in time:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        proc.stdout?.resume();
        proc.stderr?.resume();
        resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.once('error', (error) => {
      clearTimeout(timer);
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('redis-server is not on the PATH: apt-get install redis-server, or set REDIS_URL')
          : error,
      );
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${output}`));
    });
  });
}
