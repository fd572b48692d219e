import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '@redis-ipc/testing/random';
import { readJournals } from '../run/journal.js';
import { type Scenario, scenarioSeed } from '../run/scenario.js';
import { checkQueue } from './check.js';
import { planQueue } from './plan.js';
import { runQueue } from './run.js';

/** The queue scenario: producers, consumer processes, handlers of every kind, faults. */
export const queueScenario: Scenario = {
  name: 'queue',
  async run(ctx) {
    const plan = planQueue(ctx.seed, new Random(scenarioSeed('queue', ctx.seed)));
    const result = await runQueue(ctx, plan);
    // What Redis held at the end, beside the journals: enough to study a failed run later.
    writeFileSync(join(ctx.dir, 'result.json'), JSON.stringify({ plan, ...result }));
    return checkQueue(plan, { ...result, entries: readJournals(ctx.dir) });
  },
};
