/**
 * The package as a user gets it. The repository's files (tracked and new, as a fresh clone would have them) are
 * copied to a temporary folder and packed with `npm pack`, which runs the build (`prepare`); the tarball is
 * installed into a new, empty project with `npm install` (from the npm cache when it can), beside the
 * aws-cdk-lib and constructs versions this repository pins. Then, in that project only:
 *   (a) `npx kms-policy-guard check` judges a policy file: the expected finding and exit code;
 *   (b) a CDK app importing `KmsKeyPolicyRule` from `kms-policy-guard/cdk` synthesizes the rule and its
 *       function, whose asset is the prebuilt handler bundle the package ships; `KmsPolicyGuardAspect` flags a
 *       key at synth; `kms-policy-guard/cdk-nag` needs cdk-nag, which the consumer installs only if it uses it;
 *   (c) the engine API loads with `require` and with `import`, and type-checks from .cts and .mts files.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const SETUP_TIMEOUT_MS = 6 * 60_000;

const work = mkdtempSync(join(tmpdir(), 'kpg-package-'));
const src = join(work, 'src');
const app = join(work, 'app');
let tarball = '';
let packed: string[] = [];

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', npm_config_update_notifier: 'false', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function pinnedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

const POLICY_FULL_ACCESS = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
};
const POLICY_CLEAN = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/KeyAdmin' }, Action: ['kms:Describe*', 'kms:Put*'], Resource: '*' },
  ],
};

beforeAll(() => {
  // A clone's files: tracked plus new ones not ignored (dist/, node_modules/ and cdk.out/ are ignored).
  const files = ok(run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], REPO), 'git ls-files').split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(REPO, f))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(src, f)), { recursive: true });
    cpSync(join(REPO, f), join(src, f));
  }
  // The build tools, as `npm ci` would have installed them.
  symlinkSync(join(REPO, 'node_modules'), join(src, 'node_modules'), 'dir');
  const pack = ok(run('npm', ['pack', '--pack-destination', work], src), 'npm pack');
  tarball = join(work, pack.trim().split('\n').pop() ?? '');
  packed = ok(run('tar', ['-tzf', tarball], work), 'tar').split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  ok(
    run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `aws-cdk-lib@${pinnedVersion('aws-cdk-lib')}`, `constructs@${pinnedVersion('constructs')}`],
      app,
    ),
    'npm install of the packed tarball',
  );
  writeFileSync(join(app, 'full-access.json'), JSON.stringify(POLICY_FULL_ACCESS));
  writeFileSync(join(app, 'clean.json'), JSON.stringify(POLICY_CLEAN));
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships the compiled code, declarations, Lambda bundles with their notices, the SBOM and the licence; no sources, tests or build scripts', () => {
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'bin/kms-policy-guard.js',
      'dist/engine/index.js',
      'dist/engine/index.d.ts',
      'dist/infra/index.js',
      'dist/infra/index.d.ts',
      'dist/infra/checks/nag-pack.js',
      'dist/infra/checks/nag-pack.d.ts',
      'dist/cli/main.js',
      'dist/lambda/rule/index.js',
      'dist/lambda/rule/THIRD-PARTY-NOTICES.txt',
      'dist/lambda/remediation/index.js',
      'dist/lambda/remediation/THIRD-PARTY-NOTICES.txt',
      'dist/sbom.cdx.json',
      'dist/THIRD-PARTY-NOTICES.txt',
      'conformance-pack/kms-policy-guard-pack.yaml',
    ]) {
      expect(packed).toContain(f);
    }
    expect(packed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(packed.filter((f) => /^(test|scripts|bench|examples|eslint|docs)\//.test(f) || f.startsWith('dist/infra/app.'))).toEqual([]);
  });

  it('each Lambda bundle carries its third-party notices, and the SBOM lists what ships: runtime and bundled packages, no build tools', () => {
    const installed = join(app, 'node_modules', 'kms-policy-guard');
    for (const name of ['rule', 'remediation']) {
      const notices = readFileSync(join(installed, 'dist', 'lambda', name, 'THIRD-PARTY-NOTICES.txt'), 'utf8');
      expect(notices).toContain(`Third-party notices for dist/lambda/${name}/index.js`);
      expect(notices).toMatch(/@aws-sdk\/client-kms@[\d.]+ — Apache-2\.0/);
      expect(notices).toContain('Apache License');
    }
    const sbom = JSON.parse(readFileSync(join(installed, 'dist', 'sbom.cdx.json'), 'utf8')) as {
      bomFormat: string;
      metadata: { component: { name: string } };
      components: { name: string; properties?: { name: string; value: string }[] }[];
    };
    expect([sbom.bomFormat, sbom.metadata.component.name]).toEqual(['CycloneDX', 'kms-policy-guard']);
    const names = sbom.components.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['commander', '@aws-sdk/client-kms', '@aws-lambda-powertools/logger', '@aws-sdk/client-ssm']));
    expect(names.filter((n) => ['jest', 'tsx', 'esbuild', 'typescript', 'aws-cdk-lib'].includes(n))).toEqual([]);
    expect(sbom.components.find((c) => c.name === '@aws-sdk/client-ssm')?.properties).toContainEqual({
      name: 'kms-policy-guard:bundled-in',
      value: 'dist/lambda/remediation/index.js',
    });
  });

  it('every compiled module it ships loads in the consumer: nothing that needs a package it does not install', () => {
    // The cdk-nag pack needs cdk-nag, an optional peer dependency this consumer does not install (see (b)).
    const modules = packed.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && !f.startsWith('dist/lambda/') && f !== 'dist/infra/checks/nag-pack.js');
    expect(modules).toEqual(expect.arrayContaining(['dist/engine/index.js', 'dist/infra/index.js', 'dist/cli/main.js', 'dist/cli/commands/scan.js']));
    // Lambda-only modules (their handlers need Powertools) and the repository's own CDK app (cdk-nag) stay out.
    expect(modules.filter((f) => /^dist\/(rule\/handler|remediation\/handler|remediation\/clients|infra\/build-app)\.js$/.test(f))).toEqual([]);
    const script = `for (const m of ${JSON.stringify(modules)}) require('./node_modules/kms-policy-guard/' + m);`;
    ok(run(process.execPath, ['-e', script], app), 'loading every shipped module');
  });

  it('installs without the build tools: no tsx, esbuild or TypeScript comes with it', () => {
    for (const tool of ['tsx', 'esbuild', 'typescript', 'jest']) expect(existsSync(join(app, 'node_modules', tool))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'kms-policy-guard', 'dist', 'cli', 'main.js'))).toBe(true);
  });
});

describe('(a) npx kms-policy-guard check', () => {
  it('reports ACCOUNT_WIDE_FULL_ACCESS on an account-wide kms:* policy and exits 1', () => {
    const r = run('npx', ['--no-install', 'kms-policy-guard', 'check', '--format', 'json', '--account-id', '111122223333', 'full-access.json'], app);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|is missing/);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { results: { file: string; findings: { checkId: string }[] }[] };
    expect(report.results.map((x) => [x.file, x.findings.map((f) => f.checkId)])).toEqual([['full-access.json', ['ACCOUNT_WIDE_FULL_ACCESS']]]);
  });

  it('exits 0 on a policy that grants nothing account-wide, and --version prints the packed version', () => {
    expect(run('npx', ['--no-install', 'kms-policy-guard', 'check', '--account-id', '111122223333', 'clean.json'], app).status).toBe(0);
    const version = run('npx', ['--no-install', 'kms-policy-guard', '--version'], app);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
  });
});

describe('(b) a CDK app using kms-policy-guard/cdk', () => {
  it('synthesizes the Config rule and its function, deploying the bundle the package ships', () => {
    writeFileSync(
      join(app, 'app.js'),
      [
        "const { App, Stack } = require('aws-cdk-lib');",
        "const { KmsKeyPolicyRule } = require('kms-policy-guard/cdk');",
        "const app = new App({ outdir: 'cdk.out' });",
        "const stack = new Stack(app, 'Consumer', { env: { account: '111122223333', region: 'eu-west-1' } });",
        "new KmsKeyPolicyRule(stack, 'KeyPolicies', { minimumSeverity: 'high' });",
        'app.synth();',
      ].join('\n'),
    );
    ok(run(process.execPath, ['app.js'], app), 'the CDK app');
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'Consumer.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const rules = resources.filter((r) => r.Type === 'AWS::Config::ConfigRule');
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties.Source).toMatchObject({ Owner: 'CUSTOM_LAMBDA' });
    expect(rules[0]?.Properties.InputParameters).toMatchObject({ MinimumSeverity: 'high' });
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map((f) => [f.Properties.Runtime, f.Properties.Handler])).toEqual([['nodejs24.x', 'index.handler']]);

    const assets = readdirSync(join(app, 'cdk.out')).filter((d) => d.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const deployed = readFileSync(join(app, 'cdk.out', assets[0] as string, 'index.js'));
    expect(deployed.equals(readFileSync(join(app, 'node_modules', 'kms-policy-guard', 'dist', 'lambda', 'rule', 'index.js')))).toBe(true);
  });
});

describe('(b) the synth-time checks', () => {
  it('KmsPolicyGuardAspect from kms-policy-guard/cdk flags a default-policy key with an error, without cdk-nag installed', () => {
    writeFileSync(
      join(app, 'aspect-app.js'),
      [
        "const { App, Aspects, Stack } = require('aws-cdk-lib');",
        "const kms = require('aws-cdk-lib/aws-kms');",
        "const { KmsPolicyGuardAspect } = require('kms-policy-guard/cdk');",
        "const app = new App({ outdir: 'cdk.out.aspect' });",
        "new kms.Key(new Stack(app, 'Keys'), 'Key');",
        'Aspects.of(app).add(new KmsPolicyGuardAspect());',
        "const errors = app.synth().getStackByName('Keys').messages.filter((m) => m.level === 'error');",
        'console.log(JSON.stringify(errors.map((m) => String(m.entry.data))));',
      ].join('\n'),
    );
    const errors = JSON.parse(ok(run(process.execPath, ['aspect-app.js'], app), 'the Aspect app')) as string[];
    expect(errors).toEqual([expect.stringContaining('[KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS]')]);
  });

  it('kms-policy-guard/cdk-nag without cdk-nag installed fails to load, naming cdk-nag', () => {
    writeFileSync(join(app, 'nag-probe.cjs'), "require('kms-policy-guard/cdk-nag');");
    const r = run(process.execPath, ['nag-probe.cjs'], app);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Cannot find module 'cdk-nag'");
  });
});

describe('(c) the engine API from CommonJS and ESM', () => {
  const probe = (module: 'cjs' | 'esm'): string =>
    [
      module === 'cjs' ? "const { analyzePolicy, CHECK_IDS } = require('kms-policy-guard');" : "import { analyzePolicy, CHECK_IDS } from 'kms-policy-guard';",
      `const policy = ${JSON.stringify(POLICY_FULL_ACCESS)};`,
      "const result = analyzePolicy(policy, { accountId: '111122223333' });",
      'console.log(JSON.stringify({ findings: result.findings.map((f) => f.checkId), checks: CHECK_IDS.length }));',
    ].join('\n');

  it('import of kms-policy-guard/cdk from ESM gives the constructs', () => {
    writeFileSync(join(app, 'cdk-probe.mjs'), "import { KmsKeyPolicyRule, KmsPolicyGuardRuleStack } from 'kms-policy-guard/cdk';\nconsole.log(typeof KmsKeyPolicyRule, typeof KmsPolicyGuardRuleStack);");
    expect(ok(run(process.execPath, ['cdk-probe.mjs'], app), 'cdk-probe.mjs').trim()).toBe('function function');
  });

  it.each([
    ['require', 'probe.cjs', 'cjs'],
    ['import', 'probe.mjs', 'esm'],
  ] as const)('%s: analyzePolicy finds ACCOUNT_WIDE_FULL_ACCESS and the check catalogue is there', (_how, file, module) => {
    writeFileSync(join(app, file), probe(module));
    const out = JSON.parse(ok(run(process.execPath, [file], app), file)) as { findings: string[]; checks: number };
    expect(out.findings).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    expect(out.checks).toBeGreaterThanOrEqual(10);
  });

  it('files under dist/ are not an API: a deep import is refused by the exports map', () => {
    writeFileSync(join(app, 'deep.cjs'), "require('kms-policy-guard/dist/engine/analyze.js');");
    const r = run(process.execPath, ['deep.cjs'], app);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it.each(['nodenext', 'bundler'])('the declarations resolve through the exports map from .cts and .mts files (moduleResolution %s)', (resolution) => {
    const body = [
      'const result: AnalysisResult = analyzePolicy({}, { accountId: "111122223333" });',
      'const id: CheckId | undefined = result.findings[0]?.checkId;',
      'const props: KmsKeyPolicyRuleProps = { minimumSeverity: "high" };',
      'const catalogue: string[] = CHECKS.map((c) => c.meta.id + c.meta.remediation);',
      'export { id, props, catalogue };',
    ].join('\n');
    writeFileSync(
      join(app, 'types.cts'),
      `import { analyzePolicy, CHECKS, type AnalysisResult, type CheckId } from 'kms-policy-guard';\nimport type { KmsKeyPolicyRuleProps } from 'kms-policy-guard/cdk';\n${body}\n`,
    );
    writeFileSync(
      join(app, 'types.mts'),
      `import { analyzePolicy, CHECKS, type AnalysisResult, type CheckId } from 'kms-policy-guard';\nimport type { KmsKeyPolicyRuleProps } from 'kms-policy-guard/cdk';\n${body}\n`,
    );
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const module = resolution === 'bundler' ? 'preserve' : 'nodenext';
    const args = ['--noEmit', '--strict', '--module', module, '--moduleResolution', resolution, '--target', 'es2022', '--types', 'node', '--typeRoots', join(REPO, 'node_modules', '@types')];
    ok(run(process.execPath, [tsc, ...args, 'types.cts', 'types.mts'], app), 'tsc on the consumer files');
    // And a wrong use is refused, so the check above is not vacuous.
    writeFileSync(join(app, 'wrong.mts'), "import type { KmsKeyPolicyRuleProps } from 'kms-policy-guard/cdk';\nexport const p: KmsKeyPolicyRuleProps = { minimumSeverity: 'LOUD' };\n");
    const wrong = run(process.execPath, [tsc, ...args, 'wrong.mts'], app);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toContain('LOUD');
  });
});
