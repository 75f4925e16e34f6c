/**
 * The synth-time checks: the cdk-nag pack (validateScope, as the CDK's validation calls it) and the plain Aspect
 * (annotations), on small apps. Both judge each KMS key resource with the judgement check-template uses.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnParameter, type CfnElement, Fn, NestedStack, Stack, Validations, type Environment, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { runCheckTemplate } from '../../cli/commands/check-template';
import type { CliIo } from '../../cli/io';
import { CHECK, CHECK_IDS } from '../../engine';
import { KmsPolicyGuardAspect, type KmsPolicyGuardCheckProps } from '../../infra';
import { KmsPolicyGuardChecks } from '../../infra/checks/nag-pack';
import { aspect, violation } from '../support/synth-checks';
import { RULE_IDS } from '../../infra/checks/rule-ids';

const OWN = '111122223333';
const OTHER = '444455556666';
const REASON = 'Key administrators are set by SCP; ticket SEC-1234';
const FULL = 'KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS';

function appWith(build: (stack: Stack) => void, env?: Environment): { app: App; stack: Stack } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'kpg-synth-checks-')) });
  const stack = new Stack(app, 'Keys', env === undefined ? {} : { env });
  build(stack);
  return { app, stack };
}

function policy(...statements: iam.PolicyStatement[]): iam.PolicyDocument {
  return new iam.PolicyDocument({ statements });
}

const publicDecrypt = () => new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['kms:Decrypt'], resources: ['*'] });
const cleanPolicy = () =>
  policy(
    new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(`arn:aws:iam::${OWN}:role/KeyAdmin`)], actions: ['kms:Describe*', 'kms:Put*'], resources: ['*'] }),
    new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(`arn:aws:iam::${OWN}:role/App`)], actions: ['kms:Decrypt', 'kms:Encrypt'], resources: ['*'] }),
  );

/** Adds the inline suppression block to the key's CloudFormation resource. */
function suppressInline(key: kms.Key, ...entries: unknown[]): void {
  (key.node.defaultChild as kms.CfnKey).addMetadata('kms-policy-guard', { suppress: entries });
}

function nag(app: App, props: KmsPolicyGuardCheckProps = {}): PolicyValidationPluginReport {
  return new KmsPolicyGuardChecks(app, props).validateScope(app);
}

describe('rule ids', () => {
  it('one rule per check of the catalogue, KmsPolicyGuard-<CHECK_ID>, then UnresolvedValue, NotJudged, InlineSuppression, ExemptionTag and PolicyWarning', () => {
    expect(RULE_IDS).toEqual([
      ...CHECK_IDS.map((id) => `KmsPolicyGuard-${id}`),
      'KmsPolicyGuard-UnresolvedValue',
      'KmsPolicyGuard-NotJudged',
      'KmsPolicyGuard-InlineSuppression',
      'KmsPolicyGuard-ExemptionTag',
      'KmsPolicyGuard-PolicyWarning',
    ]);
    expect(new KmsPolicyGuardChecks().ruleIds).toEqual(RULE_IDS);
  });
});

