/**
 * The package's software bill of materials (CycloneDX, `dist/sbom.cdx.json`): what ships, and nothing else.
 * `npm sbom --package-lock-only` lists every package of the lockfile, build tools included (with `--omit dev`
 * it also drops the runtime dependencies' own dependencies, so it is not used). This keeps the components a
 * user of the package runs: the runtime dependencies (lockfile entries not marked dev) and the packages
 * inlined into the Lambda bundles, each of those marked with the bundles that contain it.
 */
import type { BundledPackage } from './third-party-notices';

export const BUNDLED_IN_PROPERTY = 'kms-policy-guard:bundled-in';

interface Component {
  'bom-ref': string;
  name: string;
  version: string;
  properties?: { name: string; value: string }[];
  [key: string]: unknown;
}

export interface CycloneDx {
  metadata: { component: { name: string; [key: string]: unknown }; [key: string]: unknown };
  components: Component[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
  [key: string]: unknown;
}

interface LockFile {
  packages: Record<string, { name?: string; version?: string; dev?: boolean; devOptional?: boolean; link?: boolean }>;
}

/** `name@version` of every lockfile package a production install gets (not dev, not dev-optional). */
export function runtimeRefs(lock: LockFile): Set<string> {
  const refs = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev === true || entry.devOptional === true || entry.link === true) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    refs.add(`${name}@${entry.version ?? ''}`);
  }
  return refs;
}

/**
 * The SBOM of what ships, from npm's full one. A bundled package npm's SBOM does not list (the bundle was built
 * from something other than the lockfile's install) is an error: the SBOM would be incomplete.
 */
export function shippedSbom(
  full: CycloneDx,
  lock: LockFile,
  pkg: { name: string },
  bundles: readonly { file: string; packages: readonly BundledPackage[] }[],
): CycloneDx {
  const bundledIn = new Map<string, string[]>();
  for (const bundle of bundles) {
    for (const p of bundle.packages) bundledIn.set(`${p.name}@${p.version}`, [...(bundledIn.get(`${p.name}@${p.version}`) ?? []), bundle.file]);
  }
  const missing = [...bundledIn.keys()].filter((ref) => !full.components.some((c) => c['bom-ref'] === ref));
  if (missing.length > 0) {
    throw new Error(`the SBOM from npm sbom does not list these bundled packages: ${missing.join(', ')} (is node_modules the lockfile's install? run npm ci)`);
  }
  const runtime = runtimeRefs(lock);
  const components = full.components
    .filter((c) => runtime.has(c['bom-ref']) || bundledIn.has(c['bom-ref']))
    .map((c) => {
      const files = bundledIn.get(c['bom-ref']) ?? [];
      return files.length === 0 ? c : { ...c, properties: [...(c.properties ?? []), ...files.map((value) => ({ name: BUNDLED_IN_PROPERTY, value }))] };
    });
  const kept = new Set([full.metadata.component['bom-ref'] as string, ...components.map((c) => c['bom-ref'])]);
  const dependencies = (full.dependencies ?? [])
    .filter((d) => kept.has(d.ref))
    .map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((ref) => kept.has(ref)) }));
  // npm names the root component after the folder it ran in; the package's own name is what identifies it.
  return { ...full, metadata: { ...full.metadata, component: { ...full.metadata.component, name: pkg.name } }, components, dependencies };
}
