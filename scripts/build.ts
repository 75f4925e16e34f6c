/**
 * `npm run build` (also run by `prepare`, so `npm ci`, `npm pack` and installs from git build too; npm runs
 * only `prepare`, not `prepack`, for a git dependency):
 *   1. compiles the library, CLI and constructs to `dist/` with declarations (tsconfig.build.json), and keeps
 *      only what the exports map and the bin reach (scripts/prune-dist.ts);
 *   2. bundles each Lambda handler into `dist/lambda/<name>/` (scripts/build-lambdas.ts);
 *   3. writes the software bill of materials of what ships, `dist/sbom.cdx.json` (CycloneDX, from `npm sbom`;
 *      scripts/sbom.ts): the runtime dependencies and the packages inlined into the bundles.
 * `dist/` is removed first, so nothing stale from an earlier build ships.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../runtime/package-root';
import { buildLambdas, dataSourcePackages, GENERATED_DATA, NOTICES_FILE } from './build-lambdas';
import { renderNotices } from './third-party-notices';
import { pruneDist } from './prune-dist';
import { shippedSbom, type CycloneDx } from './sbom';

const DIST = join(PACKAGE_ROOT, 'dist');

function run(command: string, args: string[], what: string): string {
  const result = spawnSync(command, args, { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${what} failed (${command} ${args.join(' ')}: exit ${result.status ?? result.signal}): ${result.stdout}`);
  return result.stdout;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(join(PACKAGE_ROOT, file), 'utf8'));

interface PackageJson {
  exports: Record<string, string | { types?: string; default?: string }>;
}

/** The modules users load: the exports map's targets and the compiled CLI the bin requires (paths under dist/). */
export function entryPoints(pkg: PackageJson): { js: string[]; dts: string[] } {
  const underDist = (path: string | undefined): string[] => (path?.startsWith('./dist/') ? [path.slice('./dist/'.length)] : []);
  const targets = Object.values(pkg.exports).filter((t): t is { types?: string; default?: string } => typeof t === 'object');
  return { js: ['cli/main.js', ...targets.flatMap((t) => underDist(t.default))], dts: targets.flatMap((t) => underDist(t.types)) };
}

/** The whole build, into a fresh `dist/`. */
export async function build(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], 'compiling (tsc -p tsconfig.build.json)');
  pruneDist(DIST, entryPoints(readJson('package.json') as PackageJson));
  // The compiled engine carries generated data too (dist/engine/data/): its notices sit at the top of dist/.
  writeFileSync(join(DIST, NOTICES_FILE), renderNotices(dataSourcePackages(GENERATED_DATA), { bundle: 'dist/ (the compiled package)' }));
  const bundles = await buildLambdas();
  const full = JSON.parse(run('npm', ['sbom', '--package-lock-only', '--sbom-format', 'cyclonedx'], 'the SBOM (npm sbom)')) as CycloneDx;
  const sbom = shippedSbom(
    full,
    readJson('package-lock.json') as Parameters<typeof shippedSbom>[1],
    readJson('package.json') as { name: string; dependencies?: Record<string, string> },
    bundles.map((b) => ({ file: `dist/lambda/${b.name}/index.js`, packages: b.packages })),
  );
  writeFileSync(join(DIST, 'sbom.cdx.json'), `${JSON.stringify(sbom, null, 2)}\n`);
  console.log(`built ${DIST}: compiled sources, ${bundles.map((b) => `${b.name} bundle`).join(', ')}, sbom.cdx.json`);
}

if (require.main === module) {
  build().catch((e: unknown) => {
    console.error(`build failed: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
