import { testTargets } from '@redis-ipc/testing';
import { testQueue } from './suite/queue-suite.js';

for (const target of testTargets()) testQueue(target, { delivery: 'at-least-once' });
