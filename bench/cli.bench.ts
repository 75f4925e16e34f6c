/**
 * CLI start-up benchmark: the wall time of `kms-policy-guard --version` and of `check` on one policy file,
 * each as a ratio to a bare `node -e 0` timed in the same run (the three interleaved, medians reported). It
 * runs the package bin (bin/kms-policy-guard.js, the compiled CLI in dist/) as a user's shell would; the npm
 * script builds first, so the figures are for the current sources.
 *
 *   npm run bench:cli [-- --runs 15]
 *
 * Target: `check` on one file at most 4× bare node.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);
const CHECK_TARGET_RATIO = 4;

const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'kms-policy-guard.js');
const policy = join(root, 'examples', 'seed-anti-pattern-1-account-full-access.json');

const commands: Record<string, { args: string[]; exitCodes: number[] }> = {
  'bare node': { args: ['-e', '0'], exitCodes: [0] },
  '--version': { args: [bin, '--version'], exitCodes: [0] },
  'check (one file)': { args: [bin, 'check', '--account-id', '111122223333', policy], exitCodes: [1] },
};

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function timeRun(name: string): number {
  const { args, exitCodes } = commands[name] as { args: string[]; exitCodes: number[] };
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status === null || !exitCodes.includes(result.status)) {
    throw new Error(`${name} exited with ${result.status ?? result.signal}: ${result.stderr.toString().slice(0, 500)}`);
  }
  return ms;
}

const names = Object.keys(commands);
const times = new Map(names.map((n) => [n, [] as number[]]));
for (const name of names) timeRun(name); // one untimed round: file cache warm for every command
for (let round = 0; round < RUNS; round++) for (const name of names) times.get(name)?.push(timeRun(name));

const bare = median(times.get('bare node') ?? []);
console.log(`cli benchmark: Node ${process.version}, ${RUNS} interleaved runs each, medians`);
for (const name of names) {
  const ms = median(times.get(name) ?? []);
  const ratio = ms / bare;
  const target = name === 'check (one file)' ? ` — target <= ${CHECK_TARGET_RATIO}x: ${ratio <= CHECK_TARGET_RATIO ? 'met' : 'MISSED'}` : '';
  console.log(`${name.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x bare node${target}`);
}
