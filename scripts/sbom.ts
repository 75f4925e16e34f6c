/**
 * The package's software bill of materials (CycloneDX, `dist/sbom.cdx.json`): what ships, and nothing else.
 * `npm sbom --package-lock-only` lists every package of the lockfile, build tools included (with `--omit dev`
 * it also drops the runtime dependencies' own dependencies, so it is not used). This keeps the components a
 * user of the package runs: the runtime dependencies (lockfile entries not marked dev) and the packages
 * inlined into the Lambda bundles, each of those marked with the bundles that contain it.
 *
 * The two kinds differ in what the version means, and each component says which it is (SHIPPED_AS_PROPERTY):
 * a bundled package is in the tarball at exactly that version; a dependency is installed by npm from the
 * package's semver range, so the version is the one this build was made and tested with, and an install may
 * resolve a newer one within the range (stated for direct dependencies as VERSION_RANGE_PROPERTY).
 * The document is reproducible: no timestamp, and a serial number derived from its content.
 */
import { createHash } from 'node:crypto';
import type { BundledPackage } from './third-party-notices';

export const BUNDLED_IN_PROPERTY = 'kms-policy-guard:bundled-in';
export const SHIPPED_AS_PROPERTY = 'kms-policy-guard:shipped-as';
export const VERSION_RANGE_PROPERTY = 'kms-policy-guard:version-range';
/** npm marks devDependencies so; a bundled package is deployed code whatever the lockfile calls it. */
const NPM_DEVELOPMENT_PROPERTY = 'cdx:npm:package:development';

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
  pkg: { name: string; dependencies?: Record<string, string> },
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
      const kept = (c.properties ?? []).filter((p) => !(files.length > 0 && p.name === NPM_DEVELOPMENT_PROPERTY));
      const range = pkg.dependencies?.[c.name];
      const properties = [
        ...kept,
        ...(runtime.has(c['bom-ref']) ? [{ name: SHIPPED_AS_PROPERTY, value: 'dependency' }] : []),
        ...(runtime.has(c['bom-ref']) && range !== undefined ? [{ name: VERSION_RANGE_PROPERTY, value: range }] : []),
        ...(files.length > 0 ? [{ name: SHIPPED_AS_PROPERTY, value: 'bundled' }] : []),
        ...files.map((value) => ({ name: BUNDLED_IN_PROPERTY, value })),
      ];
      return { ...c, properties };
    });
  const kept = new Set([full.metadata.component['bom-ref'] as string, ...components.map((c) => c['bom-ref'])]);
  const dependencies = (full.dependencies ?? [])
    .filter((d) => kept.has(d.ref))
    .map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((ref) => kept.has(ref)) }));
  // npm names the root component after the folder it ran in; the package's own name is what identifies it.
  const { timestamp: _timestamp, ...metadata } = full.metadata;
  const { serialNumber: _serial, ...rest } = full;
  const document = { ...rest, metadata: { ...metadata, component: { ...full.metadata.component, name: pkg.name } }, components, dependencies };
  return { serialNumber: contentSerialNumber(document), ...document };
}

/** A CycloneDX serial number (urn:uuid, RFC 4122 version 5 layout) from the document's content: same content, same number. */
export function contentSerialNumber(document: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(document)).digest('hex');
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
