#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so the package needs no separate build step.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