describe('KmsPolicyGuardChecks (cdk-nag pack)', () => {
  it('a kms.Key with the default policy violates ACCOUNT_WIDE_FULL_ACCESS as an error, at the statement, and fails validation', () => {
    const { app } = appWith((s) => new kms.Key(s, 'Key'), { account: OWN, region: 'eu-west-1' });
    const report = nag(app);
    expect(report.success).toBe(false);
    const full = violation(report, FULL);
    expect(full?.severity).toBe('error');
    expect(full?.violatingResources).toEqual([{ constructPath: 'Keys/Key/Resource', locations: ['Properties.KeyPolicy.Statement[0].Principal.AWS'] }]);
    expect(full?.description).toContain(`Every principal of account ${OWN} may both administer and use this key`);
  });

  it('a CfnKey without KeyPolicy is judged with the KMS default key policy', () => {
    const { app } = appWith((s) => new kms.CfnKey(s, 'Key', {}));
    const full = violation(nag(app), FULL);
    expect(full?.violatingResources.map((r) => r.constructPath)).toEqual(['Keys/Key']);
    expect(full?.description).toContain("stands for the stack's own account");
  });

  it('a clean key violates nothing', () => {
    const { app } = appWith((s) => new kms.Key(s, 'Key', { policy: cleanPolicy() }), { account: OWN, region: 'eu-west-1' });
    expect(nag(app)).toEqual({ success: true, violations: [] });
  });

  it('judges AWS::KMS::ReplicaKey, and keys in nested stacks', () => {
    const { app } = appWith((s) => {
      new kms.CfnReplicaKey(s, 'Replica', { primaryKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/mrk-1', keyPolicy: { Version: '2012-10-17', Statement: [publicDecrypt().toStatementJson()] } });
      new kms.Key(new NestedStack(s, 'Storage'), 'Nested');
    });
    const report = nag(app);
    expect(violation(report, 'KmsPolicyGuard-PUBLIC_ACCESS')?.violatingResources.map((r) => r.constructPath)).toEqual(['Keys/Replica']);
    expect(violation(report, FULL)?.violatingResources.map((r) => r.constructPath)).toEqual(['Keys/Storage/Nested/Resource']);
  });

  it('a principal whose account is a token is judged as an unknown account, and an UnresolvedValue warning names the value and path', () => {
    const { app } = appWith((s) => {
      const account = new CfnParameter(s, 'ReaderAccount');
      new kms.Key(s, 'Key', { policy: policy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(account.valueAsString)], actions: ['kms:Decrypt'], resources: ['*'] })) });
    });
    const report = nag(app);
    expect(violation(report, 'KmsPolicyGuard-UNTRUSTED_CROSS_ACCOUNT')?.severity).toBe('error');
    const unresolved = violation(report, 'KmsPolicyGuard-UnresolvedValue');
    expect(unresolved?.severity).toBe('warning');
    expect(unresolved?.violatingResources[0]?.locations).toEqual(['Properties.KeyPolicy.Statement[0].Principal.AWS']);
    expect(unresolved?.description).toMatch(/Ref ReaderAccount: the parameter has no Default\. Judged as arn:aws:iam::999999999999:root/);
  });

  it('an unresolved value alone is a warning: validation succeeds and the report still names it', () => {
    const { app } = appWith((s) => {
      const role = new iam.Role(s, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
      new kms.Key(s, 'Key', { policy: policy(new iam.PolicyStatement({ principals: [role], actions: ['kms:Describe*'], resources: ['*'] })) });
    }, { account: OWN, region: 'eu-west-1' });
    const report = nag(app);
    expect(report.violations.map((v) => [v.ruleName, v.severity])).toEqual([['KmsPolicyGuard-UnresolvedValue', 'warning']]);
    expect(report.success).toBe(true);
    expect(report.violations[0]?.description).toContain('Fn::GetAtt');
  });

  it('a stack that declares a Transform warns that a macro may rewrite the key, which is judged as written', () => {
    const { app } = appWith((s) => {
      s.addTransform('AWS::Serverless-2016-10-31');
      new kms.Key(s, 'Key', { policy: cleanPolicy() });
    }, { account: OWN, region: 'eu-west-1' });
    const unresolved = violation(nag(app), 'KmsPolicyGuard-UnresolvedValue');
    expect(unresolved?.description).toMatch(/declares Transform AWS::Serverless-2016-10-31; a macro may add, remove or rewrite/);
    expect(unresolved?.violatingResources[0]?.locations).toEqual(['Transform']);
  });

  it('a key whose whole policy is known only at deployment is not judged: a NotJudged error', () => {
    const { app } = appWith((s) => new kms.CfnKey(s, 'Key', { keyPolicy: Fn.importValue('SharedKeyPolicy') }));
    const report = nag(app);
    expect(report.success).toBe(false);
    expect(violation(report, 'KmsPolicyGuard-NotJudged')?.description).toMatch(/Fn::ImportValue SharedKeyPolicy.*the key was not judged/);
  });

  it('an inline suppression with a reason accepts the finding: validation succeeds', () => {
    const { app } = appWith((s) => suppressInline(new kms.Key(s, 'Key'), { id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON }));
    expect(nag(app)).toEqual({ success: true, violations: [] });
  });

  it('an inline suppression without a reason accepts nothing, and an InlineSuppression warning says why', () => {
    const { app } = appWith((s) => suppressInline(new kms.Key(s, 'Key'), { id: 'ACCOUNT_WIDE_FULL_ACCESS' }));
    const report = nag(app);
    expect(report.success).toBe(false);
    expect(violation(report, FULL)?.severity).toBe('error');
    expect(violation(report, 'KmsPolicyGuard-InlineSuppression')?.description).toMatch(/Keys\/Key[0-9A-F]+: Metadata\.kms-policy-guard\.suppress\[0\]\.reason: a reason of at least 10 characters is required/);
  });

  it('an expired inline suppression accepts nothing', () => {
    const { app } = appWith((s) => suppressInline(new kms.Key(s, 'Key'), { id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON, expires: '2020-01-31' }));
    const report = nag(app);
    expect(violation(report, FULL)?.severity).toBe('error');
    expect(violation(report, 'KmsPolicyGuard-InlineSuppression')?.description).toContain('expired on 2020-01-31');
  });

  it('PUBLIC_ACCESS cannot be suppressed inline by default; nonSuppressibleChecks decides', () => {
    const build = (s: Stack) => suppressInline(new kms.Key(s, 'Key', { policy: policy(publicDecrypt()) }), { id: 'PUBLIC_ACCESS', reason: REASON });
    const refused = nag(appWith(build).app);
    expect(violation(refused, 'KmsPolicyGuard-PUBLIC_ACCESS')?.severity).toBe('error');
    expect(violation(refused, 'KmsPolicyGuard-InlineSuppression')?.description).toContain('PUBLIC_ACCESS cannot be suppressed inline');
    expect(violation(nag(appWith(build).app, { nonSuppressibleChecks: [] }), 'KmsPolicyGuard-PUBLIC_ACCESS')).toBeUndefined();
  });

  it('Validations.of(scope).acknowledge({ id, reason }) acknowledges one check, on the key or any scope above it', () => {
    const onKey = appWith((s) => Validations.of(new kms.Key(s, 'Key')).acknowledge({ id: FULL, reason: REASON }));
    expect(nag(onKey.app)).toEqual({ success: true, violations: [] });
    const onStack = appWith((s) => {
      new kms.Key(s, 'Key', { policy: policy(publicDecrypt()) });
      Validations.of(s).acknowledge({ id: FULL, reason: REASON });
    });
    expect(nag(onStack.app).violations.map((v) => v.ruleName)).toEqual(['KmsPolicyGuard-PUBLIC_ACCESS']);
  });

  it('an acknowledgement cannot accept a non-suppressible check (PUBLIC_ACCESS by default) unless the deployer allows it', () => {
    const build = (s: Stack) => {
      const key = new kms.Key(s, 'Key', { policy: policy(publicDecrypt()) });
      Validations.of(key).acknowledge({ id: 'KmsPolicyGuard-PUBLIC_ACCESS', reason: REASON });
    };
    const refused = nag(appWith(build).app);
    expect([refused.success, violation(refused, 'KmsPolicyGuard-PUBLIC_ACCESS')?.severity]).toEqual([false, 'error']);
    expect(violation(nag(appWith(build).app, { nonSuppressibleChecks: [] }), 'KmsPolicyGuard-PUBLIC_ACCESS')).toBeUndefined();
    const { app, stack } = appWith(build);
    expect(aspect(app, stack).errors).toEqual([expect.stringMatching(/^\[KmsPolicyGuard-PUBLIC_ACCESS\] .*acknowledgement refused: PUBLIC_ACCESS is non-suppressible/)]);
    const allowed = appWith(build);
    expect(aspect(allowed.app, allowed.stack, { nonSuppressibleChecks: [] }).errors).toEqual([]);
  });

  it('trustedAccountIds, disabledChecks, minimumSeverity and errorSeverity apply', () => {
    const build = (s: Stack) => new kms.Key(s, 'Key', { policy: policy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(OTHER)], actions: ['kms:Decrypt'], resources: ['*'] })) });
    const env = { account: OWN, region: 'eu-west-1' };
    expect(violation(nag(appWith(build, env).app), 'KmsPolicyGuard-UNTRUSTED_CROSS_ACCOUNT')?.severity).toBe('error');
    expect(nag(appWith(build, env).app, { trustedAccountIds: [OTHER] }).violations).toEqual([]);
    expect(nag(appWith(build, env).app, { disabledChecks: [CHECK.UNTRUSTED_CROSS_ACCOUNT] }).violations).toEqual([]);
    expect(nag(appWith(build, env).app, { minimumSeverity: 'critical' }).violations).toEqual([]);
    const lenient = nag(appWith(build, env).app, { errorSeverity: 'critical' });
    expect([lenient.success, violation(lenient, 'KmsPolicyGuard-UNTRUSTED_CROSS_ACCOUNT')?.severity]).toEqual([true, 'warning']);
  });

  it('refuses invalid props at construction, with the rule parameter spec’s message', () => {
    expect(() => new KmsPolicyGuardChecks(undefined, { trustedAccountIds: ['12345'] })).toThrow('KmsPolicyGuardChecks: invalid rule parameter TrustedAccountIds: "12345" is not a 12-digit account id');
    expect(() => new KmsPolicyGuardChecks(undefined, { disabledChecks: ['INVALID_POLICY'] as never })).toThrow('INVALID_POLICY cannot be disabled');
    expect(() => new KmsPolicyGuardChecks(undefined, { minimumSeverity: 'loud' as never })).toThrow('invalid rule parameter MinimumSeverity');
    expect(() => new KmsPolicyGuardChecks(undefined, { errorSeverity: 'loud' as never })).toThrow('KmsPolicyGuardChecks: errorSeverity must be one of critical, high, medium, low, info');
    expect(() => new KmsPolicyGuardChecks(undefined, { nonSuppressibleChecks: ['PUBLIK_ACCESS'] as never })).toThrow('nonSuppressibleChecks: unknown check "PUBLIK_ACCESS"');
    const stack = new Stack();
    expect(() => new KmsPolicyGuardChecks(undefined, { trustedAccountIds: [new CfnParameter(stack, 'T').valueAsString] })).toThrow('trustedAccountIds holds a token');
  });

  it('finds what check-template finds on the synthesized templates: one evaluator', async () => {
    const { app } = appWith((s) => {
      new kms.Key(s, 'Default');
      new kms.Key(s, 'Public', { policy: policy(publicDecrypt()) });
      new kms.Key(s, 'Clean', { policy: cleanPolicy() });
      new kms.Key(new NestedStack(s, 'Storage'), 'Nested');
    }, { account: OWN, region: 'eu-west-1' });
    const logicalId = (path: string | undefined) => {
      const resource = app.node.findAll().find((c) => c.node.path === path) as CfnElement;
      return Stack.of(resource).resolve(resource.logicalId) as string;
    };
    const byNag = nag(app).violations.flatMap((v) => v.violatingResources.map((r) => `${logicalId(r.constructPath)}: ${v.ruleName}`));
    const assembly = app.synth();
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };
    const report = await runCheckTemplate({ paths: [assembly.directory], analysis: {} }, io, { name: 't', version: '0' });
    const byTemplate = report.results.flatMap((r) => r.findings.map((f) => `${String(r.extra?.logicalId)}: KmsPolicyGuard-${f.checkId}`));
    expect(byNag.length).toBe(3);
    expect(byNag.sort()).toEqual(byTemplate.sort());
  });
});

