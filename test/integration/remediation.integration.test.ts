/**
 * The remediation Lambda against a local AWS API (moto_server): real KMS keys and SSM parameters.
 */
import { CreateKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ApplyFailedError, InvalidParameterError, PolicyChangedError } from '../../remediation/errors';
import { createRemediationHandler } from '../../remediation/handler';
import { analyzePolicy } from '../../engine';
import { fixtureText, type FixtureName } from '../remediation/fixtures';
import { describeWithMoto, motoClientConfig, startMoto, type MotoServer } from '../support/moto';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describeWithMoto('remediation against moto (KMS + SSM Parameter Store)', () => {
  let moto: MotoServer;
  let kms: KMSClient;
  let ssm: SSMClient;
  let account: string;
  let sts: STSClient;
  /** moto's caller, as a key policy names it: the remediation must keep it able to change the policy. */
  let callerPrincipal: string;

  beforeAll(async () => {
    moto = await startMoto();
    kms = new KMSClient(motoClientConfig(moto.endpoint));
    ssm = new SSMClient(motoClientConfig(moto.endpoint));
    sts = new STSClient(motoClientConfig(moto.endpoint));
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    account = identity.Account ?? '123456789012';
    const name = /:user\/(.+)$/.exec(identity.Arn ?? '')?.[1] ?? 'moto';
    callerPrincipal = `arn:aws:iam::${account}:user/${name}`;
  });
  afterAll(async () => {
    await moto.stop();
  });

  /** The principals fixed at deployment; moto's caller stands for the function's own role. */
  const principals = () => ({ administration: [`arn:aws:iam::${account}:role/KeyAdmin`, callerPrincipal], use: [`arn:aws:iam::${account}:role/KeyUser`] });

  async function createKey(name: FixtureName): Promise<{ keyId: string; policy: string }> {
    const policy = fixtureText(name).replaceAll('111122223333', account);
    const created = await kms.send(new CreateKeyCommand({ Policy: policy, Description: `kms-policy-guard test ${name}` }));
    const keyId = created.KeyMetadata?.KeyId;
    if (keyId === undefined) throw new Error('moto returned no key id');
    return { keyId, policy };
  }

  async function currentPolicy(keyId: string): Promise<string> {
    return (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy ?? '';
  }

  async function backups(keyId: string) {
    const out = await ssm.send(new GetParametersByPathCommand({ Path: `/kms-policy-guard/backup/${keyId}`, Recursive: true }));
    return out.Parameters ?? [];
  }

  it('dry run leaves the key policy and Parameter Store untouched', async () => {
    const { keyId, policy } = await createKey('seed-bad-policy');
    const handler = createRemediationHandler({ kms, ssm, sts, principals: principals(), logger: silent });
    const result = await handler({ KeyId: keyId });
    expect(result.status).toBe('DRY_RUN');
    expect(await currentPolicy(keyId)).toBe(policy);
    expect(await backups(keyId)).toEqual([]);
  });

  it('apply backs up the old policy, then writes a policy without account-wide grants', async () => {
    const { keyId, policy } = await createKey('console-default-policy');
    const handler = createRemediationHandler({ kms, ssm, sts, principals: principals(), logger: silent });
    const result = await handler({ KeyId: keyId, DryRun: 'false' });
    expect(result.status).toBe('APPLIED');
    if (result.status !== 'APPLIED') return;

    const backup = await ssm.send(new GetParameterCommand({ Name: result.backupParameterName }));
    expect(backup.Parameter?.Value).toBe(policy);
    expect(backup.Parameter?.Type).toBe('String');

    const written = await currentPolicy(keyId);
    expect(written).not.toBe(policy);
    const findings = analyzePolicy(written, { accountId: account }).findings.map((f) => f.checkId);
    expect(findings.filter((id) => id.startsWith('ACCOUNT_WIDE_'))).toEqual([]);
  });

  it('a PutKeyPolicy failure after the backup leaves the old policy and the backup in place', async () => {
    const { keyId, policy } = await createKey('seed-bad-policy');
    const failingKms = new KMSClient(motoClientConfig(moto.endpoint));
    failingKms.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutKeyPolicyCommand') throw Object.assign(new Error('simulated outage'), { name: 'KMSInternalException' });
        return next(args);
      },
      { step: 'initialize', name: 'failPutKeyPolicy' },
    );
    const handler = createRemediationHandler({ kms: failingKms, ssm, sts, principals: principals(), logger: silent });
    const error = await handler({ KeyId: keyId, DryRun: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect(await currentPolicy(keyId)).toBe(policy);
    const saved = await backups(keyId);
    expect(saved).toHaveLength(1);
    expect(saved[0]?.Value).toBe(policy);
    expect(saved[0]?.Name).toBe((error as ApplyFailedError).backupParameterName);
  });

  it('a policy changed by someone else between the two reads is neither overwritten nor backed up', async () => {
    const { keyId, policy } = await createKey('seed-bad-policy');
    const theirs = JSON.parse(policy) as { Statement: unknown[] };
    theirs.Statement.push({ Sid: 'Added meanwhile', Effect: 'Allow', Principal: { AWS: callerPrincipal }, Action: 'kms:DescribeKey', Resource: '*' });
    const theirsText = JSON.stringify(theirs);
    const racingKms = new KMSClient(motoClientConfig(moto.endpoint));
    let reads = 0;
    racingKms.middlewareStack.add(
      (next, context) => async (args) => {
        // Someone else writes the policy right before the remediation's second read.
        if (context.commandName === 'GetKeyPolicyCommand' && ++reads === 2) {
          await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: theirsText }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'concurrentWriter' },
    );
    const handler = createRemediationHandler({ kms: racingKms, ssm, sts, principals: principals(), logger: silent });
    const error = await handler({ KeyId: keyId, DryRun: 'false' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyChangedError);
    expect(await currentPolicy(keyId)).toBe(theirsText);
    expect(await backups(keyId)).toEqual([]);
  });

  it('an event naming principals is refused and the key is left alone', async () => {
    const { keyId, policy } = await createKey('seed-bad-policy');
    const handler = createRemediationHandler({ kms, ssm, sts, principals: principals(), logger: silent });
    const error = await handler({ KeyId: keyId, DryRun: 'false', AdminPrincipalArns: `arn:aws:iam::${account}:role/Attacker` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect(await currentPolicy(keyId)).toBe(policy);
    expect(await backups(keyId)).toEqual([]);
  });
});
