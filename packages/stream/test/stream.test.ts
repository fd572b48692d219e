// The stream's conformance suite, on every target this run covers.
import { testTargets } from '@redis-ipc/testing';
import { testStreamGuarantees } from './suite/guarantees.js';

for (const target of testTargets()) {
  testStreamGuarantees(target);
}
