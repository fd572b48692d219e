import { testTargets } from '@redis-ipc/testing';
import { testCache } from './suite/test-cache.js';

// The conformance suite on raw mode (the Rust crate's hash per cache); prefixed.conformance.test.ts
// runs the same suite on prefixed mode.
for (const target of testTargets()) testCache(target, { raw: true });
