import { readJournals } from '../run/journal.js';
import { Random } from '../run/random.js';
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
    return checkQueue(plan, { ...result, entries: readJournals(ctx.dir) });
  },
};
