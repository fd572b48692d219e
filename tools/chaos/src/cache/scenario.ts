import { Random } from '@redis-ipc/testing/random';
import { readJournals } from '../run/journal.js';
import { type Scenario, scenarioSeed } from '../run/scenario.js';
import { checkCache } from './check.js';
import { planCache } from './plan.js';
import { runCache } from './run.js';

/** The cache scenario: writers, waiters and `getOrSet` loaders in processes, faults. */
export const cacheScenario: Scenario = {
  name: 'cache',
  async run(ctx) {
    const plan = planCache(ctx.seed, new Random(scenarioSeed('cache', ctx.seed)));
    await runCache(ctx, plan);
    return checkCache(plan, readJournals(ctx.dir));
  },
};
