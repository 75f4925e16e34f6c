/**
 * Runs a benchmark as it is deployed: bundled by esbuild (as the Lambda package is) and executed by plain
 * node, so module-loader shims do not distort hot loops. Usage: tsx bench/run.ts <bench file> [args…]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: tsx bench/run.ts <bench file> [args…]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'kpg-bench-'));
const outfile = join(dir, `${basename(entry, '.ts')}.js`);
try {
  buildSync({
    entryPoints: [resolve(entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile,
    logLevel: 'error',
    // The benchmark reads its corpus relative to the repository.
    define: { 'process.env.BENCH_REPO_ROOT': JSON.stringify(resolve(__dirname, '..')) },
  });
  const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
