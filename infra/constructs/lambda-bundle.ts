import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { PACKAGE_ROOT } from '../../runtime/package-root';

/**
 * The Lambda handlers the constructs deploy, each bundled at build time (`npm run build`, or
 * `npm run build:lambdas` alone) into `dist/lambda/<name>/index.js`, with the third-party notices of what it
 * includes beside it. The package ships the bundles, so an app that uses the constructs needs neither
 * esbuild, Docker nor this repository's lockfile, and deploys the same code inside this repository.
 */
export const LAMBDA_HANDLERS = {
  rule: 'rule/handler.ts',
  remediation: 'remediation/handler.ts',
  hook: 'hook/handler.ts',
} as const;

export type LambdaHandlerName = keyof typeof LAMBDA_HANDLERS;

/**
 * How every handler is bundled, as esbuild options: the build and `npm run bench:lambda` use the same object,
 * so the benchmark measures the bundle that is deployed. The target is the Lambda runtime's Node.js
 * (nodejs24.x, set in guard-function.ts). The AWS SDK is bundled in, at the version the lockfile pins, rather
 * than left to whichever SDK the runtime happens to ship.
 */
export const LAMBDA_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  // The packages' ES module builds first: esbuild can then leave out what the handler never imports. For the
  // AWS SDK's CommonJS builds it cannot (each client's index loads every command and schema), which costs the
  // rule's bundle about 300 KB more with the KMS, Config and STS clients alone.
  mainFields: ['module', 'main'],
  minify: true,
  // Licence comments go to the notices file (third-party notices), not into the code.
  legalComments: 'none',
} satisfies BuildOptions;

/** The folder that holds handler `name`'s bundle (`index.js`, exporting `handler`) and its notices. */
export function lambdaBundleDir(name: LambdaHandlerName): string {
  return join(PACKAGE_ROOT, 'dist', 'lambda', name);
}

/** The bundle folder, or an error that says how to build it: a function must never deploy without its code. */
export function requireLambdaBundle(name: LambdaHandlerName): string {
  const dir = lambdaBundleDir(name);
  if (!existsSync(join(dir, 'index.js'))) {
    throw new Error(
      `kms-policy-guard: the ${name} Lambda bundle ${join(dir, 'index.js')} is missing. ` +
        'In a clone of the repository, run `npm run build` (or `npm run build:lambdas`); an installed package ships it, so reinstall the package.',
    );
  }
  return dir;
}
