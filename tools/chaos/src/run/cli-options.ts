/** The scenarios the checker knows. */
export const SCENARIOS = ['queue', 'stream', 'cache'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** What the command line asks for. */
export interface CliOptions {
  /** Which seeds to run, per scenario. */
  readonly seeds: ReadonlyMap<ScenarioName, readonly number[]>;
  /** Keep every run's journals, not only those of failed runs. */
  readonly keep: boolean;
  /** Stop at the first failing run. */
  readonly bail: boolean;
}

/** The fixed seeds `pnpm test:chaos` runs with no arguments (the CI set, a few minutes in all). */
export const CI_SEEDS: Readonly<Record<ScenarioName, readonly number[]>> = {
  // A server stop; a restart with prefetch 1; at-most-once with a restart; a server stop with a stopped
  // and a cut-off consumer; a crash loop among quick handlers.
  queue: [1, 8, 11, 17, 14],
  // XGROUP DESTROY; trimming with kills; kills and a stop of group members; trimming of pending events
  // (maxLen 95); a server stop while a handler runs past its time limit; a crash loop with a cut-off
  // member; a server stop while refreshes are in flight and events are failed and reclaimed.
  stream: [6, 9, 13, 5, 17, 30, 35],
  // Buffer codec with kills; a restart; a restart with a stopped waiter; waits under a server stop.
  cache: [4, 9, 14, 12],
};

const USAGE = `usage: pnpm test:chaos [--scenario=queue|stream|cache] [--seed=N | --seeds=COUNT [--from=N]] [--keep] [--bail]

  (no arguments)   the fixed CI seeds of every scenario
  --seed=N         replay one seed (of every scenario, or of --scenario)
  --seeds=COUNT    COUNT seeds from --from (default 1), e.g. --seeds=500 for the long run
  --keep           keep the journals of passing runs too (those of failing runs are always kept)
  --bail           stop at the first failing run`;

/** Parses `argv` (without node and the script). Throws with the usage on anything unknown. */
export function parseCli(argv: readonly string[]): CliOptions {
  let scenarios: readonly ScenarioName[] = SCENARIOS;
  let seed: number | undefined;
  let count: number | undefined;
  let from = 1;
  let keep = false;
  let bail = false;
  const integer = (text: string, name: string) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`${name} must be a whole number\n${USAGE}`);
    return value;
  };
  for (const arg of argv) {
    const [name, value = ''] = arg.split('=', 2) as [string, string | undefined];
    if (name === '--') continue;
    if (name === '--scenario') {
      if (!SCENARIOS.includes(value as ScenarioName)) throw new Error(`unknown scenario ${value}\n${USAGE}`);
      scenarios = [value as ScenarioName];
    } else if (name === '--seed') seed = integer(value, '--seed');
    else if (name === '--seeds') count = integer(value, '--seeds');
    else if (name === '--from') from = integer(value, '--from');
    else if (name === '--keep') keep = true;
    else if (name === '--bail') bail = true;
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const seeds = new Map<ScenarioName, readonly number[]>();
  for (const scenario of scenarios) {
    if (seed !== undefined) seeds.set(scenario, [seed]);
    else if (count !== undefined)
      seeds.set(
        scenario,
        Array.from({ length: count }, (_, i) => from + i),
      );
    else seeds.set(scenario, CI_SEEDS[scenario]);
  }
  return { seeds, keep, bail };
}
