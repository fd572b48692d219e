// The stream's conformance suite, on every target this run covers.
import { testTargets } from '@redis-ipc/testing';
import { testStream } from './suite/index.js';

for (const target of testTargets()) testStream(target);
