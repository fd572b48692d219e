import { describe, expect, it } from 'vitest';
import { requireRedisVersion, requireSharedServer } from '../src/redis-requirements.js';
import { startRedisServer } from '../src/redis-server.js';
import { redisUrl } from '../src/targets.js';

describe('what the suites need from Redis', () => {
  it('refuses Redis older than 7.0, naming the version found and what needs 7.0', () => {
    expect(() => requireRedisVersion('6.0.16', 'REDIS_URL')).toThrow(
      /REDIS_URL is Redis 6\.0\.16; the tests need Redis 7\.0 or newer \(.*BLMPOP.*XINFO/,
    );
    expect(() => requireRedisVersion('6.2.14', 'x')).toThrow(/6\.2\.14/);
    for (const version of ['7.0.0', '7.0.15', '7.4.1', '8.0.2', '10.1.0']) requireRedisVersion(version, 'x');
  });

  it('accepts the shared server', async () => {
    await requireSharedServer(redisUrl());
  });

  it('refuses a shared server that sends keyspace notifications, saying how to fix it', async () => {
    const server = await startRedisServer({ args: ['--notify-keyspace-events', 'KEA'] });
    try {
      await expect(requireSharedServer(server.url)).rejects.toThrow(
        /notify-keyspace-events is 'AKE'.*CONFIG SET notify-keyspace-events ""/,
      );
    } finally {
      await server.stop();
    }
  });

  it('says plainly when it cannot connect', async () => {
    await expect(requireSharedServer('redis://127.0.0.1:1')).rejects.toThrow(/cannot connect to REDIS_URL/);
  });
});
