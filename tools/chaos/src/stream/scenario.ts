import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '@redis-ipc/testing/random';
import { readJournals } from '../run/journal.js';
import { type Scenario, scenarioSeed } from '../run/scenario.js';
import { checkStream } from './check.js';
import { planStream } from './plan.js';
import { runStream } from './run.js';

/** The stream scenario: a publisher, fan-out readers and group members in processes, faults. */
export const streamScenario: Scenario = {
  name: 'stream',
  async run(ctx) {
    const plan = planStream(ctx.seed, new Random(scenarioSeed('stream', ctx.seed)));
    const result = await runStream(ctx, plan);
    // What Redis held at the end, beside the journals: enough to study a failed run later.
    writeFileSync(join(ctx.dir, 'result.json'), JSON.stringify({ plan, ...result }));
    return checkStream(plan, { ...result, entries: readJournals(ctx.dir) });
  },
};