describe('what the engine cannot weigh (as check-template warns)', () => {
  const withS3Action = (s: Stack) =>
    new kms.Key(s, 'Key', {
      policy: policy(...cleanPolicy().toJSON().Statement.map((x: object) => iam.PolicyStatement.fromJson(x)), new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(`arn:aws:iam::${OWN}:role/App`)], actions: ['s3:GetObject'], resources: ['*'] })),
    });

  it('the pack warns PolicyWarning with the engine warning and its statement', () => {
    const { app } = appWith(withS3Action, { account: OWN, region: 'eu-west-1' });
    const report = nag(app);
    expect(violation(report, 'KmsPolicyGuard-PolicyWarning')).toMatchObject({ severity: 'warning', description: expect.stringMatching(/Keys\/Key[0-9A-F]+ at Properties\.KeyPolicy\.Statement\[2\][^\n]*s3:GetObject/) });
    expect(report.success).toBe(true);
  });

  it('the Aspect warns with the same id', () => {
    const { app, stack } = appWith(withS3Action, { account: OWN, region: 'eu-west-1' });
    const { errors, warnings } = aspect(app, stack);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/s3:GetObject.*\[ack: KmsPolicyGuard-PolicyWarning\]/s)]);
  });
});

describe('KmsPolicyGuardAspect', () => {
  it('a kms.Key with the default policy gets an error annotation (which fails cdk synth) naming the check and the statement', () => {
    const { app, stack } = appWith((s) => new kms.Key(s, 'Key'), { account: OWN, region: 'eu-west-1' });
    const { errors } = aspect(app, stack);
    expect(errors).toEqual([expect.stringMatching(/^\[KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS\] Keys\/Key[0-9A-F]+ at Properties\.KeyPolicy\.Statement\[0\]\.Principal\.AWS: Every principal of account 111122223333/)]);
  });

  it('a clean key gets no annotation', () => {
    const { app, stack } = appWith((s) => new kms.Key(s, 'Key', { policy: cleanPolicy() }), { account: OWN, region: 'eu-west-1' });
    expect(aspect(app, stack)).toEqual({ errors: [], warnings: [], infos: [] });
  });

  it('visits keys in nested stacks', () => {
    const { app, stack } = appWith((s) => new kms.Key(new NestedStack(s, 'Storage'), 'Nested'));
    expect(aspect(app, stack).errors).toEqual([expect.stringMatching(/^\[KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS\] Keys\/Storage\/Nested[0-9A-F]+ at /)]);
  });

  it('below errorSeverity a finding is an acknowledgeable warning; unresolved values are warnings naming the value', () => {
    const { app, stack } = appWith((s) => {
      const account = new CfnParameter(s, 'ReaderAccount');
      new kms.Key(s, 'Key', { policy: policy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(account.valueAsString)], actions: ['kms:Decrypt'], resources: ['*'] })) });
    });
    const { errors, warnings } = aspect(app, stack, { errorSeverity: 'critical' });
    expect(errors).toEqual([]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/UNTRUSTED_CROSS_ACCOUNT|Every principal of account 999999999999.*\[ack: KmsPolicyGuard-UNTRUSTED_CROSS_ACCOUNT\]$/),
        expect.stringMatching(/Ref ReaderAccount: the parameter has no Default\. Judged as arn:aws:iam::999999999999:root\. \[ack: KmsPolicyGuard-UnresolvedValue\]$/),
      ]),
    );
  });

  it('a suppressed finding is info naming the reason, not an error', () => {
    const { app, stack } = appWith((s) => suppressInline(new kms.Key(s, 'Key'), { id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON, expires: '2999-12-31' }));
    const { errors, infos } = aspect(app, stack);
    expect(errors).toEqual([]);
    expect(infos).toEqual([expect.stringContaining(`[KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS] suppressed inline (reason: "${REASON}", until 2999-12-31)`)]);
  });

  it('a suppression without a reason, or of PUBLIC_ACCESS, leaves the error and warns why', () => {
    const { app, stack } = appWith((s) => {
      suppressInline(new kms.Key(s, 'Key'), { id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: 'ok' });
      suppressInline(new kms.Key(s, 'Public', { policy: policy(publicDecrypt()) }), { id: 'PUBLIC_ACCESS', reason: REASON });
    });
    const { errors, warnings } = aspect(app, stack);
    expect(errors.map((e) => /^\[([^\]]+)\]/.exec(e)?.[1]).sort()).toEqual(['KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS', 'KmsPolicyGuard-PUBLIC_ACCESS']);
    expect(warnings.join('\n')).toMatch(/reason: a reason of at least 10 characters is required/);
    expect(warnings.join('\n')).toMatch(/PUBLIC_ACCESS cannot be suppressed inline/);
  });

  it('honours Validations.of(scope).acknowledge for that key and check only: info naming the reason', () => {
    const { app, stack } = appWith((s) => {
      Validations.of(new kms.Key(s, 'Acknowledged')).acknowledge({ id: FULL, reason: REASON });
      Validations.of(new kms.Key(s, 'OtherCheck')).acknowledge({ id: 'KmsPolicyGuard-PUBLIC_ACCESS', reason: REASON });
    });
    const { errors, infos } = aspect(app, stack);
    expect(errors).toEqual([expect.stringMatching(/^\[KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS\] Keys\/OtherCheck/)]);
    expect(infos).toEqual([expect.stringMatching(new RegExp(`^\\[${FULL}\\] acknowledged \\(reason: "${REASON}"\\): Keys/Acknowledged`))]);
  });

  it('refuses invalid props at construction', () => {
    expect(() => new KmsPolicyGuardAspect({ trustedOrgIds: ['org-1'] })).toThrow('KmsPolicyGuardAspect: invalid rule parameter TrustedOrgIds');
  });
});
