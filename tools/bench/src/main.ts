// `pnpm bench`: every comparison in one run, on the run's own throwaway redis-server.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { cacheSection } from './cache/section.js';
import { clusterSection } from './cluster/section.js';
import { BenchServer } from './harness/bench-server.js';
import { log } from './harness/cases.js';
import { childSettings, killAllChildren } from './harness/child.js';
import type { BenchContext } from './harness/context.js';
import { type BenchOptions, parseOptions, type SectionName } from './harness/options.js';
import type { SectionReport } from './harness/report.js';
import { memorySection } from './memory/section.js';
import { queueSection } from './queue/section.js';
import { recoverySection } from './recovery/section.js';
import { streamSection } from './stream/section.js';

const SECTION_RUNNERS: Record<SectionName, (ctx: BenchContext) => Promise<SectionReport>> = {
  queue: queueSection,
  cache: cacheSection,
  stream: streamSection,
  memory: memorySection,
  recovery: recoverySection,
  cluster: clusterSection,
};

function header(options: BenchOptions, redisVersion: string, started: Date, seconds: number): string {
  const cpu = cpus();
  // Where the report is written does not change what it measures.
  const argv = process.argv.slice(2);
  const args = argv.filter((arg, i) => !arg.startsWith('--out') && argv[i - 1] !== '--out').join(' ');
  return [
    '# redis-ipc benchmarks',
    '',
    `Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(seconds)} s` +
      `${options.quick ? ' (--quick: one small repetition, targets not judged)' : ''}. ` +
      `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, Redis ${redisVersion} (its own server on 127.0.0.1, no persistence).`,
    `Reproduce: \`pnpm --filter @redis-ipc/bench bench${args ? ` ${args}` : ''}\`.`,
    '',
    'Every figure is the median of the repetitions, with min–max in brackets; ratios compare figures of this same run. ' +
      'Producers and consumers are separate Node processes.',
  ].join('\n');
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (options.cpuProf) {
    childSettings.cpuProfDir = resolve(options.cpuProf);
    mkdirSync(childSettings.cpuProfDir, { recursive: true });
  }
  const started = new Date();
  const server = await BenchServer.start();
  const reports: SectionReport[] = [];
  let redisVersion = 'unknown';
  try {
    redisVersion = await server.describe();
    log(`redis-server ${redisVersion} on ${server.url}; sections: ${options.only.join(', ')}`);
    for (const name of options.only) {
      try {
        reports.push(await SECTION_RUNNERS[name]({ server, options }));
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`[${name}] section failed: ${message}`);
        reports.push({
          markdown: `## ${name}\n\nSection failed: ${message.split('\n')[0]}`,
          failures: [message],
        });
      }
    }
  } finally {
    killAllChildren();
    await server.stop();
  }

  const seconds = (Date.now() - started.getTime()) / 1000;
  const failures = reports.flatMap((r) => r.failures);
  const markdown = [
    header(options, redisVersion, started, seconds),
    ...reports.map((r) => r.markdown),
    ...(failures.length > 0 ? ['## Failures', '', ...failures.map((f) => `- ${f.split('\n')[0]}`)] : []),
  ].join('\n\n');
  process.stdout.write(`${markdown}\n`);
  if (options.out) writeFileSync(resolve(options.out), `${markdown}\n`);
  log(`done in ${Math.round(seconds)} s${failures.length > 0 ? `, ${failures.length} failure(s)` : ''}`);
  return failures.length > 0 ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}
process.once('exit', killAllChildren);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killAllChildren();
    process.exit(1);
  },
);
