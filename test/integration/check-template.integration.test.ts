/**
 * `check-template` on real synthesized output: this project's own CDK app (its three stacks, synthesized into a
 * temporary cloud assembly the way test/infra does, asset bundling skipped), a CDK app built here from the
 * aws-kms constructs' common patterns, and the fixture templates of public CloudFormation/CDK/Terraform
 * patterns in every output format.
 */
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { buildApp } from '../../infra/build-app';
import { TEST_CONTEXT } from '../infra/app-fixture';
import { runCli } from '../support/cli';

interface JsonOut {
  results: { file: string; logicalId?: string; cdkPath?: string; stack?: string; error?: string; findings: { checkId: string; path: string }[]; warnings: { code: string }[] }[];
  notes: string[];
}

const FIXTURES = join(__dirname, '..', 'fixtures', 'templates');

describe('check-template on synthesized CDK apps', () => {
  it("judges this project's own app: every stack template read, no key policy to judge, nothing unreadable", async () => {
    const app = new App({ context: TEST_CONTEXT, outdir: mkdtempSync(join(tmpdir(), 'kpg-own-app-')) });
    buildApp(app);
    const assembly = app.synth();
    const templates = readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json'));
    expect(templates.length).toBeGreaterThanOrEqual(3);

    const r = await runCli(['check-template', '--format', 'json', assembly.directory]);
    const out = JSON.parse(r.stdout) as JsonOut;
    // The app deploys the rule and its remediation; it creates no KMS key of its own.
    expect(out.results).toEqual([]);
    expect(out.notes).toContain('no AWS::KMS::Key, AWS::KMS::ReplicaKey, aws_kms_key or aws_kms_key_policy was found in the inputs');
    expect(r.code).toBe(0);
  });

  it('judges the aws-kms construct patterns as synthesized: default policy, grants, admins, and a service principal', async () => {
    // Path metadata is what `cdk synth` adds (aws:cdk:path); check-template reports it as cdkPath.
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'kpg-kms-app-')), context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } });
    const stack = new Stack(app, 'Keys');
    new kms.Key(stack, 'Default', { enableKeyRotation: true });
    const shared = new kms.Key(stack, 'SharedWithPartner', { enableKeyRotation: true });
    shared.grantDecrypt(new iam.AccountPrincipal('444455556666'));
    const imported = iam.Role.fromRoleArn(stack, 'ImportedAdmin', 'arn:aws:iam::111122223333:role/KeyAdmin', { mutable: false });
    new kms.Key(stack, 'WithAdmins', { enableKeyRotation: true, admins: [imported] });
    const topicKey = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
    topicKey.grantEncryptDecrypt(new iam.ServicePrincipal('sns.amazonaws.com'));
    new sns.Topic(stack, 'Topic', { masterKey: topicKey });
    const dir = app.synth().directory;

    const r = await runCli(['check-template', '--format', 'json', '--account-id', '111122223333', dir]);
    const out = JSON.parse(r.stdout) as JsonOut;
    const byPath = Object.fromEntries(out.results.map((x) => [x.cdkPath, [...new Set(x.findings.map((f) => f.checkId))].sort()]));
    expect(byPath).toEqual({
      'Keys/Default/Resource': ['ACCOUNT_WIDE_FULL_ACCESS'],
      'Keys/SharedWithPartner/Resource': ['ACCOUNT_WIDE_FULL_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT'],
      // The imported admin role gets CDK's admin actions, kms:Create* among them, hence CreateGrant for anyone.
      'Keys/WithAdmins/Resource': ['ACCOUNT_WIDE_FULL_ACCESS', 'UNCONSTRAINED_GRANT_CREATION'],
      'Keys/TopicKey/Resource': ['ACCOUNT_WIDE_FULL_ACCESS', 'UNSCOPED_SERVICE_PRINCIPAL'],
    });
    // CDK writes the account as {"Ref": "AWS::AccountId"} inside Fn::Join: resolved, so nothing is left unknown.
    expect(out.results.flatMap((x) => x.warnings.map((w) => w.code))).not.toContain('UNRESOLVED_VALUE');
    expect(out.results.find((x) => x.cdkPath === 'Keys/SharedWithPartner/Resource')?.findings.find((f) => f.checkId === 'UNTRUSTED_CROSS_ACCOUNT')?.path).toMatch(
      /^Resources\.SharedWithPartner[0-9A-F]+\.Properties\.KeyPolicy\.Statement\[1\]\.Principal\.AWS$/,
    );
    expect(r.code).toBe(1);
  });
});

