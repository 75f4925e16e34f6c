/**
 * Where the package's own files are, the same whether it runs from its TypeScript sources (`runtime/`, in a
 * clone) or compiled (`dist/runtime/`, in an installed package): the nearest folder above this file that holds
 * a package.json. `dist/` has none of its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest folder at or above `from` that holds a package.json. */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or any folder above it`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** The package's name and version, from its package.json. */
export function packageInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}
