import { aclTarget, libraryGrant, tlsTarget, unexpectedDenials } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { testStream } from './suite/index.js';

// The conformance suite on a TLS-only server (a CA made for this run) and as a user with exactly the
// ACL SECURITY.md documents (keys and channels narrowed to the suite's prefixes: `ws-`, `rs-`, `cg-`,
// `sg-`).
const prefixes = ['ws-*', 'rs-*', 'cg-*', 'sg-*'];

describe('over TLS', () => {
  testStream(tlsTarget());
});

describe('as a least-privilege ACL user', () => {
  const target = aclTarget({ grant: libraryGrant({ keys: prefixes, channels: prefixes }) });
  testStream(target);

  it('was refused nothing but the optional CLIENT UNBLOCK', async () => {
    expect(unexpectedDenials(await target.denials())).toEqual([]);
  });
});
