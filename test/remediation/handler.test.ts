import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AnalysisResult } from '../../engine';
import {
  ApplyFailedError,
  BackupFailedError,
  BackupTooLargeError,
  InvalidParameterError,
  LockoutRiskError,
  PolicyChangedError,
  RemediationConfigurationError,
  NewFindingsError,
  PolicyUnreadableError,
  StillAccountWideError,
  UnsupportedKeyError,
} from '../../remediation/errors';
import { createRemediationClients, REMEDIATION_HTTP_OPTIONS } from '../../remediation/clients';
import { backupParameterName, createRemediationHandler, type RemediationDeps } from '../../remediation/handler';
import { readRemediationPrincipals } from '../../remediation/settings';
import { ACCOUNT, ADMIN, fixtureText, KEY_ARN, KEY_ID, USER } from './fixtures';

const kmsMock = mockClient(KMSClient);
const ssmMock = mockClient(SSMClient);
const stsMock = mockClient(STSClient);
/** The function runs as the key administrator role, which the rewrite keeps able to change the policy. */
const CALLER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/KeyAdmin/remediation-session`;
const NOW = new Date('2026-11-29T10:20:30.456Z');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let calls: string[];

function setUp(policyText: string, keyManager: 'CUSTOMER' | 'AWS' = 'CUSTOMER'): void {
  kmsMock.reset();
  ssmMock.reset();
  stsMock.reset();
  stsMock.on(GetCallerIdentityCommand).resolves({ Arn: CALLER_ARN, Account: ACCOUNT });
  calls = [];
  kmsMock.on(DescribeKeyCommand).callsFake(() => {
    calls.push('DescribeKey');
    return { KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, AWSAccountId: ACCOUNT, KeyManager: keyManager } };
  });
  kmsMock.on(GetKeyPolicyCommand).callsFake(() => {
    calls.push('GetKeyPolicy');
    return { Policy: policyText, PolicyName: 'default' };
  });
  kmsMock.on(PutKeyPolicyCommand).callsFake(() => {
    calls.push('PutKeyPolicy');
    return {};
  });
  ssmMock.on(PutParameterCommand).callsFake(() => {
    calls.push('PutParameter');
    return { Version: 1, Tier: 'Standard' };
  });
}

/** The principals fixed at deployment (the function's environment in production). */
const DEPLOYED = { administration: [ADMIN], use: [USER] };

function handler(extra: Partial<RemediationDeps> = {}) {
  return createRemediationHandler({
    kms: new KMSClient({}),
    ssm: new SSMClient({}),
    sts: new STSClient({}),
    principals: DEPLOYED,
    now: () => NOW,
    logger: silent,
    ...extra,
  });
}

const event = (overrides: Record<string, unknown> = {}) => ({ KeyId: KEY_ID, ...overrides });

function writes(): string[] {
  return calls.filter((c) => c === 'PutParameter' || c === 'PutKeyPolicy');
}

describe('dry run (the default)', () => {
  it('returns the diff and writes nothing', async () => {
    setUp(fixtureText('seed-bad-policy'));
    const result = await handler()(event());
    expect(result.status).toBe('DRY_RUN');
    if (result.status !== 'DRY_RUN') throw new Error('unreachable');
    expect(result.diff).toMatch(new RegExp(`^- +"arn:aws:iam::${ACCOUNT}:root"$`, 'm'));
    expect(result.diff).toMatch(new RegExp(`^\\+ +"AWS": "${ADMIN}"$`, 'm'));
    expect(result.diff).toMatch(/^ {4}"Version": "2012-10-17",$/m);
    expect(result.policyAdministrators).toEqual([ADMIN]);
    expect(JSON.parse(result.newPolicy)).toHaveProperty('Statement');
    expect(writes()).toEqual([]);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it.each([undefined, 'true', true, 'TRUE'])('DryRun=%p is a dry run', async (dryRun) => {
    setUp(fixtureText('console-default-policy'));
    const result = await handler()(event({ DryRun: dryRun }));
    expect(result.status).toBe('DRY_RUN');
    expect(writes()).toEqual([]);
  });
});

describe('apply (DryRun=false)', () => {
  it('backs the old policy up before PutKeyPolicy, which runs with the lockout safety check on', async () => {
    const oldText = fixtureText('seed-less-bad-policy');
    setUp(oldText);
    // That policy's own administrator role (which keeps kms:PutKeyPolicy) runs the remediation.
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/KMSAdminRole/s`, Account: ACCOUNT });
    const result = await handler()(event({ DryRun: 'false' }));
    expect(calls).toEqual(['DescribeKey', 'GetKeyPolicy', 'GetKeyPolicy', 'PutParameter', 'PutKeyPolicy']);
    expect(result.status).toBe('APPLIED');

    const backup = ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input;
    expect(backup).toMatchObject({
      Name: `/kms-policy-guard/backup/${KEY_ID}/2026-11-29T10-20-30.456Z`,
      Value: oldText,
      Type: 'String',
      Tier: 'Standard',
      Overwrite: false,
    });
    const put = kmsMock.commandCalls(PutKeyPolicyCommand)[0]?.args[0].input;
    expect(put?.BypassPolicyLockoutSafetyCheck).toBe(false);
    expect(put?.KeyId).toBe(KEY_ID);
    expect(put?.Policy).not.toContain(`${ACCOUNT}:root`);
    if (result.status === 'APPLIED') expect(result.backupParameterName).toBe(backup?.Name);
  });

  it('uses the Advanced tier for policies over 4 KB', async () => {
    const big = JSON.parse(fixtureText('seed-bad-policy')) as { Statement: Record<string, unknown>[] };
    big.Statement.push({ Sid: 'Padding'.padEnd(4200, 'x'), Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    setUp(JSON.stringify(big));
    await handler()(event({ DryRun: false }));
    expect(ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input.Tier).toBe('Advanced');
  });

  it('refuses policies too large for one parameter before writing anything', async () => {
    const huge = JSON.parse(fixtureText('seed-bad-policy')) as { Statement: Record<string, unknown>[] };
    huge.Statement.push({ Sid: 'Padding'.padEnd(9000, 'x'), Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    setUp(JSON.stringify(huge));
    await expect(handler()(event({ DryRun: false }))).rejects.toBeInstanceOf(BackupTooLargeError);
    expect(writes()).toEqual([]);
  });

  it('leaves the old policy in place when PutKeyPolicy fails after the backup', async () => {
    setUp(fixtureText('seed-bad-policy'));
    kmsMock.on(PutKeyPolicyCommand).callsFake(() => {
      calls.push('PutKeyPolicy');
      throw Object.assign(new Error('The new key policy will not allow you to update the key policy in the future.'), {
        name: 'MalformedPolicyDocumentException',
      });
    });
    const error = await handler()(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect((error as ApplyFailedError).backupParameterName).toBe(backupParameterName(KEY_ID, NOW));
    expect((error as ApplyFailedError).message).toMatch(/kept the previous policy/);
    // One backup, one failed attempt; nothing retried, nothing deleted.
    expect(calls).toEqual(['DescribeKey', 'GetKeyPolicy', 'GetKeyPolicy', 'PutParameter', 'PutKeyPolicy']);
  });

  it('does not touch the key when the backup cannot be written', async () => {
    setUp(fixtureText('seed-bad-policy'));
    ssmMock.on(PutParameterCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(handler()(event({ DryRun: 'false' }))).rejects.toBeInstanceOf(BackupFailedError);
    expect(kmsMock.commandCalls(PutKeyPolicyCommand)).toHaveLength(0);
  });
});

describe('refusals', () => {
  it('refuses a rewrite that would leave nobody able to call kms:PutKeyPolicy', async () => {
    // Only the account grant exists and it covers use only: after the rewrite the administrators receive
    // nothing, so no principal could change the policy again.
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Use', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' }],
    };
    setUp(JSON.stringify(policy));
    const error = await handler()(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockoutRiskError);
    expect((error as Error).message).toMatch(/kms:PutKeyPolicy/);
    expect(writes()).toEqual([]);
  });

  it('refuses when a Deny would still block every policy change', async () => {
    const policy = JSON.parse(fixtureText('seed-bad-policy')) as { Statement: Record<string, unknown>[] };
    policy.Statement.push({ Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } });
    setUp(JSON.stringify(policy));
    await expect(handler()(event())).rejects.toBeInstanceOf(LockoutRiskError);
  });

  it('refuses when the engine still reports account-wide access on the rewrite', async () => {
    setUp(fixtureText('seed-bad-policy'));
    const analyze = (): AnalysisResult =>
      ({
        findings: [
          {
            checkId: 'ACCOUNT_WIDE_USAGE',
            severity: 'high',
            title: 'Account-wide usage',
            message: 'every principal of the account can decrypt',
            statementIndexes: [1],
            sids: [undefined],
            path: '$.Statement[1]',
            principals: [`account:${ACCOUNT}`],
            actions: ['kms:Decrypt'],
          },
        ],
        warnings: [],
        summary: { entries: [] },
      }) as unknown as AnalysisResult;
    const error = await handler({ analyze })(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StillAccountWideError);
    expect((error as StillAccountWideError).checkIds).toEqual(['ACCOUNT_WIDE_USAGE']);
    expect(writes()).toEqual([]);
  });

  it('refuses AWS managed keys', async () => {
    setUp(fixtureText('seed-bad-policy'), 'AWS');
    await expect(handler()(event())).rejects.toBeInstanceOf(UnsupportedKeyError);
    expect(kmsMock.commandCalls(GetKeyPolicyCommand)).toHaveLength(0);
  });

  it('refuses a policy that is not JSON', async () => {
    setUp('{"Statement": [');
    await expect(handler()(event())).rejects.toBeInstanceOf(PolicyUnreadableError);
  });

  it('reports NO_CHANGE for a policy without account-wide grants', async () => {
    const policy = JSON.parse(fixtureText('console-default-policy')) as { Statement: unknown[] };
    policy.Statement.shift();
    setUp(JSON.stringify(policy));
    const result = await handler()(event({ DryRun: 'false' }));
    expect(result.status).toBe('NO_CHANGE');
    expect(writes()).toEqual([]);
  });
});

