import type { TestTarget } from '@redis-ipc/testing';
import { testConsumerGroup } from './consumer-group.js';
import { testStreamGuarantees } from './guarantees.js';
import { testReadStream } from './read-stream.js';
import { testWriteStream } from './write-stream.js';

/** The whole stream suite on one target (a server today, a cluster later). */
export function testStream(target: TestTarget): void {
  testWriteStream(target);
  testReadStream(target);
  testConsumerGroup(target);
  testStreamGuarantees(target);
}
