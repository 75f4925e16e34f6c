/**
 * The synth-time checks honour the exemption tag (prop exemptionTagKey) as the hook does: a CDK team that tags
 * its key with `Tags.of(key).add(KEY, reason)` passes synth as it passes the hook, and a non-suppressible check
 * is refused at both.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Fn, Stack, Tags, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KmsPolicyGuardAspect, type KmsPolicyGuardCheckProps } from '../../infra';
import { KmsPolicyGuardChecks } from '../../infra/checks/nag-pack';
import { aspect, violation } from '../support/synth-checks';

const TAG = 'kpg-exempt';
const REASON = 'SEC-1234 key administrators set by SCP';
const FULL = 'KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS';

function appWith(build: (stack: Stack) => void): { app: App; stack: Stack } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'kpg-synth-tag-')) });
  const stack = new Stack(app, 'Keys');
  build(stack);
  return { app, stack };
}

/** A key with KMS's default-like policy (the account root may do kms:*): ACCOUNT_WIDE_FULL_ACCESS, an error. */
const wideKey = (s: Stack, id = 'Key') => new kms.Key(s, id);
/** PUBLIC_ACCESS and ACCOUNT_WIDE_FULL_ACCESS. */
const publicKey = (s: Stack) =>
  new kms.Key(s, 'Public', {
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['kms:Decrypt'], resources: ['*'] }),
        new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], actions: ['kms:*'], resources: ['*'] }),
      ],
    }),
  });

/** As `cdk synth` runs it: the aspects (Tags.of among them) first, then the validation plugin. */
function nag(app: App, props: KmsPolicyGuardCheckProps = {}): PolicyValidationPluginReport {
  app.synth();
  return new KmsPolicyGuardChecks(app, props).validateScope(app);
}

describe('KmsPolicyGuardChecks (cdk-nag) and the exemption tag', () => {
  it('a key tagged with Tags.of(key).add passes synth; without exemptionTagKey the tag means nothing', () => {
    const build = (s: Stack) => Tags.of(wideKey(s)).add(TAG, REASON);
    expect(nag(appWith(build).app, { exemptionTagKey: TAG })).toEqual({ success: true, violations: [] });
    expect(violation(nag(appWith(build).app), FULL)?.severity).toBe('error');
  });

  it('a tag on the stack reaches the key too', () => {
    const { app } = appWith((s) => {
      wideKey(s);
      Tags.of(s).add(TAG, REASON);
    });
    expect(nag(app, { exemptionTagKey: TAG }).success).toBe(true);
  });

  it('a non-suppressible check (PUBLIC_ACCESS) refuses the whole key: errors stay, and an ExemptionTag warning says why', () => {
    const { app } = appWith((s) => Tags.of(publicKey(s)).add(TAG, REASON));
    const report = nag(app, { exemptionTagKey: TAG });
    expect(report.success).toBe(false);
    expect(violation(report, 'KmsPolicyGuard-PUBLIC_ACCESS')?.severity).toBe('error');
    expect(violation(report, FULL)?.severity).toBe('error');
    expect(violation(report, 'KmsPolicyGuard-ExemptionTag')?.description).toContain('cannot exempt PUBLIC_ACCESS (non-suppressible checks: PUBLIC_ACCESS; nonSuppressibleChecks)');
    expect(nag(appWith((s) => Tags.of(publicKey(s)).add(TAG, REASON)).app, { exemptionTagKey: TAG, nonSuppressibleChecks: [] }).success).toBe(true);
  });

  it('an empty value, or one known only at deployment, accepts nothing and says so', () => {
    const empty = nag(appWith((s) => Tags.of(wideKey(s)).add(TAG, ' ')).app, { exemptionTagKey: TAG });
    expect(violation(empty, FULL)?.severity).toBe('error');
    expect(violation(empty, 'KmsPolicyGuard-ExemptionTag')?.description).toMatch(/exemption tag kpg-exempt: the tag has an empty value/);
    const imported = nag(appWith((s) => Tags.of(wideKey(s)).add(TAG, Fn.importValue('SharedReason'))).app, { exemptionTagKey: TAG });
    expect(violation(imported, FULL)?.severity).toBe('error');
    expect(violation(imported, 'KmsPolicyGuard-ExemptionTag')?.description).toMatch(/known only at deployment \(Fn::ImportValue SharedReason.*accepts nothing/);
  });

  it('exemptionTagKey is validated by the rule parameter spec', () => {
    expect(() => new KmsPolicyGuardChecks(undefined, { exemptionTagKey: 'bad#key' })).toThrow('KmsPolicyGuardChecks: invalid rule parameter ExemptionTagKey');
    expect(() => new KmsPolicyGuardAspect({ exemptionTagKey: 'x'.repeat(129) })).toThrow('KmsPolicyGuardAspect: invalid rule parameter ExemptionTagKey');
  });
});

describe('KmsPolicyGuardAspect and the exemption tag', () => {
  it('a tagged key: its findings are info naming the tag and its value, not errors', () => {
    const { app, stack } = appWith((s) => Tags.of(wideKey(s)).add(TAG, `  ${REASON} `));
    const { errors, infos } = aspect(app, stack, { exemptionTagKey: TAG });
    expect(errors).toEqual([]);
    expect(infos).toEqual([expect.stringContaining(`[${FULL}] accepted by the exemption tag ${TAG} (reason: "${REASON}")`)]);
  });

  it('PUBLIC_ACCESS refuses the whole key: both errors stay, and a warning says why', () => {
    const { app, stack } = appWith((s) => Tags.of(publicKey(s)).add(TAG, REASON));
    const { errors, warnings, infos } = aspect(app, stack, { exemptionTagKey: TAG });
    expect(errors.map((e) => /^\[([^\]]+)\]/.exec(e)?.[1]).sort()).toEqual([FULL, 'KmsPolicyGuard-PUBLIC_ACCESS']);
    expect(infos).toEqual([]);
    expect(warnings.join('\n')).toContain('cannot exempt PUBLIC_ACCESS');
  });
});
