import { aclTarget, libraryGrant, tlsTarget, unexpectedDenials } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { testCache } from './suite/test-cache.js';

// The conformance suite on a TLS-only server (a CA made for this run) and as a user with exactly the
// ACL SECURITY.md documents: prefixed mode's keys and channels under the suite's prefixes (`cache-…`),
// raw mode's under its names (`craw-…`) and their hash-tagged keys and channels (`{craw-…}:…`). TLS
// changes the transport only, so one mode covers it; the two modes touch different keys, so the ACL
// user runs both.
describe('over TLS', () => {
  testCache(tlsTarget(), { raw: false });
});

describe('as a least-privilege ACL user', () => {
  const target = aclTarget({
    grant: libraryGrant({ keys: ['cache-*', 'craw-*', '{craw-*}:*'], channels: ['cache-*', '{craw-*}:*'] }),
  });
  testCache(target, { raw: false });
  testCache(target, { raw: true });

  it('was refused nothing but the optional CONFIG GET and CLIENT UNBLOCK', async () => {
    expect(unexpectedDenials(await target.denials())).toEqual([]);
  });
});
