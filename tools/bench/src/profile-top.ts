// Summarises CPU profiles written by `--cpu-prof DIR` (each covers one child's measured part, from go
// to the end of its work): the functions with the most self time in each.
// Usage: node --import tsx src/profile-top.ts DIR [--match label] [--top 15]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function summarise(file: string, top: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    // Waiting is not where the time goes.
    if (functionName === '(idle)') continue;
    total += us;
    const where = url
      ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(packages|tools)\//, '$1/')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const lines = [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([name, us]) =>
        `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`,
    );
  return [`${file} (${(total / 1000).toFixed(0)} ms on CPU)`, ...lines].join('\n');
}

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) {
  process.stderr.write('usage: node --import tsx src/profile-top.ts DIR [--match label] [--top 15]\n');
  process.exit(2);
}
const match = args.includes('--match') ? args[args.indexOf('--match') + 1] : undefined;
const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 15;
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith('.cpuprofile') || (match && !name.includes(match))) continue;
  process.stdout.write(`${summarise(join(dir, name), top)}\n\n`);
}
