import { describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { isIpcError } from './errors.js';

function thrownBy(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

describe('createClient options', () => {
  it('refuses an option it does not know, naming it, before connecting anywhere', () => {
    // A cluster is not supported: connecting to the default localhost:6379 instead would write there.
    const cluster = thrownBy(() =>
      createClient({ cluster: { rootNodes: [{ url: 'redis://10.0.0.1:7000' }] } } as never),
    ) as Error;
    expect(isIpcError(cluster, 'IPC_INVALID_ARGUMENT')).toBe(true);
    expect(cluster.message).toContain("'cluster'");
    const typo = thrownBy(() =>
      createClient({ url: 'redis://127.0.0.1:1', maxBlockingConection: 3 } as never),
    );
    expect((typo as Error).message).toContain("'maxBlockingConection'");
  });

  it('checks the values of the options it knows', () => {
    for (const options of [
      { maxBlockingConnections: 0 },
      { blockingSliceMs: 1 },
      { offlineTimeoutMs: -1 },
      { reconnectMaxDelayMs: Number.NaN },
      { url: 42 },
      { id: '' },
    ]) {
      expect(
        isIpcError(
          thrownBy(() => createClient(options as never)),
          'IPC_INVALID_ARGUMENT',
        ),
      ).toBe(true);
    }
    expect(
      isIpcError(
        thrownBy(() => createClient(42 as never)),
        'IPC_INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });
});
