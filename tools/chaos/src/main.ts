// `pnpm test:chaos`: runs seeded workload-and-fault scenarios against a throwaway redis-server and
// checks every run's complete history. See RELIABILITY.md.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { cacheScenario } from './cache/scenario.js';
import { queueScenario } from './queue/scenario.js';
import { type CliOptions, parseCli, type ScenarioName } from './run/cli-options.js';
import { Journal } from './run/journal.js';
import { killAllChildren } from './run/processes.js';
import type { Scenario } from './run/scenario.js';
import { startChaosServer } from './run/server.js';
import { formatHistory, type Verdict } from './run/verdict.js';
import { streamScenario } from './stream/scenario.js';

const SCENARIOS: Partial<Record<ScenarioName, Scenario>> = {
  queue: queueScenario,
  stream: streamScenario,
  cache: cacheScenario,
};
const MAX_VIOLATIONS_SHOWN = 5;
const MAX_HISTORY_LINES = 60;

function printVerdict(verdict: Verdict, ms: number, dir: string): void {
  const { stats } = verdict;
  const figures = Object.entries(stats)
    .filter(([, value]) => value !== 0)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  const head = `${verdict.scenario} seed ${verdict.seed} (${(ms / 1000).toFixed(1)} s)`;
  if (verdict.violations.length === 0) {
    console.log(`ok    ${head}: ${figures}`);
    return;
  }
  const rules = new Map<string, number>();
  for (const violation of verdict.violations) rules.set(violation.rule, (rules.get(violation.rule) ?? 0) + 1);
  const byRule = [...rules].map(([rule, count]) => `${rule} ${count}`).join(', ');
  console.log(`FAIL  ${head}: ${verdict.violations.length} violation(s) (${byRule}); ${figures}`);
  console.log(`      ${verdict.summary}`);
  for (const violation of verdict.violations.slice(0, MAX_VIOLATIONS_SHOWN)) {
    console.log(`  [${violation.rule}] ${violation.message}`);
    const history = violation.history.slice(0, MAX_HISTORY_LINES);
    const origin = history[0]?.t ?? 0;
    if (history.length > 0) console.log(formatHistory(history, origin));
  }
  const scenario = verdict.scenario.split('/')[0];
  console.log(`  replay: pnpm test:chaos --scenario=${scenario} --seed=${verdict.seed}   journals: ${dir}`);
}

async function main(options: CliOptions): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'redis-ipc-chaos-'));
  const server = await startChaosServer();
  const admin = createClient({ url: server.url });
  admin.on('error', () => {});
  await admin.connect();
  const totals = new Map<string, Record<string, number>>();
  let failed = 0;
  let runs = 0;
  try {
    for (const [name, seeds] of options.seeds) {
      const scenario = SCENARIOS[name];
      if (!scenario) continue;
      for (const seed of seeds) {
        const dir = join(root, `${name}-${seed}`);
        mkdirSync(dir);
        const journal = new Journal(join(dir, 'checker.jsonl'));
        const began = Date.now();
        let verdict: Verdict;
        try {
          verdict = await scenario.run({
            seed,
            server,
            dir,
            journal,
            command: (args) => admin.sendCommand(args),
          });
        } catch (error) {
          verdict = {
            scenario: name,
            seed,
            summary: 'the run itself failed',
            violations: [
              {
                rule: 'run',
                message: error instanceof Error ? (error.stack ?? error.message) : String(error),
                history: [],
              },
            ],
            stats: {},
          };
        } finally {
          journal.close();
        }
        runs += 1;
        printVerdict(verdict, Date.now() - began, dir);
        const total = totals.get(verdict.scenario) ?? { seeds: 0 };
        total.seeds = (total.seeds ?? 0) + 1;
        for (const [stat, value] of Object.entries(verdict.stats)) {
          // `max…` figures are the worst over the seeds; the others add up.
          total[stat] = stat.startsWith('max')
            ? Math.max(total[stat] ?? 0, value)
            : (total[stat] ?? 0) + value;
        }
        totals.set(verdict.scenario, total);
        if (verdict.violations.length > 0) {
          failed += 1;
          if (options.bail) return 1;
        } else if (!options.keep) {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    admin.destroy();
    await server.stop();
    if (failed === 0 && !options.keep) rmSync(root, { recursive: true, force: true });
  }
  console.log('');
  for (const [scenario, total] of totals) {
    const figures = Object.entries(total)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ');
    console.log(`total ${scenario}: ${figures}`);
  }
  console.log(
    failed === 0 ? `chaos: ${runs} run(s), all invariants held` : `chaos: ${failed} of ${runs} run(s) failed`,
  );
  return failed === 0 ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    // The harness kills its redis-server on exit.
    process.exit(130);
  });
}

let options: CliOptions;
try {
  options = parseCli(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
main(options).then(
  (code) => {
    killAllChildren();
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error);
    killAllChildren();
    process.exit(1);
  },
);
