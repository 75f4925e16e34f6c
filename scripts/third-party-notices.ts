/**
 * The third-party notices of a Lambda bundle: which npm packages esbuild inlined into it (from its metafile),
 * under which licences, and the full text of each package's licence and NOTICE files.
 * The build writes the result as THIRD-PARTY-NOTICES.txt beside each bundle. It fails closed: a package
 * whose licence cannot be read, or is not on the allowed list, stops the build.
 */
import type { Metafile } from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One npm package whose code is in a bundle. */
export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** The SPDX licence expression its package.json declares (an old `licenses` array joined with OR). */
  readonly license: string;
  /** The package's directory, absolute: where its package.json and licence files are. */
  readonly dir: string;
}

/** The file access renderNotices and bundledPackages need; tests pass a fake, the build the real file system. */
export interface PackageFiles {
  readFile(path: string): string;
  /** The names of the regular files directly inside `dir` (not sub-folders). */
  listDir(dir: string): string[];
}

export const nodePackageFiles: PackageFiles = {
  readFile: (path) => readFileSync(path, 'utf8'),
  listDir: (dir) => readdirSync(dir).filter((name) => statSync(join(dir, name)).isFile()),
};

/** Permissive licences whose terms a bundle meets by shipping the notices file. */
export const ALLOWED_LICENSES: readonly string[] = [
  'Apache-2.0',
  'MIT',
  // MIT No Attribution (Powertools for AWS Lambda): MIT without even the notice requirement.
  'MIT-0',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Unlicense',
];

// ---------------------------------------------------------------------------------------------------------------
// Which packages are in the bundle

/**
 * The third-party packages whose code is in a bundle, sorted by name then version.
 * With `output` (the output's key in the metafile, e.g. `dist/lambda/rule/index.js`), only the input files
 * that contribute bytes to that output count, so code esbuild tree-shook away does not; without it, every
 * file esbuild read counts (a superset). `projectRoot` is the directory the metafile's paths are relative to
 * (esbuild's working directory). Throws, naming each package and its directory, when a package.json cannot be
 * read or declares no usable licence.
 */
