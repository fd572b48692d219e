/** Section names accepted by `--only`. */
export const SECTIONS = ['queue', 'cache', 'stream', 'memory', 'recovery', 'cluster'] as const;
export type SectionName = (typeof SECTIONS)[number];

/** How much work each figure gets. */
export interface Sizes {
  /** Repetitions of every figure (the table shows their median, min and max). */
  readonly reps: number;
  /** Tasks per throughput run with 64 consumers in flight. */
  readonly queueTasks: number;
  /** Tasks per throughput run with one consumer in flight (slower peers take long here). */
  readonly queueTasksSerial: number;
  /**
   * Tasks per throughput run of the peers that handle more than 50,000 tasks/s (redis-ipc and the
   * strongest hand-written consumers), at either concurrency: enough for a window of seconds.
   */
  readonly queueTasksLong: number;
  /**
   * Tasks (or events, or sets) a throughput producer sends to a side key before the measured part, so
   * that compiling its hot code is not counted in its CPU per task.
   */
  readonly producerWarmUp: number;
  /** Tasks per hand-off latency run at 1,000 tasks/s. */
  readonly latencyTasks: number;
  /** Operations per cache throughput run with 64 in flight, and one at a time. */
  readonly cacheOps: number;
  readonly cacheOpsSerial: number;
  /** `waitFor` wake-ups measured with writes ~20 ms apart, and ~1 ms apart. */
  readonly wakeSlow: number;
  readonly wakeFast: number;
  /** Events per stream publish run. */
  readonly streamEvents: number;
  /** Events per stream read run (reads are fast: more events make a steadier figure). */
  readonly streamReadEvents: number;
  /** Events per stream latency run at 1,000 events/s. */
  readonly streamLatency: number;
  /** Tasks the memory run's consumer goes through. */
  readonly memoryTasks: number;
}

const FULL: Sizes = {
  reps: 3,
  queueTasks: 100_000,
  queueTasksSerial: 20_000,
  queueTasksLong: 300_000,
  producerWarmUp: 20_000,
  latencyTasks: 2_000,
  cacheOps: 100_000,
  cacheOpsSerial: 10_000,
  wakeSlow: 150,
  wakeFast: 1_000,
  streamEvents: 100_000,
  streamReadEvents: 300_000,
  streamLatency: 2_000,
  memoryTasks: 1_000_000,
};

const QUICK: Sizes = {
  reps: 1,
  queueTasks: 5_000,
  queueTasksSerial: 2_000,
  queueTasksLong: 5_000,
  producerWarmUp: 1_000,
  latencyTasks: 300,
  cacheOps: 5_000,
  cacheOpsSerial: 1_000,
  wakeSlow: 15,
  wakeFast: 200,
  streamEvents: 5_000,
  streamReadEvents: 5_000,
  streamLatency: 300,
  memoryTasks: 20_000,
};

/** Command-line options of `src/main.ts`. */
export interface BenchOptions {
  /** Smoke mode for CI: one small repetition of everything, targets not judged. */
  readonly quick: boolean;
  readonly only: readonly SectionName[];
  /** Where to write the markdown report, if anywhere. */
  readonly out: string | undefined;
  /** Only run peers whose label contains one of these strings (for investigating one figure). */
  readonly filter: readonly string[];
  /** Write a CPU profile of every child process into this directory. */
  readonly cpuProf: string | undefined;
  readonly sizes: Sizes;
}

const USAGE = `usage: node --import tsx src/main.ts [--quick] [--only queue,cache,stream,memory,recovery] [--out results.md]
       [--reps N] [--filter label,label] [--cpu-prof DIR]`;

/** Parses `argv` (without node and the script). Throws with the usage text on a bad argument. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let only: SectionName[] = [...SECTIONS];
  let out: string | undefined;
  let filter: string[] = [];
  let cpuProf: string | undefined;
  let reps: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=')
      ? (arg.split(/=(.*)/s, 2) as [string, string])
      : [arg, undefined];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--only': {
        const names = value().split(',').filter(Boolean);
        const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
        if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}\n${USAGE}`);
        only = names as SectionName[];
        break;
      }
      case '--out':
        out = value();
        break;
      case '--filter':
        filter = value().split(',').filter(Boolean);
        break;
      case '--cpu-prof':
        cpuProf = value();
        break;
      case '--reps':
        reps = Number(value());
        if (!Number.isInteger(reps) || reps < 1 || reps > 20)
          throw new Error(`--reps must be 1–20\n${USAGE}`);
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  const base = quick ? QUICK : FULL;
  return { quick, only, out, filter, cpuProf, sizes: reps ? { ...base, reps } : base };
}
