/**
 * Lambda entry paths are strings the compiler cannot check: every function the app deploys must be bundled
 * from a handler source that exists and exports `handler`. Synth skips bundling in tests, so without this a
 * moved handler would only show up at `cdk deploy`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { GuardFunction, PROJECT_ROOT } from '../../infra/constructs/guard-function';
import { synthesize } from './app-fixture';

const functions = synthesize().app.node.findAll().filter((c): c is GuardFunction => c instanceof GuardFunction);
const entries = [...new Set(functions.map((f) => relative(PROJECT_ROOT, f.entry)))].sort();

describe('Lambda entry files', () => {
  it('the app deploys the rule and the remediation functions', () => {
    expect(entries).toEqual(['remediation/handler.ts', 'rule/handler.ts']);
  });

  it.each(entries)('%s exists and exports handler', (entry) => {
    const file = `${PROJECT_ROOT}/${entry}`;
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/^export (const|async function|function) handler\b/m);
  });
});
