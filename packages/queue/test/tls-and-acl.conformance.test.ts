import { aclTarget, libraryGrant, tlsTarget, unexpectedDenials } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { testQueue } from './suite/queue-suite.js';

// The conformance suite on a TLS-only server (a CA made for this run) and as a user with exactly the
// ACL SECURITY.md documents (keys and channels narrowed to the suite's prefixes, `q-…`). TLS changes
// the transport only, so one delivery mode covers it; the two modes run different commands, so the
// ACL user runs both.
describe('over TLS', () => {
  testQueue(tlsTarget(), { delivery: 'at-least-once' });
});

describe('as a least-privilege ACL user', () => {
  const target = aclTarget({ grant: libraryGrant({ keys: ['q-*'], channels: ['q-*'] }) });
  testQueue(target, { delivery: 'at-least-once' });
  testQueue(target, { delivery: 'at-most-once' });

  it('was refused nothing but the optional CLIENT UNBLOCK', async () => {
    expect(unexpectedDenials(await target.denials())).toEqual([]);
  });
});
