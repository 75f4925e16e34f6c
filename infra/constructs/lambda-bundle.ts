import type { BuildOptions } from 'esbuild';

/**
 * How every handler is bundled for Lambda, as esbuild options: `GuardFunction` hands them to NodejsFunction
 * (which runs `esbuild --bundle --platform=node` with them), and `npm run bench:lambda` builds with the same
 * object, so the benchmark measures the bundle that is deployed. The target is the Lambda runtime's Node.js
 * (nodejs24.x, set next to it in guard-function.ts).
 */
export const LAMBDA_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  // The Lambda Node.js runtimes ship AWS SDK v3 in the runtime; leaving it out keeps the bundle small.
  external: ['@aws-sdk/*'],
} satisfies BuildOptions;
