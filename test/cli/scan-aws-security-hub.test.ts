/**
 * The Security Hub client of `scan --security-hub` (cli/aws/scan-aws.ts): in the target's Region, with the caller's
 * credentials or those of the role assumed in the member account (as for its KMS client), one SDK attempt and the
 * scan's timeouts; made once per target, and asked again after a failed AssumeRole.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createScanAws } from '../../cli/aws/scan-aws';
import { AssumeRoleError } from '../../aws/errors';

const sts = mockClient(STSClient);
beforeEach(() => sts.reset());

const settings = { endpoint: 'http://127.0.0.1:4566', credentials: { accessKeyId: 'AKIACALLER', secretAccessKey: 's' }, timeouts: { connectionTimeoutMs: 1500, requestTimeoutMs: 2500 } };
const MEMBER = '222233334444';

async function handlerOptions(client: { config: { requestHandler: unknown } }): Promise<Record<string, unknown>> {
  return (await (client.config.requestHandler as { configProvider: Promise<Record<string, unknown>> }).configProvider) ?? {};
}

describe('ScanAws.securityHub', () => {
  it("acts with the caller's credentials in the target's Region, one attempt, the scan's timeouts", async () => {
    const client = await createScanAws({ settings }).securityHub({ account: '111122223333', region: 'eu-west-1' }, 'aws');
    expect(await client.config.region()).toBe('eu-west-1');
    expect((await client.config.credentials()).accessKeyId).toBe('AKIACALLER');
    expect(await client.config.maxAttempts()).toBe(1);
    expect(await handlerOptions(client)).toMatchObject({ connectionTimeout: 1500, requestTimeout: 2500, throwOnRequestTimeout: true });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("acts as the member role in an organisation scan, and keeps the client", async () => {
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAMEMBER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) } });
    const aws = createScanAws({ settings });
    const target = { account: MEMBER, region: 'eu-central-1', roleName: 'Audit' };
    const client = await aws.securityHub(target, 'aws');
    expect((await client.config.credentials()).accessKeyId).toBe('ASIAMEMBER');
    expect(await client.config.region()).toBe('eu-central-1');
    expect(await client.config.maxAttempts()).toBe(1);
    expect(await handlerOptions(client)).toMatchObject({ connectionTimeout: 1500, requestTimeout: 2500 });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(`arn:aws:iam::${MEMBER}:role/Audit`);
    expect(await aws.securityHub(target, 'aws')).toBe(client);
  });

  it('rejects with AssumeRoleError when the role cannot be assumed, and asks again next time', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDenied' })).resolves({
      Credentials: { AccessKeyId: 'ASIAMEMBER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) },
    });
    const aws = createScanAws({ settings });
    const target = { account: MEMBER, region: 'eu-central-1', roleName: 'Audit' };
    await expect(aws.securityHub(target, 'aws')).rejects.toBeInstanceOf(AssumeRoleError);
    const client = await aws.securityHub(target, 'aws');
    expect((await client.config.credentials()).accessKeyId).toBe('ASIAMEMBER');
  });
});
