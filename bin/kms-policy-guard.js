#!/usr/bin/env node
// The command line, compiled (dist/, built by `npm run build`; an installed package ships it).
// In a clone, `npm run guard -- …` runs the TypeScript sources instead.
'use strict';
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (e) {
  // Only when main.js itself is missing: a dependency missing below it names main.js in its require stack too.
  const missing = e && e.code === 'MODULE_NOT_FOUND' ? String(e.message).split('\n')[0] : '';
  if (missing.includes('dist/cli/main.js')) {
    process.stderr.write('kms-policy-guard: dist/cli/main.js is missing: run `npm run build` in the repository, or reinstall the package\n');
    process.exit(2);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