describe('check-template on a synthesized CDK app with nested stacks', () => {
  it('judges the keys of every nested stack under its construct path, and fails closed when a nested template is missing', async () => {
    // The in-process synth writes no aws:asset:path metadata (the CDK CLI turns it on), so the nested templates
    // are found through the asset manifest here; the fixture cdk-nested covers the metadata.
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'kpg-nested-app-')), context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } });
    const parent = new Stack(app, 'Parent');
    const storage = new NestedStack(parent, 'Storage');
    const open = new kms.Key(storage, 'OpenKey', { enableKeyRotation: true });
    open.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['kms:*'], resources: ['*'] }));
    const audit = new NestedStack(storage, 'Audit');
    const auditKey = new kms.Key(audit, 'AuditKey', { enableKeyRotation: true });
    auditKey.grantDecrypt(new iam.AccountPrincipal('444455556666'));
    const dir = app.synth().directory;
    expect(readdirSync(dir).filter((f) => f.endsWith('.nested.template.json'))).toHaveLength(2);

    const r = await runCli(['check-template', '--format', 'json', '--account-id', '111122223333', dir]);
    const out = JSON.parse(r.stdout) as JsonOut;
    const byPath = Object.fromEntries(out.results.map((x) => [x.cdkPath, { stack: x.stack, checks: [...new Set(x.findings.map((f) => f.checkId))].sort() }]));
    expect(byPath).toEqual({
      'Parent/Storage/OpenKey/Resource': { stack: 'Parent/Storage', checks: ['ACCOUNT_WIDE_FULL_ACCESS', 'PUBLIC_ACCESS'] },
      'Parent/Storage/Audit/AuditKey/Resource': { stack: 'Parent/Storage/Audit', checks: ['ACCOUNT_WIDE_FULL_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT'] },
    });
    expect(r.code).toBe(1);

    const nested = readdirSync(dir).find((f) => f.startsWith('ParentStorage') && !f.includes('Audit') && f.endsWith('.nested.template.json')) as string;
    rmSync(join(dir, nested));
    const missing = await runCli(['check-template', '--format', 'json', '--account-id', '111122223333', dir]);
    expect(missing.code).toBe(2);
    expect((JSON.parse(missing.stdout) as JsonOut).results.map((x) => x.error).filter(Boolean)).toEqual([expect.stringContaining(`${nested} cannot be read`) as unknown]);
  });
});

describe('check-template on the fixture templates, end to end', () => {
  const all = ['cloudformation', 'cdk-assembly', join('terraform', 'kms-plan.json')].map((p) => join(FIXTURES, p));

  it('prints a text report naming template, logical id and path, and exits 2 for the policy known only at apply', async () => {
    const r = await runCli(['check-template', '--account-id', '111122223333', ...all]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('logicalId=myReplicaKey');
    expect(r.stdout).toContain('Resources.AppKey.Properties.KeyPolicy.Statement[2].Principal.AWS');
    expect(r.stdout).toMatch(/12 inputs, 11 with findings .*1 unreadable/);
  });

  it('writes SARIF whose results all carry a file and, for templates, a line', async () => {
    const r = await runCli(['check-template', '--format', 'sarif', '--account-id', '111122223333', ...all]);
    const log = JSON.parse(r.stdout) as Log;
    const results = log.runs[0]?.results ?? [];
    expect(results.length).toBeGreaterThan(15);
    for (const x of results) {
      const loc = x.locations?.[0]?.physicalLocation;
      expect(loc?.artifactLocation?.uri).toMatch(/\.(json|yaml)$/);
      expect(loc?.region?.startLine).toBeGreaterThan(0);
    }
    // The policy known only at apply is no result but a notification of the run, at its file.
    const notJudged = (log.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? []).filter((n) => n.descriptor?.id === 'INPUT_NOT_JUDGED');
    expect(notJudged.map((n) => [n.level, n.locations?.[0]?.physicalLocation?.artifactLocation?.uri?.endsWith('.json')])).toEqual([['error', true]]);
    expect(log.runs[0]?.invocations?.[0]?.executionSuccessful).toBe(false);
  });
});