describe('parameters', () => {
  it.each([
    [{ KeyId: '' }, 'KeyId', /required/],
    [{ KeyId: 'alias/my-key' }, 'KeyId', /alias/],
    [{ KeyId: 'nope' }, 'KeyId', /not a KMS key ID/],
    [{ DryRun: 'maybe' }, 'DryRun', /true or false/],
  ])('%p is refused with a typed error naming %s', async (overrides, parameter, message) => {
    setUp(fixtureText('seed-bad-policy'));
    const error = await handler()(event(overrides)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).parameter).toBe(parameter);
    expect((error as Error).message).toMatch(message);
    expect(calls).toEqual([]);
  });

  it('writes the principals fixed at deployment, and accepts key ARNs', async () => {
    setUp(fixtureText('seed-bad-policy'));
    const second = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const result = await handler({ principals: { administration: [ADMIN, second], use: [USER] } })(event({ KeyId: KEY_ARN }));
    expect(result.status).toBe('DRY_RUN');
    if (result.status === 'DRY_RUN') {
      const policy = JSON.parse(result.newPolicy) as { Statement: { Principal: unknown }[] };
      expect(policy.Statement[0]?.Principal).toEqual({ AWS: [ADMIN, second] });
      expect(policy.Statement[1]?.Principal).toEqual({ AWS: USER });
    }
    expect(kmsMock.commandCalls(DescribeKeyCommand)[0]?.args[0].input.KeyId).toBe(KEY_ARN);
  });

  it.each([
    [`arn:aws:kms:us-east-1:444455556666:key/${KEY_ID}`, /account 444455556666.*only keys of its own account \(111122223333\)/],
    [`arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/${KEY_ID}`, /partition aws-cn.*only keys of its own partition \(aws\)/],
  ])('refuses the key ARN %s as an event error naming KeyId, before any AWS call', async (keyArn, message) => {
    setUp(fixtureText('seed-bad-policy'));
    const error = await handler()(event({ KeyId: keyArn })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).parameter).toBe('KeyId');
    expect((error as Error).message).toMatch(message);
    expect(calls).toEqual([]);
    expect(stsMock.calls()).toHaveLength(0);
  });

  it('refuses an event that is not an object', async () => {
    await expect(handler()('KeyId=abc')).rejects.toBeInstanceOf(InvalidParameterError);
  });
});

