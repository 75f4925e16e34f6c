/**
 * The layer rule and the engine's purity, as eslint applies them to the project's own config: each case is
 * a line of code placed in a file of the tree, with the message it must (or must not) get.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
type Case = [file: string, code: string];

const REFUSED_UPWARD: [string, string, RegExp][] = [
  ['engine/analyze.ts', "import { x } from '../rule/verdict';", /engine\/ may not import rule\/.*layer above/],
  ['engine/checks/public-access.ts', "import { x } from '../../aws/errors';", /engine\/ may not import aws\//],
  ['runtime/clock.ts', "import { x } from '../aws/retry';", /runtime\/ may not import aws\//],
  ['aws/retry.ts', "import { x } from '../rule/errors';", /aws\/ may not import rule\//],
  ['aws/retry.ts', "import { x } from '../cli/io';", /aws\/ may not import cli\//],
  ['rule/verdict.ts', "import { x } from '../cli/report';", /rule\/ may not import cli\/.*same layer/],
  ['cli/report.ts', "import { x } from '../remediation/rewrite';", /cli\/ may not import remediation\/.*same layer/],
  ['remediation/handler.ts', "import { x } from '../infra/permissions';", /remediation\/ may not import infra\//],
  ['rule/handler.ts', "import { x } from '../test/support/moto';", /rule\/ may not import test\//],
  ['rule/handler.ts', "const x = require('../infra/settings');", /rule\/ may not import infra\//],
  ['cli/report.ts', "export { x } from '../rule/verdict';", /cli\/ may not import rule\//],
  ['cli/report.ts', "export * from '../rule/verdict'; const x = 1;", /cli\/ may not import rule\//],
  ['aws/retry.ts', "const x = import('../rule/verdict');", /aws\/ may not import rule\//],
  ['aws/retry.ts', "const x = import(`../rule/verdict`);", /aws\/ may not import rule\//],
  ['aws/retry.ts', "type T = import('../rule/verdict').Verdict; const x: T | undefined = undefined;", /aws\/ may not import rule\//],
  ['aws/retry.ts', "import x = require('../rule/verdict');", /aws\/ may not import rule\//],
  ['rule/verdict.ts', "jest.mock('../cli/report'); const x = 1;", /rule\/ may not import cli\//],
  ['engine/analyze.ts', "import { x } from '../engine/../rule/verdict';", /engine\/ may not import rule\//],
  ['aws/retry.ts', "import { x } from '../rule/verdict.js';", /aws\/ may not import rule\//],
];
const ALLOWED: Case[] = [
  ['rule/verdict.ts', "import { x } from '../engine';"],
  ['rule/verdict.ts', "import { x } from '../aws/kms-reader';"],
  ['aws/retry.ts', "import { x } from '../runtime/clock';"],
  ['infra/stacks/rule-stack.ts', "import { x } from '../../rule/parameters';"],
  ['cli/commands/scan.ts', "import { x } from '../report';"],
  ['test/rule/handler.test.ts', "import { x } from '../../rule/handler';"],
  ['bench/sweep.bench.ts', "import { x } from '../cli/report';"],
  ['cli/report.ts', "import { x } from '../engine/index';"],
  ['engine/analyze.ts', "import { x } from './checks/registry';"],
  ['test/engine/glob.test.ts', "import { x } from '../../engine/glob';"],
  ['aws/clients.ts', "import { KMSClient as x } from '@aws-sdk/client-kms';"],
];
const REFUSED_FACADE: Case[] = [
  ['cli/report.ts', "import { x } from '../engine/checks/registry';"],
  ['remediation/kms-actions.ts', "import x from '../engine/data/kms-actions.json';"],
  ['rule/verdict.ts', "import type { x } from '../engine/types';"],
  ['test/rule/verdict.test.ts', "import { x } from '../../engine/analyze';"],
];
/** Module names the layers cannot check, refused in every layer folder. */
const REFUSED_COMPUTED: Case[] = [
  ['engine/analyze.ts', "const name = 'x'; const x = import(`../${name}`);"],
  ['aws/retry.ts', "const x = import('../rule/' + 'verdict');"],
  ['rule/verdict.ts', "const name = '../cli/report'; const x = require(name);"],
];
const TEST_COMPUTED: Case = ['test/rule/handler.test.ts', "const name = '../../rule/verdict'; const x = jest.requireActual(name);"];
const REFUSED_IMPURE: string[] = [
  "import { readFileSync as x } from 'node:fs';",
  "import x from 'fs';",
  "import { KMSClient as x } from '@aws-sdk/client-kms';",
  "import type { Context as x } from 'aws-lambda';",
  "import { Logger as x } from '@aws-lambda-powertools/logger';",
  "const x = import('node:fs');",
  "const x = import(`node:child_process`);",
  "type T = import('@aws-sdk/client-kms').KMSClient; const x: T | undefined = undefined;",
  "import { Command as x } from 'commander';",
];
/** Globals that reach outside the engine: the environment, the network, timers, module loading. */
const REFUSED_GLOBALS: string[] = ['const x = process.env.HOME;', "const x = fetch('http://127.0.0.1');", 'const x = setTimeout(() => 0, 1);'];

