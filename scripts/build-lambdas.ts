/**
 * Bundles every Lambda handler the constructs deploy (LAMBDA_HANDLERS) into `dist/lambda/<name>/index.js`,
 * with esbuild and the options in LAMBDA_BUNDLE: the AWS SDK and every other dependency included, at the
 * versions the lockfile pins.
 *
 *   npm run build:lambdas
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLE, LAMBDA_HANDLERS, lambdaBundleDir, type LambdaHandlerName } from '../infra/constructs/lambda-bundle';
import { PACKAGE_ROOT } from '../runtime/package-root';

export interface BuiltBundle {
  name: LambdaHandlerName;
  dir: string;
  metafile: Metafile;
}

/** Bundles one handler into a fresh folder. */
export async function buildLambda(name: LambdaHandlerName): Promise<BuiltBundle> {
  const dir = lambdaBundleDir(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { metafile } = await build({
    ...LAMBDA_BUNDLE,
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [join(PACKAGE_ROOT, LAMBDA_HANDLERS[name])],
    outfile: join(dir, 'index.js'),
    metafile: true,
    logLevel: 'warning',
  });
  return { name, dir, metafile };
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
