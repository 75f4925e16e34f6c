import { BUNDLED_IN_PROPERTY, runtimeRefs, SHIPPED_AS_PROPERTY, shippedSbom, VERSION_RANGE_PROPERTY, type CycloneDx } from '../../scripts/sbom';

const component = (ref: string): CycloneDx['components'][number] => {
  const at = ref.lastIndexOf('@');
  return { 'bom-ref': ref, name: ref.slice(0, at), version: ref.slice(at + 1), type: 'library', properties: [] };
};

const full: CycloneDx = {
  bomFormat: 'CycloneDX',
  serialNumber: 'urn:uuid:6fe7200f-eb42-4b2d-b607-e4ee34c37b44',
  metadata: { timestamp: '2026-12-05T17:20:14.885Z', component: { 'bom-ref': 'kms-policy-guard@0.2.0', name: 'checkout-folder' } },
  components: ['commander@14.0.3', 'tslib@2.8.1', 'jest@29.7.0', '@aws-lambda-powertools/logger@2.36.0', 'esbuild@0.28.2'].map(component).map((c) =>
    c.name === '@aws-lambda-powertools/logger' || c.name === 'jest' ? { ...c, properties: [{ name: 'cdx:npm:package:development', value: 'true' }] } : c,
  ),
  dependencies: [
    { ref: 'kms-policy-guard@0.2.0', dependsOn: ['commander@14.0.3', 'jest@29.7.0', '@aws-lambda-powertools/logger@2.36.0'] },
    { ref: 'jest@29.7.0', dependsOn: ['tslib@2.8.1'] },
    { ref: 'commander@14.0.3', dependsOn: [] },
  ],
};

const lock = {
  packages: {
    '': { name: 'kms-policy-guard', version: '0.2.0' },
    'node_modules/commander': { version: '14.0.3' },
    'node_modules/tslib': { version: '2.8.1' },
    'node_modules/jest': { version: '29.7.0', dev: true },
    'node_modules/esbuild': { version: '0.28.2', devOptional: true },
    'node_modules/@aws-lambda-powertools/logger': { version: '2.36.0', dev: true },
    'node_modules/local': { version: '1.0.0', link: true },
  },
};

const logger = { name: '@aws-lambda-powertools/logger', version: '2.36.0', license: 'MIT-0', dir: '/x' };

describe('the shipped SBOM', () => {
  it('runtime refs: lockfile packages a production install gets', () => {
    expect([...runtimeRefs(lock)].sort()).toEqual(['commander@14.0.3', 'tslib@2.8.1']);
  });

  const sbom = shippedSbom(full, lock, { name: 'kms-policy-guard', dependencies: { commander: '^14.0.3' } }, [
    { file: 'dist/lambda/rule/index.js', packages: [logger] },
    { file: 'dist/lambda/remediation/index.js', packages: [logger] },
  ]);

  it('keeps runtime dependencies and bundled packages, drops build tools', () => {
    expect(sbom.components.map((c) => c['bom-ref']).sort()).toEqual(['@aws-lambda-powertools/logger@2.36.0', 'commander@14.0.3', 'tslib@2.8.1']);
  });

  it('marks each bundled package with every bundle that contains it, and never as development-only', () => {
    const bundled = sbom.components.find((c) => c.name === '@aws-lambda-powertools/logger');
    expect(bundled?.properties).toEqual([
      { name: SHIPPED_AS_PROPERTY, value: 'bundled' },
      { name: BUNDLED_IN_PROPERTY, value: 'dist/lambda/rule/index.js' },
      { name: BUNDLED_IN_PROPERTY, value: 'dist/lambda/remediation/index.js' },
    ]);
  });

  it('a dependency says npm installs it, with its range when it is a direct dependency', () => {
    expect(sbom.components.find((c) => c.name === 'commander')?.properties).toEqual([
      { name: SHIPPED_AS_PROPERTY, value: 'dependency' },
      { name: VERSION_RANGE_PROPERTY, value: '^14.0.3' },
    ]);
    expect(sbom.components.find((c) => c.name === 'tslib')?.properties).toEqual([{ name: SHIPPED_AS_PROPERTY, value: 'dependency' }]);
  });

  it('is reproducible: no timestamp, and a serial number from the content', () => {
    expect(sbom.metadata).not.toHaveProperty('timestamp');
    expect(sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const again = shippedSbom({ ...full, serialNumber: 'urn:uuid:00000000-0000-4000-8000-000000000000', metadata: { ...full.metadata, timestamp: 'later' } }, lock, { name: 'kms-policy-guard', dependencies: { commander: '^14.0.3' } }, [
      { file: 'dist/lambda/rule/index.js', packages: [logger] },
      { file: 'dist/lambda/remediation/index.js', packages: [logger] },
    ]);
    expect(again).toEqual(sbom);
    const other = shippedSbom(full, lock, { name: 'kms-policy-guard' }, [{ file: 'dist/lambda/rule/index.js', packages: [logger] }]);
    expect(other.serialNumber).not.toBe(sbom.serialNumber);
  });

  it('the dependency graph names only what is kept; the root is named after the package, not the folder', () => {
    expect(sbom.dependencies).toEqual([
      { ref: 'kms-policy-guard@0.2.0', dependsOn: ['commander@14.0.3', '@aws-lambda-powertools/logger@2.36.0'] },
      { ref: 'commander@14.0.3', dependsOn: [] },
    ]);
    expect(sbom.metadata.component.name).toBe('kms-policy-guard');
  });

  it('a bundled package npm sbom does not list is an error naming it, never a shorter SBOM', () => {
    const stray = { name: 'left-pad', version: '1.3.0', license: 'MIT', dir: '/y' };
    expect(() => shippedSbom(full, lock, { name: 'kms-policy-guard' }, [{ file: 'dist/lambda/rule/index.js', packages: [stray] }])).toThrow(
      'does not list these bundled packages: left-pad@1.3.0',
    );
  });
});