const ALL: Case[] = [
  ...REFUSED_UPWARD.map(([file, code]): Case => [file, code]),
  ...ALLOWED,
  ...REFUSED_FACADE,
  ...REFUSED_COMPUTED,
  TEST_COMPUTED,
  ...REFUSED_IMPURE.map((code): Case => ['engine/analyze.ts', code]),
  ...REFUSED_GLOBALS.map((code): Case => ['engine/analyze.ts', code]),
  ...REFUSED_IMPURE.slice(0, 1).map((code): Case => ['engine/analyze.mts', code]),
];
const messages = new Map<string, string[]>();

/** All cases are linted in one eslint process (see test/support/lint-cases.mjs): eslint starts once. */
beforeAll(() => {
  const run = spawnSync(process.execPath, [join(root, 'test', 'support', 'lint-cases.mjs'), root], {
    input: JSON.stringify(ALL.map(([file, code]) => [file, `${code}\nexport const used = x;\n`])),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  (JSON.parse(run.stdout) as string[][]).forEach((out, i) => messages.set(ALL[i]!.join('\n'), out));
});

function problems(file: string, code: string): string[] {
  const found = messages.get(`${file}\n${code}`);
  if (!found) throw new Error(`case not linted: ${file}: ${code}`);
  return found;
}

describe('import arrows point only down', () => {
  it.each(REFUSED_UPWARD)('%s: %s is refused', (file, code, expected) => {
    expect(problems(file, code)).toEqual([expect.stringMatching(expected)]);
  });

  it.each(ALLOWED)('%s: %s is allowed', (file, code) => {
    expect(problems(file, code)).toEqual([]);
  });
});

describe('the engine is reached only through its index', () => {
  it.each(REFUSED_FACADE)('%s: %s is refused', (file, code) => {
    expect(problems(file, code)).toEqual([expect.stringMatching(/through engine\/index\.ts/)]);
  });
});

describe('module names the layers cannot check', () => {
  it.each(REFUSED_COMPUTED)('%s: %s is refused', (file, code) => {
    expect(problems(file, code)).toEqual([expect.stringMatching(/layers\/only-down: Import with a plain string/)]);
  });

  it('a test may load a module by a computed name: it sits above every layer', () => {
    expect(problems(...TEST_COMPUTED)).toEqual([]);
  });
});

describe('the engine does no I/O', () => {
  it.each(REFUSED_IMPURE)('engine/analyze.ts: %s is refused', (code) => {
    expect(problems('engine/analyze.ts', code)).toContainEqual(expect.stringMatching(/engine\/ is pure/));
  });

  it.each(REFUSED_GLOBALS)('engine/analyze.ts: %s is refused', (code) => {
    expect(problems('engine/analyze.ts', code)).toEqual([expect.stringMatching(/no-restricted-globals: .*engine\/ is pure/)]);
  });

  it('the purity rules cover every TypeScript extension', () => {
    expect(problems('engine/analyze.mts', REFUSED_IMPURE[0]!)).toContainEqual(expect.stringMatching(/no-restricted-imports: .*engine\/ is pure/));
  });
});
