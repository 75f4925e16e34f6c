import type { Metafile } from 'esbuild';
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { assertLicensesAllowed, bundledPackages, renderNotices, type BundledPackage } from '../../scripts/third-party-notices';

const APACHE_HEADING = 'Apache License\n                           Version 2.0, January 2004';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'notices-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes files under the temp root; a value that is not a string is written as JSON. */
function tree(files: Record<string, unknown>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
}

const manifest = (name: string, version: string, license: unknown = 'MIT') => ({ name, version, license });

/** A metafile whose one output, out/index.js, holds the given inputs with the given byte counts. */
function metafile(bytesByInput: Record<string, number>, output = 'out/index.js'): Metafile {
  const inputs = Object.fromEntries(Object.keys(bytesByInput).map((path) => [path, { bytes: 100, imports: [] }]));
  const outputInputs = Object.fromEntries(Object.entries(bytesByInput).map(([path, bytesInOutput]) => [path, { bytesInOutput }]));
  return { inputs, outputs: { [output]: { bytes: 1000, inputs: outputInputs, imports: [], exports: [] } } };
}

const summary = (packages: readonly BundledPackage[]) => packages.map((p) => `${p.name}@${p.version} ${p.license} ${p.dir.slice(root.length + 1)}`);

describe('bundledPackages', () => {
  it('finds scoped, nested and plain packages, reading the package directory’s own package.json, and skips project sources', () => {
    tree({
      'node_modules/@aws-sdk/client-kms/package.json': manifest('@aws-sdk/client-kms', '3.1.0', 'Apache-2.0'),
      // A sub-folder package.json that only sets the module type: not the package's.
      'node_modules/@aws-sdk/client-kms/dist-cjs/package.json': { type: 'commonjs' },
      'node_modules/@smithy/core/package.json': manifest('@smithy/core', '3.0.0', 'Apache-2.0'),
      'node_modules/@smithy/core/node_modules/uuid/package.json': manifest('uuid', '9.0.1'),
      'node_modules/bowser/package.json': manifest('bowser', '2.15.1'),
    });
    const packages = bundledPackages(
      metafile({
        'rule/handler.ts': 500,
        'engine/index.ts': 300,
        'node_modules/@aws-sdk/client-kms/dist-cjs/index.js': 900,
        'node_modules/@aws-sdk/client-kms/dist-cjs/runtimeConfig.js': 90,
        'node_modules/@smithy/core/dist-es/index.js': 40,
        'node_modules/@smithy/core/node_modules/uuid/dist/v4.js': 10,
        'node_modules/bowser/es5.js': 7,
      }),
      root,
      'out/index.js',
    );
    expect(summary(packages)).toEqual([
      '@aws-sdk/client-kms@3.1.0 Apache-2.0 node_modules/@aws-sdk/client-kms',
      '@smithy/core@3.0.0 Apache-2.0 node_modules/@smithy/core',
      'bowser@2.15.1 MIT node_modules/bowser',
      'uuid@9.0.1 MIT node_modules/@smithy/core/node_modules/uuid',
    ]);
  });

  it('leaves out packages whose files esbuild tree-shook away (no bytes in the output), unless no output is named', () => {
    tree({
      'node_modules/kept/package.json': manifest('kept', '1.0.0'),
      'node_modules/shaken/package.json': manifest('shaken', '1.0.0'),
    });
    const meta = metafile({ 'node_modules/kept/index.js': 12, 'node_modules/shaken/index.js': 0 });
    expect(bundledPackages(meta, root, 'out/index.js').map((p) => p.name)).toEqual(['kept']);
    expect(bundledPackages(meta, root).map((p) => p.name)).toEqual(['kept', 'shaken']);
  });

  it('lists one name at two versions as two entries, ordered by version numerically, and one copy per name and version', () => {
    tree({
      'node_modules/tslib/package.json': manifest('tslib', '2.10.0', '0BSD'),
      'node_modules/a/package.json': manifest('a', '1.0.0'),
      'node_modules/a/node_modules/tslib/package.json': manifest('tslib', '2.9.0', '0BSD'),
      'node_modules/b/package.json': manifest('b', '1.0.0'),
      'node_modules/b/node_modules/tslib/package.json': manifest('tslib', '2.9.0', '0BSD'),
    });
    const packages = bundledPackages(
      metafile({
        'node_modules/tslib/tslib.js': 1,
        'node_modules/a/index.js': 1,
        'node_modules/a/node_modules/tslib/tslib.js': 1,
        'node_modules/b/index.js': 1,
        'node_modules/b/node_modules/tslib/tslib.js': 1,
      }),
      root,
      'out/index.js',
    );
    expect(packages.map((p) => `${p.name}@${p.version}`)).toEqual(['a@1.0.0', 'b@1.0.0', 'tslib@2.9.0', 'tslib@2.10.0']);
  });

  it('takes a relative project root with a trailing slash as its absolute form', () => {
    tree({ 'node_modules/x/package.json': manifest('x', '1.0.0') });
    const relativeRoot = `${relative(process.cwd(), root)}/`;
    const packages = bundledPackages(metafile({ 'node_modules/x/index.js': 5, 'rule/handler.ts': 5 }), relativeRoot, 'out/index.js');
    expect(packages.map((p) => [p.name, p.dir])).toEqual([['x', join(root, 'node_modules/x')]]);
  });

  it('resolves paths outside the working directory, as a symlinked node_modules gives them', () => {
    tree({ 'shared/node_modules/x/package.json': manifest('x', '1.0.0') });
    const project = join(root, 'project');
    mkdirSync(project);
    const packages = bundledPackages(metafile({ '../shared/node_modules/x/index.js': 5, 'rule/handler.ts': 5 }), project, 'out/index.js');
    expect(packages.map((p) => [p.name, p.dir])).toEqual([['x', join(root, 'shared/node_modules/x')]]);
  });

  it.each([
    ['the old `licenses` array', { licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }, '(MIT) OR (Apache-2.0)'],
    ['the old `license` object', { license: { type: 'ISC', url: 'https://example.org' } }, 'ISC'],
    ['a one-entry `licenses` array of strings', { licenses: ['BSD-3-Clause'] }, 'BSD-3-Clause'],
  ])('reads %s', (_, fields, expected) => {
    tree({ 'node_modules/old/package.json': { name: 'old', version: '0.1.0', ...fields } });
    expect(bundledPackages(metafile({ 'node_modules/old/index.js': 1 }), root, 'out/index.js')[0]?.license).toBe(expected);
  });

  it.each([
    ['no licence field', {}, /declares no licence/],
    ['UNLICENSED', { license: 'UNLICENSED' }, /UNLICENSED/],
    ['a "SEE LICENSE IN" pointer', { license: 'SEE LICENSE IN LICENSE.txt' }, /not an SPDX expression/],
    ['a licence name with a space', { license: 'Apache 2.0' }, /not an SPDX expression/],
    ['an unbalanced expression', { license: '(MIT OR ISC' }, /not an SPDX expression/],
    ['a dangling operator', { license: 'MIT AND' }, /not an SPDX expression/],
    ['an empty string', { license: '  ' }, /declares no licence/],
  ])('fails closed on %s, naming the package and its directory', (_, fields, reason) => {
    tree({
      'node_modules/fine/package.json': manifest('fine', '1.0.0'),
      'node_modules/@evil/pkg/package.json': { name: '@evil/pkg', version: '6.6.6', ...fields },
    });
    const meta = metafile({ 'node_modules/fine/a.js': 1, 'node_modules/@evil/pkg/a.js': 1 });
    const run = () => bundledPackages(meta, root, 'out/index.js');
    expect(run).toThrow(reason);
    expect(run).toThrow(`@evil/pkg@6.6.6 (${join(root, 'node_modules/@evil/pkg')})`);
    expect(run).not.toThrow(/fine@/);
  });

  it('lists every package it cannot license in one error', () => {
    tree({
      'node_modules/p1/package.json': { name: 'p1', version: '1.0.0' },
      'node_modules/p2/package.json': manifest('p2', '1.0.0', 'UNLICENSED'),
    });
    expect(() => bundledPackages(metafile({ 'node_modules/p1/a.js': 1, 'node_modules/p2/a.js': 1 }), root, 'out/index.js')).toThrow(
      /2 bundled package\(s\)[^]*p1@1\.0\.0[^]*p2@1\.0\.0/,
    );
  });

  it.each([
    ['a package with no package.json', { 'node_modules/ghost/index.js': 1 }, /node_modules\/ghost\/package\.json: cannot read/],
    ['a file directly in node_modules', { 'node_modules/loose.js': 1 }, /not inside a package directory/],
    ['a scope with no package name', { 'node_modules/@scope/': 1 }, /not inside a package directory/],
    ['a scope with an empty package name', { 'node_modules/@scope//x.js': 1 }, /not inside a package directory/],
    ['a source outside the project and outside node_modules', { '../elsewhere/lib.js': 1 }, /neither a project source/],
  ])('fails closed on %s', (_, inputs, reason) => {
    const project = join(root, 'project');
    mkdirSync(project);
    expect(() => bundledPackages(metafile(inputs), project, 'out/index.js')).toThrow(reason);
  });

  it('refuses an output the metafile does not have, naming the ones it has', () => {
    expect(() => bundledPackages(metafile({}, 'dist/lambda/rule/index.js'), root, 'out/index.js')).toThrow(/no output 'out\/index\.js' \(its outputs: dist\/lambda\/rule\/index\.js\)/);
  });
});

