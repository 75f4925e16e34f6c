/**
 * The synth-time checks (cdk-nag pack and Aspect) fail closed: keys they could miss (inside a Stage, rendered
 * by an element that is no CfnResource, a Type override), findings no one may accept (not judged, whatever
 * an acknowledgement or another key's warning says), and unknown condition values judged as what grants most.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { App, AspectPriority, Aspects, Aws, CfnParameter, CfnResource, Fn, Stack, Stage, Validations, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import { runCheckTemplate } from '../../cli/commands/check-template';
import type { CliIo } from '../../cli/io';
import { CHECKS } from '../../engine';
import { KmsPolicyGuardAspect, type KmsPolicyGuardCheckProps } from '../../infra';
import { KmsPolicyGuardChecks } from '../../infra/checks/nag-pack';

const OWN = '111122223333';
const env = { account: OWN, region: 'eu-west-1' };
const REASON = 'Accepted by the key owners; ticket SEC-1234';

const newApp = () => new App({ outdir: mkdtempSync(join(tmpdir(), 'kpg-review-')) });
const doc = (...statements: iam.PolicyStatement[]) => new iam.PolicyDocument({ statements });
const adminStmt = () => new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(`arn:aws:iam::${OWN}:role/KeyAdmin`)], actions: ['kms:Describe*', 'kms:Put*'], resources: ['*'] });
const publicStmt = () => new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['kms:Decrypt'], resources: ['*'] });
const publicPolicyJson = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] };

function nag(app: App, props: KmsPolicyGuardCheckProps = {}): PolicyValidationPluginReport {
  return new KmsPolicyGuardChecks(app, props).validateScope(app);
}
const rules = (r: PolicyValidationPluginReport) => r.violations.map((v) => `${v.severity} ${v.ruleName}`);

/** Every error annotation in the synthesized cloud assembly, nested assemblies (Stages) included. */
function aspectErrors(app: App): string[] {
  Aspects.of(app).add(new KmsPolicyGuardAspect(), { priority: AspectPriority.READONLY });
  const asm = app.synth();
  return asm.stacksRecursively.flatMap((s) => s.messages.filter((m) => m.level === 'error').map((m) => String(m.entry.data)));
}

describe('keys the checks never see (false clean)', () => {
  const stagedApp = () => {
    const app = newApp();
    new Stack(app, 'Top', { env });
    const stage = new Stage(app, 'Prod', { env });
    new kms.Key(new Stack(stage, 'Data'), 'Key', { policy: doc(adminStmt(), publicStmt()) });
    return { app, stage };
  };

  it('the Aspect added to the App fails synth for a Stage it cannot reach, saying how to add it there', () => {
    // The CDK does not invoke an App's aspects inside a Stage (CDK Pipelines layout): its keys would pass unseen.
    const errors = aspectErrors(stagedApp().app).join('\n');
    expect(errors).toContain('KmsPolicyGuard-StageNotChecked] Prod: the Stage is not checked');
    expect(errors).toContain('Aspects.of(stage).add(new KmsPolicyGuardAspect');
  });

  it('the Aspect added to the Stage too judges its keys, and the App reports no unchecked Stage', () => {
    const { app, stage } = stagedApp();
    Aspects.of(stage).add(new KmsPolicyGuardAspect(), { priority: AspectPriority.READONLY });
    const errors = aspectErrors(app).join('\n');
    expect(errors).toContain('KmsPolicyGuard-PUBLIC_ACCESS');
    expect(errors).not.toContain('StageNotChecked');
  });

  it('with no stack of its own to carry the error, the App throws naming the unchecked Stage', () => {
    const app = newApp();
    new kms.Key(new Stack(new Stage(app, 'Prod', { env }), 'Data'), 'Key', { policy: doc(adminStmt()) });
    expect(() => aspectErrors(app)).toThrow(/Prod: the Stage is not checked/);
  });

  it('a key brought in by the core CfnInclude (exported by aws-cdk-lib) is judged by the pack and the Aspect', async () => {
    const build = () => {
      const app = newApp();
      const s = new Stack(app, 'Keys', { env });
      new (cdk as unknown as { CfnInclude: new (scope: Stack, id: string, props: { template: object }) => unknown }).CfnInclude(s, 'Legacy', {
        template: { Resources: { PublicKey: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: publicPolicyJson } } } },
      });
      return app;
    };
    // check-template judges the synthesized template and finds the public key ...
    const assembly = build().synth();
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };
    const byTemplate = await runCheckTemplate({ paths: [assembly.directory], analysis: {} }, io, { name: 't', version: '0' });
    expect(byTemplate.results.flatMap((r) => r.findings.map((f) => f.checkId))).toContain('PUBLIC_ACCESS');
    // ... and so do the pack and the Aspect, though the key is no CfnResource construct.
    expect(rules(nag(build()))).toContain('error KmsPolicyGuard-PUBLIC_ACCESS');
    expect(aspectErrors(build()).join('\n')).toContain('KmsPolicyGuard-PUBLIC_ACCESS');
  });

  it("a CfnResource whose Type is overridden to AWS::KMS::Key (addOverride escape hatch) is judged", () => {
    const build = () => {
      const app = newApp();
      const r = new CfnResource(new Stack(app, 'Keys', { env }), 'Key', { type: 'AWS::CloudFormation::WaitConditionHandle' });
      r.addOverride('Type', 'AWS::KMS::Key');
      r.addOverride('Properties.KeyPolicy', publicPolicyJson);
      return app;
    };
    // The synthesized template holds an AWS::KMS::Key with a public policy: the rendered Type counts, not cfnResourceType.
    expect(rules(nag(build()))).toContain('error KmsPolicyGuard-PUBLIC_ACCESS');
    expect(aspectErrors(build()).join('\n')).toContain('KmsPolicyGuard-PUBLIC_ACCESS');
  });
});

