/**
 * After `tsc`, `dist/` holds every compiled module, including ones only the Lambda bundles use (their
 * handlers import Powertools and SDK clients the package does not install) and the repository's own CDK app
 * (cdk-nag). Shipped, they would be files that cannot load. This keeps what the package's entry points reach:
 * the JavaScript `require`d or `import()`ed from the exports map's and the bin's modules, and the declarations
 * the exported declarations import. Everything under `dist/lambda/` is kept as it is.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A relative module specifier in compiled JavaScript: require('./x'), require("../y"), import('./z.js'). */
const JS_SPECIFIER = /\b(?:require|import)\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*\)/g;
/** In declarations: `from './x'`, `import('./x')`, `import './x'`. */
const DTS_SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

function resolveModule(from: string, specifier: string, extension: '.js' | '.d.ts'): string | undefined {
  const base = resolve(dirname(from), specifier);
  const stem = base.endsWith('.js') ? base.slice(0, -3) : base;
  const candidates = specifier.endsWith('.json') ? [base] : [`${stem}${extension}`, join(base, `index${extension}`)];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Every file reachable from `entries` through relative specifiers; a specifier that resolves to nothing is an error. */
export function reachableFiles(entries: readonly string[], extension: '.js' | '.d.ts'): Set<string> {
  const pattern = extension === '.js' ? JS_SPECIFIER : DTS_SPECIFIER;
  const seen = new Set<string>();
  const queue = [...entries];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith('.json')) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      const specifier = match[2] as string;
      const target = resolveModule(file, specifier, extension);
      if (target === undefined) throw new Error(`${file} imports ${specifier}, which is not in the build`);
      queue.push(target);
    }
  }
  return seen;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * Removes from `dist` the compiled modules (.js, .d.ts, .json) no entry point reaches, and returns them
 * (relative to `dist`). `dist/lambda/` is left alone.
 */
export function pruneDist(dist: string, entries: { js: readonly string[]; dts: readonly string[] }): string[] {
  const keep = new Set([...reachableFiles(entries.js.map((e) => join(dist, e)), '.js'), ...reachableFiles(entries.dts.map((e) => join(dist, e)), '.d.ts')]);
  const removed: string[] = [];
  for (const file of filesUnder(dist)) {
    const rel = relative(dist, file);
    if (rel.startsWith(`lambda${sep}`) || !/\.(js|d\.ts|json)$/.test(file) || keep.has(file) || dirname(rel) === '.') continue;
    rmSync(file);
    removed.push(rel.split(sep).join('/'));
  }
  return removed.sort();
}
