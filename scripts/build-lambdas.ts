/**
 * Bundles every Lambda handler the constructs deploy (LAMBDA_HANDLERS) into `dist/lambda/<name>/index.js`,
 * with esbuild and the options in LAMBDA_BUNDLE: the AWS SDK and every other dependency included, at the
 * versions the lockfile pins. Beside each bundle, THIRD-PARTY-NOTICES.txt names every package inlined into
 * it with its licence texts; a package whose licence is unknown or not on the allowed list stops the build.
 *
 *   npm run build:lambdas
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLE, LAMBDA_HANDLERS, lambdaBundleDir, type LambdaHandlerName } from '../infra/constructs/lambda-bundle';
import { PACKAGE_ROOT } from '../runtime/package-root';
import { assertLicensesAllowed, bundledPackages, renderNotices, type BundledPackage } from './third-party-notices';

export interface BuiltBundle {
  name: LambdaHandlerName;
  dir: string;
  metafile: Metafile;
  /** The third-party packages inlined into the bundle. */
  packages: BundledPackage[];
}

export const NOTICES_FILE = 'THIRD-PARTY-NOTICES.txt';

/** The generated data files the engine carries, each naming in `source` the package it was generated from. */
export const GENERATED_DATA = ['engine/data/kms-actions.json'] as const;

/**
 * The packages that data files among `inputs` (paths relative to the package root) were generated from, read
 * from node_modules. The data must come from the version installed: otherwise it is stale (run the generator).
 */
export function dataSourcePackages(inputs: readonly string[]): BundledPackage[] {
  return GENERATED_DATA.filter((file) => inputs.includes(file)).map((file) => {
    const source = (JSON.parse(readFileSync(join(PACKAGE_ROOT, file), 'utf8')) as { source?: unknown }).source;
    const match = typeof source === 'string' ? /^(@?[^@]+)@(.+)$/.exec(source) : null;
    if (match === null) throw new Error(`${file} does not name the package it was generated from ("source": "name@version")`);
    const [, name, version] = match as unknown as [string, string, string];
    const dir = join(PACKAGE_ROOT, 'node_modules', name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license?: string };
    if (pkg.version !== version) throw new Error(`${file} was generated from ${name}@${version}, but ${pkg.version} is installed: regenerate it`);
    if (pkg.license === undefined) throw new Error(`${name}@${version} (${dir}) declares no licence`);
    return { name, version, license: pkg.license, dir };
  });
}

/** Bundles one handler into a fresh folder. */
export async function buildLambda(name: LambdaHandlerName): Promise<BuiltBundle> {
  const dir = lambdaBundleDir(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.js');
  const { metafile } = await build({
    ...LAMBDA_BUNDLE,
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [join(PACKAGE_ROOT, LAMBDA_HANDLERS[name])],
    outfile,
    metafile: true,
    logLevel: 'warning',
  });
  const output = relative(PACKAGE_ROOT, outfile).split(sep).join('/');
  const inputs = Object.keys(metafile.outputs[output]?.inputs ?? {});
  const packages = [...bundledPackages(metafile, PACKAGE_ROOT, output), ...dataSourcePackages(inputs)];
  assertLicensesAllowed(packages);
  writeFileSync(join(dir, NOTICES_FILE), renderNotices(packages, { bundle: `dist/lambda/${name}/index.js` }));
  return { name, dir, metafile, packages };
}

export async function buildLambdas(): Promise<BuiltBundle[]> {
  return Promise.all((Object.keys(LAMBDA_HANDLERS) as LambdaHandlerName[]).map(buildLambda));
}

if (require.main === module) {
  buildLambdas().then(
    (built) => {
      for (const b of built) console.log(`built ${b.name} Lambda bundle: ${b.dir}`);
    },
    (e: unknown) => {
      console.error(`build:lambdas failed: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
