import type { RedisClientType } from 'redis';

/** Redis's own counters at one moment: commands executed (by name) and CPU seconds used. */
export interface RedisSnapshot {
  readonly calls: ReadonlyMap<string, number>;
  readonly cpuSeconds: number;
}

/** What Redis did between two snapshots. */
export interface RedisDelta {
  /** Commands executed, by name, including those a Lua script ran. INFO itself is left out. */
  readonly calls: ReadonlyMap<string, number>;
  readonly totalCalls: number;
  /** Server CPU time (user + system), in microseconds. */
  readonly cpuUs: number;
}

/** Reads `INFO commandstats` and `INFO cpu`. */
export async function snapshot(redis: RedisClientType): Promise<RedisSnapshot> {
  const text = String(await redis.sendCommand(['INFO', 'everything']));
  const calls = new Map<string, number>();
  let cpuSeconds = 0;
  for (const line of text.split('\r\n')) {
    const stat = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (stat) {
      calls.set(stat[1]!, Number(stat[2]));
      continue;
    }
    const cpu = /^used_cpu_(sys|user):([\d.]+)$/.exec(line);
    if (cpu) cpuSeconds += Number(cpu[2]);
  }
  return { calls, cpuSeconds };
}

/** The difference between two snapshots. */
export function delta(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const calls = new Map<string, number>();
  let totalCalls = 0;
  for (const [name, count] of after.calls) {
    if (name === 'info') continue;
    const diff = count - (before.calls.get(name) ?? 0);
    if (diff > 0) {
      calls.set(name, diff);
      totalCalls += diff;
    }
  }
  return { calls, totalCalls, cpuUs: (after.cpuSeconds - before.cpuSeconds) * 1e6 };
}

/** Adds up deltas (to show where the calls go over all repetitions). */
export function addCalls(into: Map<string, number>, from: RedisDelta): void {
  for (const [name, count] of from.calls) into.set(name, (into.get(name) ?? 0) + count);
}

/** The busiest commands, as `name ×per-task` text, e.g. `lpush 1.00, evalsha 0.01`. */
export function topCalls(calls: ReadonlyMap<string, number>, tasks: number, limit = 6): string {
  return [...calls.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, count]) => `${name} ${formatPerTask(count / tasks)}`)
    .join(', ');
}

/** One line per case: its busiest commands per unit of work, over every repetition. */
export function callLines(
  cases: ReadonlyArray<{ label: string; calls(): { calls: Map<string, number>; units: number } } | undefined>,
): string {
  const lines: string[] = [];
  for (const c of cases) {
    if (!c) continue;
    const { calls, units } = c.calls();
    if (units > 0) lines.push(`- ${c.label}: ${topCalls(calls, units)}`);
  }
  return lines.join('\n');
}

function formatPerTask(value: number): string {
  return value >= 10 ? value.toFixed(1) : value >= 0.1 ? value.toFixed(2) : value.toFixed(3);
}