export function bundledPackages(metafile: Metafile, projectRoot: string, output?: string, files: PackageFiles = nodePackageFiles): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of includedInputs(metafile, output)) {
    const dir = packageDirOf(input, projectRoot);
    if (dir !== undefined) dirs.add(dir);
  }
  const problems: string[] = [];
  const byKey = new Map<string, BundledPackage>();
  for (const dir of [...dirs].sort(byCodeUnits)) {
    try {
      const found = readPackage(dir, files);
      const key = `${found.name}@${found.version} ${found.license}`;
      // The same name and version installed twice (nested copies) is the same code under the same licence.
      if (!byKey.has(key)) byKey.set(key, found);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `cannot license ${problems.length} bundled package(s); a bundle must not ship code it cannot license:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return [...byKey.values()].sort(byNameThenVersion);
}

function includedInputs(metafile: Metafile, output: string | undefined): string[] {
  if (output === undefined) return Object.keys(metafile.inputs);
  const found = metafile.outputs[output];
  if (found === undefined) {
    const known = Object.keys(metafile.outputs).join(', ') || 'none';
    throw new Error(`the metafile has no output '${output}' (its outputs: ${known}); pass the output's path relative to esbuild's working directory`);
  }
  return Object.entries(found.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
}

/**
 * The directory of the package an input file belongs to, or undefined for the project's own sources.
 * The package is the one under the LAST node_modules segment, so nested copies
 * (`node_modules/a/node_modules/b/x.js`) and pnpm's store (`node_modules/.pnpm/b@1/node_modules/b/x.js`)
 * resolve to the copy actually bundled.
 */
function packageDirOf(input: string, projectRoot: string): string | undefined {
  // esbuild's key for a module replaced by an empty one (a `browser` field mapping it to false): no code of it ships.
  if (input.startsWith('(disabled):')) return undefined;
  const segments = input.split(/[\\/]/);
  const last = segments.lastIndexOf('node_modules');
  if (last < 0) {
    const root = resolve(projectRoot);
    const absolute = resolve(root, input);
    if (absolute === root || absolute.startsWith(join(root, '/'))) return undefined;
    throw new Error(
      `bundled file '${input}' is neither a project source (under ${projectRoot}) nor in a node_modules package, so its licence is unknown; ` +
        'install it as a package or move it into the project',
    );
  }
  const scopeOrName = segments[last + 1];
  const nameLength = scopeOrName?.startsWith('@') === true ? 2 : 1;
  const packageSegments = segments.slice(0, last + 1 + nameLength);
  const name = segments.slice(last + 1, last + 1 + nameLength);
  const wellFormed =
    scopeOrName !== undefined &&
    !scopeOrName.startsWith('.') &&
    name.length === nameLength &&
    name.every((segment) => segment !== '') &&
    segments.length > packageSegments.length;
  if (!wellFormed) {
    throw new Error(`bundled file '${input}' is under node_modules but not inside a package directory (node_modules/<name>/… or node_modules/@scope/<name>/…)`);
  }
  return resolve(projectRoot, packageSegments.join('/'));
}

function readPackage(dir: string, files: PackageFiles): BundledPackage {
  const path = join(dir, 'package.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(files.readFile(path));
  } catch (error) {
    throw new Error(`${path}: cannot read the package's package.json (${(error as Error).message})`);
  }
  if (!isRecord(manifest) || typeof manifest['name'] !== 'string' || typeof manifest['version'] !== 'string') {
    throw new Error(`${path}: package.json has no string "name" and "version"`);
  }
  const name = manifest['name'];
  const version = manifest['version'];
  const license = declaredLicense(manifest);
  const where = `${name}@${version} (${dir})`;
  if (license === undefined) throw new Error(`${where}: package.json declares no licence (neither "license" nor "licenses")`);
  if (/^unlicensed$/i.test(license)) throw new Error(`${where}: licence is UNLICENSED, so its authors grant no right to redistribute it`);
  const problem = licenseExpressionProblem(license);
  if (problem !== undefined) {
    throw new Error(`${where}: licence '${license}' is not an SPDX expression (${problem}); read the package's terms and replace the dependency or vendor it with a reviewed licence`);
  }
  return { name, version, license, dir };
}

/** The `license` field (string, or the old `{ type }` object), else the old `licenses` array as an OR of its entries. */
function declaredLicense(manifest: Record<string, unknown>): string | undefined {
  const single = licenseName(manifest['license']);
  if (single !== undefined) return single;
  const list = manifest['licenses'];
  if (!Array.isArray(list)) return undefined;
  const names = list.map(licenseName);
  if (names.length === 0 || names.some((n) => n === undefined)) return undefined;
  // npm documents a `licenses` array as a choice among licences: `(A OR B)`.
  return names.length === 1 ? names[0] : names.map((n) => `(${n})`).join(' OR ');
}

