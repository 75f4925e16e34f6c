/**
 * The Config rule as Lambda runs it: the bundle the package ships and the constructs deploy
 * (dist/lambda/rule/index.js, built once per test run by the jest global setup), and a small script that loads the
 * bundle, calls the handler with an event file and a Lambda context `deadlineMs` from its deadline, and prints
 * `TIMING {deadlineMs, returnedMs}` and `RESULT <evaluations>` lines on stdout.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireLambdaBundle } from '../../infra/constructs/lambda-bundle';

/** Writes `index.js` (the bundle) and `invoke.js` (run it as `node invoke.js EVENT_FILE`) into `dir`. */
export function bundleRuleHandler(dir: string, options: { deadlineMs: number; requestId: string }): void {
  copyFileSync(join(requireLambdaBundle('rule'), 'index.js'), join(dir, 'index.js'));
  writeFileSync(
    join(dir, 'invoke.js'),
    [
      "const { handler } = require('./index.js');",
      "const event = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));",
      'const started = Date.now();',
      `const deadline = started + ${options.deadlineMs};`,
      `handler(event, { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: ${JSON.stringify(options.requestId)} })`,
      '  .then((evaluations) => {',
      '    const returned = Date.now();',
      '    process.stdout.write("\\nTIMING " + JSON.stringify({ deadlineMs: deadline - started, returnedMs: returned - started }) + "\\n");',
      '    process.stdout.write("\\nRESULT " + JSON.stringify(evaluations) + "\\n");',
      '  })',
      '  .catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exitCode = 1; });',
    ].join('\n'),
  );
}
