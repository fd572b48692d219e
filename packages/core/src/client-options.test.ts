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
    // A cluster and a URL at once: which one was meant? Neither is connected to.
    const both = thrownBy(() =>
      createClient({ cluster: { rootNodes: [{ url: 'redis://10.0.0.1:7000' }] }, url: 'redis://10.0.0.1:1' }),
    ) as Error;
    expect(isIpcError(both, 'IPC_INVALID_ARGUMENT')).toBe(true);
    expect(both.message).toContain('cluster, url');
    const typo = thrownBy(() =>
      createClient({ url: 'redis://127.0.0.1:1', maxBlockingConection: 3 } as never),
    );
    expect((typo as Error).message).toContain("'maxBlockingConection'");
  });

  it('gives each client a short random id of its own unless one is given', () => {
    const ids = [createClient(), createClient()].map((client) => client.id);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(createClient({ id: 'billing-1' }).id).toBe('billing-1');
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
