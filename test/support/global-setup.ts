/**
 * Once per `jest` run: the package build (`npm run build`: compiled sources, Lambda bundles, SBOM), so the
 * bin the tests run and the bundles the synthesized constructs deploy come from the sources under test, never
 * from a stale build.
 */
import { build } from '../../scripts/build';

export default async function globalSetup(): Promise<void> {
  await build();
}
