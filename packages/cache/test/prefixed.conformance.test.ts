import { testTargets } from '@redis-ipc/testing';
import { testCache } from './suite/test-cache.js';

// The conformance suite on prefixed mode (one string key per entry); raw.conformance.test.ts runs
// the same suite on raw mode.
for (const target of testTargets()) testCache(target, { raw: false });