describe('refusals that keep the key manageable and the access narrow', () => {
  it('refuses when the rewrite would not let the remediation itself change the policy (KMS would reject it)', async () => {
    setUp(fixtureText('seed-bad-policy'));
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/RemediationFunctionRole/s`, Account: ACCOUNT });
    const error = await handler()(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockoutRiskError);
    expect((error as Error).message).toContain(`arn:aws:iam::${ACCOUNT}:role/RemediationFunctionRole`);
    expect(writes()).toEqual([]);
  });

  it('names the real cause when the function is a deployed administrator but the replaced grant carries no kms:PutKeyPolicy', async () => {
    const FN = `arn:aws:iam::${ACCOUNT}:role/Stack-RemediationGuardRole-ABC`;
    const HUMAN = `arn:aws:iam::${ACCOUNT}:role/Human`;
    setUp(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: HUMAN }, Action: 'kms:*', Resource: '*' },
          { Sid: 'Use', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' },
        ],
      }),
    );
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Stack-RemediationGuardRole-ABC/fn`, Account: ACCOUNT });
    const error = await handler({ principals: { administration: [ADMIN, FN], use: [USER] } })(event()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockoutRiskError);
    const message = (error as Error).message;
    expect(message).not.toMatch(/Add that role .* to the deployed administrators/);
    expect(message).toMatch(/is among the deployed administrators/);
    expect(message).toMatch(/statement 1 \("Use"\).* no kms:PutKeyPolicy/);
    // Who can fix it: a principal that can change the policy today, by granting the function kms:PutKeyPolicy.
    expect(message).toContain(`${HUMAN} can add an Allow of kms:PutKeyPolicy for ${FN}`);
    expect(writes()).toEqual([]);
  });

  it('names the Deny when the function is a deployed administrator that a Deny keeps from kms:PutKeyPolicy', async () => {
    const FN = `arn:aws:iam::${ACCOUNT}:role/Stack-RemediationGuardRole-ABC`;
    setUp(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
          { Sid: 'NoRemediator', Effect: 'Deny', Principal: { AWS: FN }, Action: 'kms:PutKeyPolicy', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } },
        ],
      }),
    );
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Stack-RemediationGuardRole-ABC/fn`, Account: ACCOUNT });
    const error = await handler({ principals: { administration: [ADMIN, FN], use: [USER] } })(event()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockoutRiskError);
    const message = (error as Error).message;
    expect(message).not.toMatch(/to the deployed administrators \(/);
    expect(message).toMatch(/Deny statements that name kms:PutKeyPolicy .*statement 1 \("NoRemediator"\)/);
    expect(writes()).toEqual([]);
  });

  it('accepts the remediation role when it is named with a path among the administrators', async () => {
    setUp(fixtureText('seed-bad-policy'));
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Remediator/s`, Account: ACCOUNT });
    const result = await handler({ principals: { administration: [ADMIN, `arn:aws:iam::${ACCOUNT}:role/service/Remediator`], use: [USER] } })(
      event({ DryRun: 'false' }),
    );
    expect(result.status).toBe('APPLIED');
    expect(writes()).toEqual(['PutParameter', 'PutKeyPolicy']);
  });

  it('refuses deployed principals of another account than the key before reading its policy', async () => {
    setUp(fixtureText('seed-bad-policy'));
    const error = await handler({ principals: { administration: ['arn:aws:iam::999999999999:role/Admin'], use: [USER] } })(event({ DryRun: 'false' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RemediationConfigurationError);
    expect((error as Error).message).toMatch(/^KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS: .*999999999999.*another account/);
    expect(kmsMock.commandCalls(GetKeyPolicyCommand)).toHaveLength(0);
    expect(writes()).toEqual([]);
  });

  it.each([
    ['administration', { administration: [`arn:aws-cn:iam::${ACCOUNT}:role/KeyAdmin`], use: [USER] }, 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS'],
    ['use', { administration: [ADMIN], use: [`arn:aws-us-gov:iam::${ACCOUNT}:role/KeyUser`] }, 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS'],
  ])('refuses deployed %s principals of another partition than the key before reading its policy', async (_side, principals, setting) => {
    setUp(fixtureText('seed-bad-policy'));
    const error = await handler({ principals })(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemediationConfigurationError);
    expect((error as RemediationConfigurationError).setting).toBe(setting);
    expect((error as Error).message).toMatch(/partition aws-(cn|us-gov), not the key's partition aws/);
    expect(kmsMock.commandCalls(GetKeyPolicyCommand)).toHaveLength(0);
    expect(writes()).toEqual([]);
  });

  it.each([
    [{ administration: [], use: [USER] }, 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS'],
    [{ administration: [ADMIN], use: [] }, 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS'],
  ])('refuses empty deployed principals %p before any AWS call', async (principals, setting) => {
    setUp(fixtureText('seed-bad-policy'));
    const error = await handler({ principals })(event()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemediationConfigurationError);
    expect((error as RemediationConfigurationError).setting).toBe(setting);
    expect(calls).toEqual([]);
  });

  it('refuses a rewrite that brings a finding the old policy did not have', async () => {
    setUp(fixtureText('seed-bad-policy'));
    const analyze = (policy: unknown, options?: unknown) => {
      const real = jest.requireActual<typeof import('../../engine')>('../../engine').analyzePolicy(policy, options as never);
      const text = JSON.stringify(policy);
      // Pretend the rewrite exposed the key publicly: the old policy had no such finding.
      if (text.includes('administration')) {
        return { ...real, findings: [...real.findings, { ...real.findings[0], checkId: 'PUBLIC_ACCESS', severity: 'critical', principals: ['*'] } as AnalysisResult['findings'][number]] };
      }
      return real;
    };
    const error = await handler({ analyze: analyze as RemediationDeps['analyze'] })(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NewFindingsError);
    expect((error as NewFindingsError).checkIds).toEqual(['PUBLIC_ACCESS']);
    expect(writes()).toEqual([]);
  });
});

describe('a hostile invoker cannot choose who the remediation names', () => {
  const ATTACKER = `arn:aws:iam::${ACCOUNT}:role/Attacker`;
  it.each([
    [{ AdminPrincipalArns: ATTACKER }, 'AdminPrincipalArns', /fixed when the remediation is deployed/],
    [{ UsagePrincipalArns: [ATTACKER] }, 'UsagePrincipalArns', /fixed when the remediation is deployed/],
    [{ AdminPrincipalArns: '' }, 'AdminPrincipalArns', /fixed when the remediation is deployed/],
    [{ AutomationAssumeRole: `arn:aws:iam::${ACCOUNT}:role/OtherAutomationRole` }, 'AutomationAssumeRole', /role fixed at deployment/],
    [{ PolicyText: '{"Statement":[]}' }, 'PolicyText', /accepts only KeyId and DryRun/],
    [{ keyid: KEY_ID }, 'keyid', /accepts only KeyId and DryRun/],
  ])('an event with %p is refused, naming %s, before any AWS call', async (extra, parameter, message) => {
    setUp(fixtureText('seed-bad-policy'));
    const error = await handler()(event({ DryRun: 'false', ...extra })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).parameter).toBe(parameter);
    expect((error as Error).message).toMatch(message);
    expect(calls).toEqual([]);
    expect(stsMock.calls()).toHaveLength(0);
  });

  it('names only the deployed principals in the new policy, whatever the invoker is', async () => {
    setUp(fixtureText('seed-bad-policy'));
    const result = await handler()(event({ DryRun: 'false' }));
    expect(result.status).toBe('APPLIED');
    const written = kmsMock.commandCalls(PutKeyPolicyCommand)[0]?.args[0].input.Policy ?? '';
    const named = [...written.matchAll(/arn:aws:iam::\d{12}:[^"]+/g)].map((m) => m[0]);
    expect(new Set(named)).toEqual(new Set([ADMIN, USER]));
  });
});

describe('the deployed principals (function environment, read at cold start)', () => {
  const env = (administration?: string, use?: string) => ({
    ...(administration === undefined ? {} : { KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS: administration }),
    ...(use === undefined ? {} : { KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS: use }),
  });

  it.each([
    `arn:aws:iam::${ACCOUNT}:role/service-role/team/KeyAdmin`,
    `arn:aws-cn:iam::${ACCOUNT}:role/KeyAdmin`,
    `arn:aws-us-gov:iam::${ACCOUNT}:user/alice`,
  ])('accepts %s', (arn) => {
    expect(readRemediationPrincipals(env(arn, USER)).administration).toEqual([arn]);
  });

  it('reads comma-separated role and user ARNs', () => {
    expect(readRemediationPrincipals(env(`${ADMIN}, arn:aws:iam::${ACCOUNT}:user/alice`, USER))).toEqual({
      administration: [ADMIN, `arn:aws:iam::${ACCOUNT}:user/alice`],
      use: [USER],
    });
  });

  it.each([
    [env(undefined, USER), 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS', /not set/],
    [env(ADMIN, ''), 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS', /not set/],
    [env('not-an-arn', USER), 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS', /not an IAM role or user ARN/],
    [env(`arn:aws:iam::${ACCOUNT}:root`, USER), 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS', /account principal/],
    [env(ADMIN, ACCOUNT), 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS', /account principal/],
    [env(ADMIN, 'arn:aws:iam::111122223333:role/*'), 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS', /not an IAM role or user ARN/],
    [env(`arn:aws:iam::${ACCOUNT}:role//`, USER), 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS', /not an IAM role or user ARN/],
    [env(`arn:aws:iam::${ACCOUNT}:role/`, USER), 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS', /not an IAM role or user ARN/],
    [env(ADMIN, `arn:aws:iam::${ACCOUNT}:user/a/`), 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS', /not an IAM role or user ARN/],
    [env(ADMIN, `arn:aws:iam::${ACCOUNT}:role/team//App`), 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS', /not an IAM role or user ARN/],
    [env(`arn:aws-foo:iam::${ACCOUNT}:role/KeyAdmin`, USER), 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS', /partition "aws-foo"/],
    [env(`arn:awsx:iam::${ACCOUNT}:role/KeyAdmin`, USER), 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS', /partition "awsx"/],
    [env(',', USER), 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS', /names no principal/],
    [env(ADMIN, ' , ,'), 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS', /names no principal/],
  ])('%p is refused naming %s', (environment, variable, message) => {
    const error = (() => {
      try {
        readRemediationPrincipals(environment);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RemediationConfigurationError);
    expect((error as RemediationConfigurationError).setting).toBe(variable);
    expect((error as Error).message).toMatch(message);
  });
});

describe('the policy changed between read and write (lost update)', () => {
  const ADDED = {
    Sid: 'Added by someone else meanwhile',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Auditor` },
    Action: 'kms:DescribeKey',
    Resource: '*',
  };

  it('writes nothing and says so when a second GetKeyPolicy returns another policy', async () => {
    const first = fixtureText('seed-bad-policy');
    const changed = JSON.parse(first) as { Statement: unknown[] };
    changed.Statement.push(ADDED);
    setUp(first);
    kmsMock
      .on(GetKeyPolicyCommand)
      .resolvesOnce({ Policy: first, PolicyName: 'default' })
      .resolves({ Policy: JSON.stringify(changed), PolicyName: 'default' });
    const error = await handler()(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyChangedError);
    expect((error as Error).message).toMatch(/changed while the remediation was preparing .*nothing was written.*run the remediation again/);
    expect(kmsMock.commandCalls(GetKeyPolicyCommand)).toHaveLength(2);
    expect(kmsMock.commandCalls(PutKeyPolicyCommand)).toHaveLength(0);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('re-reads right before writing, and backs up exactly the policy it overwrites', async () => {
    const text = fixtureText('seed-bad-policy');
    setUp(text);
    await handler()(event({ DryRun: 'false' }));
    expect(calls).toEqual(['DescribeKey', 'GetKeyPolicy', 'GetKeyPolicy', 'PutParameter', 'PutKeyPolicy']);
    expect(ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input.Value).toBe(text);
  });
});

describe('the rewrite follows the engine', () => {
  it('leaves a root statement narrowed by aws:PrincipalArn alone (the narrowed role keeps its access)', async () => {
    const narrowed = {
      Sid: 'Deploy role through IAM',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: '*',
      Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Deploy` } },
    };
    const policy = JSON.parse(fixtureText('seed-bad-policy')) as { Statement: unknown[] };
    policy.Statement.push(narrowed);
    setUp(JSON.stringify(policy));
    const result = await handler()(event());
    expect(result.status).toBe('DRY_RUN');
    if (result.status !== 'DRY_RUN') throw new Error('unreachable');
    const statements = (JSON.parse(result.newPolicy) as { Statement: unknown[] }).Statement;
    expect(statements).toContainEqual(narrowed);
    expect(result.changes.join('\n')).not.toMatch(/Deploy role through IAM/);
  });

  it('reports NO_CHANGE for a policy whose only root statement is narrowed to a role', async () => {
    setUp(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' },
          {
            Sid: 'Narrowed',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalArn': USER } },
          },
        ],
      }),
    );
    const result = await handler()(event({ DryRun: 'false' }));
    expect(result.status).toBe('NO_CHANGE');
    expect(writes()).toEqual([]);
  });

  it('a Deny whose Resource cannot be this key does not cause a lockout refusal', async () => {
    const policy = JSON.parse(fixtureText('seed-bad-policy')) as { Statement: unknown[] };
    policy.Statement.push({
      Sid: 'Protect another key',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:PutKeyPolicy',
      Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
    });
    setUp(JSON.stringify(policy));
    const result = await handler()(event({ DryRun: 'false' }));
    expect(result.status).toBe('APPLIED');
    if (result.status === 'APPLIED') expect(result.policyAdministrators).toEqual([ADMIN]);
  });

  it('a Deny on this key for everyone still refuses, naming the Deny', async () => {
    const policy = JSON.parse(fixtureText('seed-bad-policy')) as { Statement: unknown[] };
    policy.Statement.push({ Sid: 'Freeze', Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: KEY_ARN });
    setUp(JSON.stringify(policy));
    const error = await handler()(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockoutRiskError);
    expect((error as Error).message).toMatch(/statement 1 \("Freeze"\)/);
    expect(writes()).toEqual([]);
  });

  // The rewrite splits statement 0 (kms:*) into three statements, so in the rewritten policy the Deny moves;
  // the operator fixes the policy as it is on the key, so the message must name it there.
  it.each([
    ['with a Sid', { Sid: 'Freeze' }, 'statement 1 ("Freeze")'],
    ['without a Sid', {}, 'statement 1.'],
  ])('names a blocking Deny %s by its index in the policy on the key, not in the rewrite', async (_label, sid, named) => {
    const policy = JSON.parse(fixtureText('seed-bad-policy')) as { Statement: unknown[] };
    policy.Statement.push({ ...sid, Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: KEY_ARN });
    setUp(JSON.stringify(policy));
    const error = await handler()(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockoutRiskError);
    expect((error as Error).message).toContain(named);
    expect((error as Error).message).not.toMatch(/statement [2-9]/);
    expect(writes()).toEqual([]);
  });
});

describe('a Deny that carves a principal of the own account out of the account-wide grant', () => {
  // The Deny narrows who of the account keeps an action; the account-wide grant is still the key's own account
  // as a whole, so it is replaced by the deployed principals and the Deny stays as written.
  const root = { Sid: 'Allow key access', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
  it.each([
    [
      'Deny kms:ScheduleKeyDeletion to everyone but role/Admin',
      { Sid: 'NoDeletion', Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Admin` } } },
    ],
    [
      'Deny kms:Decrypt unless aws:PrincipalTag/team = sec',
      { Sid: 'SecOnly', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'sec' } } },
    ],
    [
      'Deny kms:Decrypt to everyone but a user, by aws:username',
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'aws:username': 'alice' } } },
    ],
  ])('%s: the account principal is rewritten, the Deny is kept', async (_label, deny) => {
    setUp(JSON.stringify({ Version: '2012-10-17', Statement: [root, deny] }));
    const result = await handler()(event());
    expect(result.status).toBe('DRY_RUN');
    if (result.status !== 'DRY_RUN') throw new Error('unreachable');
    const statements = (JSON.parse(result.newPolicy) as { Statement: unknown[] }).Statement;
    expect(JSON.stringify(statements)).not.toContain(':root');
    expect(statements).toContainEqual(deny);
    expect(result.policyAdministrators).toEqual([ADMIN]);
    expect(writes()).toEqual([]);
  });

  it('still refuses when the Deny carves the remediation\'s own administrators out of kms:PutKeyPolicy', async () => {
    const deny = { Sid: 'OnlyBreakGlass', Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/BreakGlass` } } };
    setUp(JSON.stringify({ Version: '2012-10-17', Statement: [root, deny] }));
    const error = await handler()(event()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockoutRiskError);
    expect((error as Error).message).toContain('statement 1 ("OnlyBreakGlass")');
    expect(writes()).toEqual([]);
  });
});

describe('SDK clients', () => {
  it('give every remediation client connection and request timeouts', async () => {
    const clients = createRemediationClients();
    for (const client of [clients.kms, clients.ssm, clients.sts]) {
      // NodeHttpHandler resolves its options lazily, on the first request: read the resolved options.
      const handlerConfig = await (client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> }).configProvider;
      expect(handlerConfig).toMatchObject(REMEDIATION_HTTP_OPTIONS);
    }
    expect(REMEDIATION_HTTP_OPTIONS.connectionTimeout).toBeGreaterThan(0);
    expect(REMEDIATION_HTTP_OPTIONS.requestTimeout).toBeGreaterThan(0);
    // requestTimeout alone only logs a warning in @smithy/node-http-handler: the call must fail instead.
    expect(REMEDIATION_HTTP_OPTIONS.throwOnRequestTimeout).toBe(true);
  });
});

describe('the deployed entry point', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  function loadEntryPoint(): (event: unknown) => Promise<unknown> {
    let entry: ((event: unknown) => Promise<unknown>) | undefined;
    jest.isolateModules(() => {
      entry = jest.requireActual<typeof import('../../remediation/handler')>('../../remediation/handler').handler;
    });
    if (entry === undefined) throw new Error('handler not loaded');
    return entry;
  }

  it.each([
    [{}, /KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS: is not set/],
    [{ KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS: '*', KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS: USER }, /KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS: "\*" is not an IAM role/],
  ])('with environment %p refuses every invocation, touching nothing', async (environment, message) => {
    setUp(fixtureText('seed-bad-policy'));
    delete process.env.KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS;
    delete process.env.KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS;
    Object.assign(process.env, environment, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
    const error = await loadEntryPoint()(event({ DryRun: 'false' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe('INVALID_CONFIGURATION');
    expect((error as Error).message).toMatch(message);
    expect(calls).toEqual([]);
  });
});
