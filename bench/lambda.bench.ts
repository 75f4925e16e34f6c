/**
 * Lambda package benchmark: builds the rule's bundle exactly as the package ships it (scripts/build-lambdas.ts:
 * `dist/lambda/rule/index.js`, esbuild with `LAMBDA_BUNDLE`: minified, platform node, target node24, the AWS SDK
 * inlined at the lockfile's version), then measures its size and the cold module-load time of a fresh `node`
 * process requiring it, against a bare `node -e ''` in the same run (medians, runs interleaved). Nothing is
 * read from node_modules at load: the bundle is self-contained, as it runs in Lambda.
 *
 *   npm run bench:lambda [-- --runs 15]
 *
 * Targets: bundle under 1 MB; load under 150 ms above bare node.
 */
import { spawnSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildLambda } from '../scripts/build-lambdas';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);
const BUNDLE_TARGET_BYTES = 1_000_000;
const LOAD_TARGET_MS = 150;


function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function timeNode(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    env: { ...process.env, AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return ms;
}

async function main(): Promise<void> {
  const { dir, metafile } = await buildLambda('rule');
  const outfile = join(dir, 'index.js');
  const bytes = statSync(outfile).size;
  const gzipped = gzipSync(readFileSync(outfile)).length;

  // Where the bytes come from, by package.
  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(metafile.outputs[Object.keys(metafile.outputs)[0] as string]?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match?.[1] ?? 'kms-policy-guard (own code)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
  }
  const top = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);

  // Warm the file cache once, then interleave runs so drift affects both sides alike.
  const load = ['-e', `require(${JSON.stringify(outfile)})`];
  const bare = ['-e', ''];
  timeNode(load);
  timeNode(bare);
  const loadTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bareTimes.push(timeNode(bare));
    loadTimes.push(timeNode(load));
  }
  const overhead = median(loadTimes) - median(bareTimes);

  console.log(`lambda benchmark: Node ${process.version}, ${RUNS} runs each`);
  console.log(
    `bundle: ${(bytes / 1024).toFixed(0)} KiB (${bytes} bytes; gzip ${(gzipped / 1024).toFixed(0)} KiB) — target < 1 MB: ${bytes < BUNDLE_TARGET_BYTES ? 'met' : 'MISSED'}`,
  );
  console.log(`  largest parts: ${top.map(([name, b]) => `${name} ${(b / 1024).toFixed(0)} KiB`).join(', ')}`);
  console.log(
    `cold load: node + require(bundle) median ${median(loadTimes).toFixed(1)} ms, bare node median ${median(bareTimes).toFixed(1)} ms ⇒ ` +
      `${overhead.toFixed(1)} ms above bare node — target < ${LOAD_TARGET_MS} ms: ${overhead < LOAD_TARGET_MS ? 'met' : 'MISSED'}`,
  );
  if (bytes >= BUNDLE_TARGET_BYTES || overhead >= LOAD_TARGET_MS) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