describe('acknowledgements and severities that let a not-judged key pass', () => {
  it('acknowledging KmsPolicyGuard-NotJudged does not make an unjudged key pass ("it never passes")', () => {
    const app = newApp();
    const key = new kms.CfnKey(new Stack(app, 'Keys', { env }), 'Key', { keyPolicy: Fn.importValue('SharedKeyPolicy') });
    Validations.of(key).acknowledge({ id: 'KmsPolicyGuard-NotJudged', reason: REASON });
    const report = nag(app);
    expect(report.success).toBe(false);
  });

  /** Makes NO_SEPARATION_OF_DUTIES throw (a defect in the engine) on policies holding a statement with Sid "Crash". */
  function crashOnSid(): jest.SpyInstance {
    const check = CHECKS.find((c) => c.meta.id === 'NO_SEPARATION_OF_DUTIES') as { run: (ctx: never) => unknown };
    const original = check.run.bind(check);
    return jest.spyOn(check, 'run').mockImplementation((ctx: { policy?: { statements: { sid?: string }[] } }) => {
      if (ctx.policy?.statements.some((s) => s.sid === 'Crash')) throw new Error('simulated engine defect');
      return original(ctx as never);
    });
  }
  const bothWays = () =>
    new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(`arn:aws:iam::${OWN}:role/App`)], actions: ['kms:Decrypt', 'kms:PutKeyPolicy'], resources: ['*'] });
  const crashing = () => new iam.PolicyStatement({ sid: 'Crash', principals: [new iam.ArnPrincipal(`arn:aws:iam::${OWN}:role/Reader`)], actions: ['kms:Decrypt'], resources: ['*'] });

  it('a check that could not complete on one key fails validation even when another key has an ordinary (warning) finding of that check', () => {
    const spy = crashOnSid();
    try {
      const app = newApp();
      const s = new Stack(app, 'Keys', { env });
      new kms.Key(s, 'A', { policy: doc(adminStmt(), bothWays()) }); // NO_SEPARATION_OF_DUTIES (medium): a warning
      new kms.Key(s, 'B', { policy: doc(adminStmt(), crashing()) }); // the check crashes: notJudged, always an error
      const report = nag(app);
      // cdk-nag groups violations by rule and keeps the first resource's level; the pack keeps the worst.
      expect(report.violations.find((v) => v.ruleName === 'KmsPolicyGuard-NO_SEPARATION_OF_DUTIES')?.severity).toBe('error');
      expect(report.success).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  const ackedCrash = () => {
    const app = newApp();
    const key = new kms.Key(new Stack(app, 'Keys', { env }), 'B', { policy: doc(adminStmt(), crashing()) });
    Validations.of(key).acknowledge({ id: 'KmsPolicyGuard-NO_SEPARATION_OF_DUTIES', reason: REASON });
    return app;
  };
  it('pack: an acknowledgement does not accept a finding that was not judged (inline suppressions refuse it)', () => {
    const spy = crashOnSid();
    try {
      expect(nag(ackedCrash()).success).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
  it('Aspect: an acknowledgement does not turn a finding that was not judged into info', () => {
    const spy = crashOnSid();
    try {
      expect(aspectErrors(ackedCrash()).join('\n')).toContain('NO_SEPARATION_OF_DUTIES');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('unresolved values not judged as the worst they could be (shared templates/key-policy.ts)', () => {
  it('ArnLike aws:PrincipalArn with a parameter inside an own-account ARN is judged as if the parameter could be "*"', () => {
    const build = (pattern: (s: Stack) => string) => {
      const app = newApp();
      const s = new Stack(app, 'Keys', { env });
      const grant = new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:*'],
        resources: ['*'],
        conditions: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${Aws.ACCOUNT_ID}:role/${pattern(s)}` } },
      });
      new kms.Key(s, 'Key', { policy: doc(adminStmt(), grant) });
      return app;
    };
    // Written literally, role/* is every role of the account: ACCOUNT_WIDE_FULL_ACCESS, an error.
    expect(nag(build(() => '*')).success).toBe(false);
    // Given by a parameter (Default "app-*", no AllowedValues: the deployer may pass "*"), it is judged as "*".
    expect(nag(build((s) => new CfnParameter(s, 'RolePattern', { default: 'app-*' }).valueAsString)).success).toBe(false);
  });

  it('a "deny everyone but the admins" guard whose admin role pattern is a parameter is judged as if the parameter could be "*"', () => {
    const build = (pattern: (s: Stack) => string) => {
      const app = newApp();
      const s = new Stack(app, 'Keys', { env });
      new kms.Key(s, 'Key', {
        policy: doc(
          new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], actions: ['kms:*'], resources: ['*'] }),
          new iam.PolicyStatement({
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['kms:*'],
            resources: ['*'],
            conditions: { StringNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${Aws.ACCOUNT_ID}:role/${pattern(s)}` } },
          }),
        ),
      });
      return app;
    };
    // With "*" the Deny excludes every role: ACCOUNT_WIDE_FULL_ACCESS, an error.
    expect(nag(build(() => '*')).success).toBe(false);
    // With a parameter (Default "KeyAdmin", no AllowedValues) the pattern may be "*": the Deny is judged to bind no one.
    expect(nag(build((s) => new CfnParameter(s, 'AdminPattern', { default: 'KeyAdmin' }).valueAsString)).success).toBe(false);
  });
});

describe('the Aspect as its docs show it', () => {
  it('added with AspectPriority.READONLY, as documented, it judges the policy a later-added aspect rewrites', () => {
    const app = newApp();
    const key = new kms.Key(new Stack(app, 'Keys', { env }), 'Key', { policy: doc(adminStmt()) });
    Aspects.of(app).add(new KmsPolicyGuardAspect(), { priority: AspectPriority.READONLY }); // as in the aspect.ts header and the CLI fixture app
    Aspects.of(app).add({
      visit: (n: IConstruct) => {
        if (n === key.node.defaultChild) (n as kms.CfnKey).addPropertyOverride('KeyPolicy.Statement.1', publicPolicyJson.Statement[0]);
      },
    });
    const asm = app.synth();
    const errors = asm.stacksRecursively.flatMap((s) => s.messages.filter((m) => m.level === 'error').map((m) => String(m.entry.data)));
    expect(JSON.stringify(asm.getStackByName('Keys').template)).toContain('"AWS":"*"');
    expect(errors.join('\n')).toContain('KmsPolicyGuard-PUBLIC_ACCESS');
  });
});
