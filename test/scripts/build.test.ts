import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataSourcePackages } from '../../scripts/build-lambdas';
import { entryPoints } from '../../scripts/build';

const ROOT = join(__dirname, '..', '..');

describe('the build', () => {
  it('prunes from the modules users load: the exports map targets and the compiled CLI the bin requires', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Parameters<typeof entryPoints>[0];
    expect(entryPoints(pkg)).toEqual({
      js: ['cli/main.js', 'engine/index.js', 'infra/index.js', 'infra/checks/nag-pack.js'],
      dts: ['engine/index.d.ts', 'infra/index.d.ts', 'infra/checks/nag-pack.d.ts'],
    });
    expect(readFileSync(join(ROOT, 'bin', 'kms-policy-guard.js'), 'utf8')).toContain("require('../dist/cli/main.js')");
  });

  it('the generated KMS action data is credited to the package it comes from, at the version installed', () => {
    const source = (JSON.parse(readFileSync(join(ROOT, 'engine', 'data', 'kms-actions.json'), 'utf8')) as { source: string }).source;
    const [pkg] = dataSourcePackages(['engine/data/kms-actions.json', 'engine/actions.ts']);
    expect(`${pkg?.name}@${pkg?.version}`).toBe(source);
    expect(pkg?.license).toBe('MIT');
    expect(dataSourcePackages(['rule/handler.ts'])).toEqual([]);
  });
});