function licenseName(value: unknown): string | undefined {
  const text = isRecord(value) ? value['type'] : value;
  return typeof text === 'string' && text.trim() !== '' ? text.trim() : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// SPDX licence expressions

type LicenseExpression =
  | { readonly kind: 'license'; readonly id: string; readonly exception?: string }
  | { readonly kind: 'and' | 'or'; readonly left: LicenseExpression; readonly right: LicenseExpression };

const LICENSE_ID = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?(?:LicenseRef-)?[A-Za-z0-9][A-Za-z0-9.-]*\+?$/;
const OPERATORS = new Set(['AND', 'OR', 'WITH', 'and', 'or', 'with']);

/** Parses an SPDX licence expression (ids, AND, OR, WITH, parentheses; AND binds tighter than OR). Throws with the reason. */
function parseLicenseExpression(text: string): LicenseExpression {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const isOperator = (token: string | undefined, op: string): boolean => token === op || token === op.toLowerCase();
  const identifier = (what: string): string => {
    const token = tokens[at];
    if (token === undefined) throw new Error(`expected ${what} at the end`);
    if (OPERATORS.has(token) || !LICENSE_ID.test(token)) throw new Error(`'${token}' is not ${what}`);
    at += 1;
    return token;
  };
  const atom = (): LicenseExpression => {
    if (peek() === '(') {
      at += 1;
      const inner = or();
      if (peek() !== ')') throw new Error('a parenthesis is not closed');
      at += 1;
      return inner;
    }
    const id = identifier('a licence id');
    if (!isOperator(peek(), 'WITH')) return { kind: 'license', id };
    at += 1;
    return { kind: 'license', id, exception: identifier('a licence exception id') };
  };
  const and = (): LicenseExpression => {
    let left = atom();
    while (isOperator(peek(), 'AND')) {
      at += 1;
      left = { kind: 'and', left, right: atom() };
    }
    return left;
  };
  const or = (): LicenseExpression => {
    let left = and();
    while (isOperator(peek(), 'OR')) {
      at += 1;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const expression = or();
  if (at < tokens.length) throw new Error(`unexpected '${tokens[at]}'`);
  return expression;
}

function licenseExpressionProblem(text: string): string | undefined {
  try {
    parseLicenseExpression(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Whether the terms of an expression can be met with allowed licences: one side of an OR, both sides of an AND. */
function satisfiedBy(expression: LicenseExpression, allowed: ReadonlySet<string>): boolean {
  switch (expression.kind) {
    // SPDX exceptions only add permissions, so `A WITH E` is acceptable whenever A is.
    case 'license':
      return allowed.has(expression.id.toLowerCase());
    case 'and':
      return satisfiedBy(expression.left, allowed) && satisfiedBy(expression.right, allowed);
    case 'or':
      return satisfiedBy(expression.left, allowed) || satisfiedBy(expression.right, allowed);
  }
}

/**
 * Throws, listing every package whose licence is outside `allowed` (SPDX ids, compared case-insensitively).
 * `(A OR B)` passes when either is allowed; `A AND B` needs both.
 */
export function assertLicensesAllowed(packages: readonly BundledPackage[], allowed: readonly string[] = ALLOWED_LICENSES): void {
  const allowedSet = new Set(allowed.map((id) => id.toLowerCase()));
  const refused = packages.filter((p) => {
    const problem = licenseExpressionProblem(p.license);
    return problem !== undefined || !satisfiedBy(parseLicenseExpression(p.license), allowedSet);
  });
  if (refused.length === 0) return;
  throw new Error(
    `${refused.length} bundled package(s) have a licence outside the allowed list (${allowed.join(', ')}):\n` +
      refused.map((p) => `  - ${p.name}@${p.version}: ${p.license} (${p.dir})`).join('\n') +
      '\nReview each licence; replace the dependency, or add the licence to the allowed list once it is cleared for redistribution.',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The notices text

/** LICENSE*, LICENCE*, COPYING*, COPYRIGHT* (tslib's CopyrightNotice.txt) and NOTICE* (Apache-2.0 §4(d)) files. */
const NOTICE_FILE = /^(?:licen[cs]e|copying|copyright|notice)/i;
const LICENSE_FILE = /^(?:licen[cs]e|copying)/i;
const CODE_FILE = /\.(?:[cm]?[jt]s|json|map)$/i;
const RULE = '='.repeat(80);

export interface NoticesOptions {
  /** Which bundle the notices are for, as the header names it, e.g. `dist/lambda/rule/index.js`. */
  readonly bundle: string;
  readonly files?: PackageFiles;
}

/**
 * The THIRD-PARTY-NOTICES.txt text for a bundle: a list of its packages, then for each the full text of its
 * licence and notice files (or an explicit line saying it ships none). Byte-identical for the same inputs:
 * no dates, no absolute paths, files in code-unit order, line endings normalised.
 */
export function renderNotices(packages: readonly BundledPackage[], options: NoticesOptions): string {
  const files = options.files ?? nodePackageFiles;
  const sorted = [...packages].sort(byNameThenVersion);
  if (sorted.length === 0) return `Third-party notices for ${options.bundle}\n\n${options.bundle} includes no third-party package.\n`;
  const shipped = sorted.map((pkg) => ({ pkg, names: noticeFileNames(pkg, files) }));
  const header = [
    `Third-party notices for ${options.bundle}`,
    '',
    `${options.bundle} includes code from the following ${sorted.length} third-party package(s).`,
    'Their licence and notice files follow, as each package ships them.',
    '',
    ...sorted.map((p) => `- ${title(p)}`),
  ];
  const sections = shipped.map(({ pkg, names }) => {
    const body =
      names.length > 0
        ? names.map((name) => `--- ${name} ---\n\n${normalisedText(files.readFile(join(pkg.dir, name)))}`).join('\n\n')
        : missingLicenseFile(pkg, shipped);
    return [RULE, title(pkg), RULE, '', body].join('\n');
  });
  return `${[header.join('\n'), ...sections].join('\n\n')}\n`;
}

function noticeFileNames(pkg: BundledPackage, files: PackageFiles): string[] {
  return files
    .listDir(pkg.dir)
    .filter((name) => NOTICE_FILE.test(name) && !CODE_FILE.test(name))
    .sort(byCodeUnits);
}

/**
 * What to say for a package that ships no licence file. Some AWS SDK packages ship none although Apache-2.0
 * §4(a) asks that recipients get a copy of the licence: point to a package in the same file whose licence
 * file carries that text.
 */
function missingLicenseFile(pkg: BundledPackage, shipped: readonly { pkg: BundledPackage; names: readonly string[] }[]): string {
  const said = `This package ships no licence file. Its package.json declares the licence: ${pkg.license}.`;
  const single = licenseExpressionProblem(pkg.license) === undefined ? parseLicenseExpression(pkg.license) : undefined;
  const sameText = shipped.find(
    (other) =>
      single?.kind === 'license' &&
      single.exception === undefined &&
      other.pkg.license.toLowerCase() === single.id.toLowerCase() &&
      other.names.some((name) => LICENSE_FILE.test(name)),
  );
  return sameText === undefined ? said : `${said}\nThe text of ${pkg.license} is in this file, in the section of ${sameText.pkg.name}@${sameText.pkg.version}.`;
}

function title(pkg: BundledPackage): string {
  return `${pkg.name}@${pkg.version} — ${pkg.license}`;
}

function normalisedText(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/^\n+|\n+$/g, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Ordering (code units, not locale, so every machine sorts alike)

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNameThenVersion(a: BundledPackage, b: BundledPackage): number {
  return byCodeUnits(a.name, b.name) || compareVersions(a.version, b.version) || byCodeUnits(a.dir, b.dir);
}

/** Semver order for `x.y.z[-pre]`, numeric parts as numbers; anything else falls back to code-unit order. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string) => /^(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?/.exec(v);
  const pa = parse(a);
  const pb = parse(b);
  if (pa === null || pb === null) return byCodeUnits(a, b);
  for (const i of [1, 2, 3]) {
    const diff = Number(pa[i]) - Number(pb[i]);
    if (diff !== 0) return diff;
  }
  const [preA, preB] = [pa[4], pb[4]];
  // A release sorts after its pre-releases.
  if (preA === undefined || preB === undefined) return preA === preB ? byCodeUnits(a, b) : preA === undefined ? 1 : -1;
  return byCodeUnits(preA, preB) || byCodeUnits(a, b);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