describe('assertLicensesAllowed', () => {
  const pkg = (name: string, license: string): BundledPackage => ({ name, version: '1.0.0', license, dir: `/nm/${name}` });

  it.each([
    ['MIT', true],
    ['mit', true],
    ['(MIT OR GPL-3.0-only)', true],
    ['GPL-3.0-only OR Apache-2.0', true],
    ['MIT AND ISC', true],
    ['MIT AND GPL-3.0-only', false],
    ['(MIT AND GPL-3.0-only) OR BSD-3-Clause', true],
    ['MIT AND (GPL-3.0-only OR BSD-3-Clause)', true],
    ['MIT OR ISC AND GPL-3.0-only', true],
    ['(MIT OR ISC) AND GPL-3.0-only', false],
    ['Apache-2.0 WITH LLVM-exception', true],
    ['GPL-2.0-only WITH Classpath-exception-2.0', false],
    ['LicenseRef-Proprietary', false],
    ['AGPL-3.0-only', false],
  ])('%s allowed: %s', (license, allowed) => {
    const run = () => assertLicensesAllowed([pkg('a', license)]);
    if (allowed) expect(run).not.toThrow();
    else expect(run).toThrow(`a@1.0.0: ${license} (/nm/a)`);
  });

  it('lists every refused package, and only those', () => {
    const run = () => assertLicensesAllowed([pkg('ok', 'MIT'), pkg('gpl', 'GPL-3.0-only'), pkg('agpl', 'AGPL-3.0-only'), pkg('bad', 'not (valid')]);
    expect(run).toThrow(/3 bundled package\(s\)[^]*gpl@1\.0\.0: GPL-3\.0-only[^]*agpl@1\.0\.0: AGPL-3\.0-only[^]*bad@1\.0\.0: not \(valid/);
    expect(run).not.toThrow(/ok@/);
  });

  it('takes the allowed list as a parameter', () => {
    expect(() => assertLicensesAllowed([pkg('a', 'MPL-2.0')], ['MPL-2.0'])).not.toThrow();
    expect(() => assertLicensesAllowed([pkg('a', 'MIT')], ['Apache-2.0'])).toThrow(/a@1\.0\.0: MIT/);
  });
});

describe('renderNotices', () => {
  function fixturePackages(): BundledPackage[] {
    tree({
      'node_modules/@aws-sdk/client-kms/package.json': manifest('@aws-sdk/client-kms', '3.1.0', 'Apache-2.0'),
      'node_modules/@aws-sdk/client-kms/LICENSE': 'Apache License text\r\nline two   \r\n\r\n',
      'node_modules/@aws-sdk/client-kms/NOTICE': 'AWS SDK for JavaScript\nCopyright Amazon.com, Inc.',
      'node_modules/@aws-sdk/client-kms/README.md': 'not a licence',
      'node_modules/@aws-sdk/client-kms/license.js': 'module.exports = "code, not a licence file"',
      'node_modules/@aws-sdk/client-kms/LICENSES/extra.txt': 'in a sub-folder',
      'node_modules/tslib/package.json': manifest('tslib', '2.8.1', '0BSD'),
      'node_modules/tslib/LICENSE.txt': '\uFEFFCopyright (c) Microsoft Corporation.',
      'node_modules/tslib/CopyrightNotice.txt': '/* Copyright (c) Microsoft */',
      'node_modules/gpl-choice/package.json': manifest('gpl-choice', '1.0.0', '(MIT OR GPL-2.0)'),
      'node_modules/gpl-choice/COPYING': 'GPL text',
      'node_modules/gpl-choice/Licence.md': 'MIT text',
      'node_modules/bare/package.json': manifest('bare', '0.0.1', 'MIT-0'),
      'node_modules/@aws-sdk/nested-clients/package.json': manifest('@aws-sdk/nested-clients', '3.2.0', 'Apache-2.0'),
    });
    return bundledPackages(
      metafile({
        'node_modules/tslib/tslib.js': 1,
        'node_modules/bare/index.js': 1,
        'node_modules/gpl-choice/index.js': 1,
        'node_modules/@aws-sdk/client-kms/dist-cjs/index.js': 1,
        'node_modules/@aws-sdk/nested-clients/dist-cjs/index.js': 1,
      }),
      root,
      'out/index.js',
    );
  }

  it('names the bundle, lists the packages, then gives each its licence and notice files in full', () => {
    const text = renderNotices(fixturePackages(), { bundle: 'dist/lambda/rule/index.js' });
    const rule = '='.repeat(80);
    expect(text).toBe(
      [
        'Third-party notices for dist/lambda/rule/index.js',
        '',
        'dist/lambda/rule/index.js includes code from the following 5 third-party package(s).',
        'Their licence and notice files follow, as each package ships them.',
        '',
        '- @aws-sdk/client-kms@3.1.0 — Apache-2.0',
        '- @aws-sdk/nested-clients@3.2.0 — Apache-2.0',
        '- bare@0.0.1 — MIT-0',
        '- gpl-choice@1.0.0 — (MIT OR GPL-2.0)',
        '- tslib@2.8.1 — 0BSD',
        '',
        rule,
        '@aws-sdk/client-kms@3.1.0 — Apache-2.0',
        rule,
        '',
        '--- LICENSE ---',
        '',
        'Apache License text',
        'line two',
        '',
        '--- NOTICE ---',
        '',
        'AWS SDK for JavaScript',
        'Copyright Amazon.com, Inc.',
        '',
        rule,
        '@aws-sdk/nested-clients@3.2.0 — Apache-2.0',
        rule,
        '',
        'This package ships no licence file. Its package.json declares the licence: Apache-2.0.',
        'The text of Apache-2.0 is in this file, in the section of @aws-sdk/client-kms@3.1.0.',
        '',
        rule,
        'bare@0.0.1 — MIT-0',
        rule,
        '',
        'This package ships no licence file. Its package.json declares the licence: MIT-0.',
        '',
        rule,
        'gpl-choice@1.0.0 — (MIT OR GPL-2.0)',
        rule,
        '',
        '--- COPYING ---',
        '',
        'GPL text',
        '',
        '--- Licence.md ---',
        '',
        'MIT text',
        '',
        rule,
        'tslib@2.8.1 — 0BSD',
        rule,
        '',
        '--- CopyrightNotice.txt ---',
        '',
        '/* Copyright (c) Microsoft */',
        '',
        '--- LICENSE.txt ---',
        '',
        'Copyright (c) Microsoft Corporation.',
        '',
      ].join('\n'),
    );
  });

  it('says so when a bundle includes no third-party package', () => {
    expect(renderNotices([], { bundle: 'dist/lambda/x/index.js' })).toBe('Third-party notices for dist/lambda/x/index.js\n\ndist/lambda/x/index.js includes no third-party package.\n');
  });

  it('gives the same bytes whatever order the packages and directory entries come in, and names no local path', () => {
    const packages = fixturePackages();
    const files = {
      readFile: (path: string) => readFileSync(path, 'utf8'),
      listDir: (dir: string) => ['README.md', 'NOTICE', 'LICENSE', 'package.json'].filter((n) => dir.endsWith('client-kms') || n === 'package.json'),
    };
    const forward = renderNotices(packages, { bundle: 'b', files });
    const reversed = renderNotices([...packages].reverse(), {
      bundle: 'b',
      files: { ...files, listDir: (dir) => [...files.listDir(dir)].reverse() },
    });
    expect(reversed).toBe(forward);
    expect(forward).not.toContain(root);
  });
});

describe('the rule Lambda bundled with esbuild', () => {
  const projectRoot = join(__dirname, '..', '..');
  const installedVersion = (name: string) =>
    (JSON.parse(readFileSync(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

  it('lists the SDK client and Powertools at their installed versions, all allowed, with the SDK’s Apache-2.0 text', async () => {
    const outfile = 'dist/lambda/rule/index.js';
    const result = await build({
      entryPoints: ['rule/handler.ts'],
      absWorkingDir: projectRoot,
      outfile,
      write: false,
      metafile: true,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      minify: true,
      logLevel: 'silent',
    });
    const packages = bundledPackages(result.metafile, projectRoot, outfile);
    const versions = new Map(packages.map((p) => [p.name, p.version]));
    expect(versions.get('@aws-sdk/client-config-service')).toBe(installedVersion('@aws-sdk/client-config-service'));
    expect(versions.get('@aws-lambda-powertools/logger')).toBe(installedVersion('@aws-lambda-powertools/logger'));
    expect(() => assertLicensesAllowed(packages)).not.toThrow();

    const text = renderNotices(packages, { bundle: outfile });
    const section = text.split('='.repeat(80)).findIndex((part) => part.trim() === `@aws-sdk/client-config-service@${versions.get('@aws-sdk/client-config-service')} — Apache-2.0`);
    expect(section).toBeGreaterThan(0);
    expect(text.split('='.repeat(80))[section + 1]).toContain(APACHE_HEADING);
  });
});
