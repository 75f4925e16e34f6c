import { BUNDLED_IN_PROPERTY, runtimeRefs, shippedSbom, type CycloneDx } from '../../scripts/sbom';

const component = (ref: string): CycloneDx['components'][number] => {
  const at = ref.lastIndexOf('@');
  return { 'bom-ref': ref, name: ref.slice(0, at), version: ref.slice(at + 1), type: 'library', properties: [] };
};

const full: CycloneDx = {
  bomFormat: 'CycloneDX',
  metadata: { component: { 'bom-ref': 'kms-policy-guard@0.2.0', name: 'checkout-folder' } },
  components: ['commander@14.0.3', 'tslib@2.8.1', 'jest@29.7.0', '@aws-lambda-powertools/logger@2.36.0', 'esbuild@0.28.2'].map(component),
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

  const sbom = shippedSbom(full, lock, { name: 'kms-policy-guard' }, [
    { file: 'dist/lambda/rule/index.js', packages: [logger] },
    { file: 'dist/lambda/remediation/index.js', packages: [logger] },
  ]);

  it('keeps runtime dependencies and bundled packages, drops build tools', () => {
    expect(sbom.components.map((c) => c['bom-ref']).sort()).toEqual(['@aws-lambda-powertools/logger@2.36.0', 'commander@14.0.3', 'tslib@2.8.1']);
  });

  it('marks each bundled package with every bundle that contains it', () => {
    const bundled = sbom.components.find((c) => c.name === '@aws-lambda-powertools/logger');
    expect(bundled?.properties).toEqual([
      { name: BUNDLED_IN_PROPERTY, value: 'dist/lambda/rule/index.js' },
      { name: BUNDLED_IN_PROPERTY, value: 'dist/lambda/remediation/index.js' },
    ]);
    expect(sbom.components.find((c) => c.name === 'commander')?.properties).toEqual([]);
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
