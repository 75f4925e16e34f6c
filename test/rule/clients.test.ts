import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createClientsFactory, roleArnFromCaller, UNKNOWN_PRINCIPAL } from '../../rule/aws/clients';
import { AssumeRoleError } from '../../rule/config/errors';

const stsMock = mockClient(STSClient);
beforeEach(() => stsMock.reset());

const scope = { accountId: '444455556666', partition: 'aws-us-gov', region: 'us-gov-west-1' };
const expiration = new Date('2026-11-21T04:00:00Z');

describe('clients factory', () => {
  it('with ExecutionRoleName, assumes the role in the event account through the regional STS endpoint', async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiration },
    });
    const factory = createClientsFactory({ now: () => Date.parse('2026-11-21T03:00:00Z') });
    const clients = await factory({ ...scope, executionRoleName: 'KmsPolicyGuardAudit' });
    expect(stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: 'arn:aws-us-gov:iam::444455556666:role/KmsPolicyGuardAudit',
      RoleSessionName: 'kms-policy-guard',
    });
    // Every KMS and Config call, PutEvaluations included, runs with the assumed credentials.
    for (const client of [clients.kms, clients.config]) {
      const credentials = await client.config.credentials();
      expect(credentials).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', sessionToken: 'token' });
      expect(await client.config.region()).toBe('us-gov-west-1');
    }
    expect(await clients.principal()).toBe('arn:aws-us-gov:iam::444455556666:role/KmsPolicyGuardAudit');
    // The STS client that assumed the role is regional.
    const stsClient = stsMock.commandCalls(AssumeRoleCommand)[0]?.thisValue as STSClient;
    expect(await stsClient.config.region()).toBe('us-gov-west-1');
    const endpoint = await stsClient.config.endpointProvider({ Region: 'us-gov-west-1', UseGlobalEndpoint: false, UseFIPS: false, UseDualStack: false });
    expect(endpoint.url.hostname).toBe('sts.us-gov-west-1.amazonaws.com');
  });

  it('reuses assumed-role clients until the credentials near expiry', async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'A', SecretAccessKey: 'S', SessionToken: 'T', Expiration: expiration },
    });
    let now = Date.parse('2026-11-21T03:00:00Z');
    const factory = createClientsFactory({ now: () => now });
    const first = await factory({ ...scope, executionRoleName: 'Audit' });
    expect(await factory({ ...scope, executionRoleName: 'Audit' })).toBe(first);
    now = Date.parse('2026-11-21T03:50:00Z');
    expect(await factory({ ...scope, executionRoleName: 'Audit' })).not.toBe(first);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('fails with AssumeRoleError naming the role when the role cannot be assumed', async () => {
    stsMock.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const factory = createClientsFactory();
    const attempt = factory({ ...scope, executionRoleName: 'Audit' });
    await expect(attempt).rejects.toBeInstanceOf(AssumeRoleError);
    await expect(factory({ ...scope, executionRoleName: 'Audit' })).rejects.toThrow('arn:aws-us-gov:iam::444455556666:role/Audit');
  });

  it("without ExecutionRoleName, uses the function's own credentials and names its role", async () => {
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::111122223333:assumed-role/kms-policy-guard-fn/kms-policy-guard-fn' });
    const factory = createClientsFactory();
    const clients = await factory({ accountId: '111122223333', partition: 'aws', region: 'eu-west-1' });
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(await clients.principal()).toBe('arn:aws:iam::111122223333:role/kms-policy-guard-fn');
    expect(await factory({ accountId: '111122223333', partition: 'aws', region: 'eu-west-1' })).toBe(clients);
  });

  it('falls back to a description when the caller identity is unknown', async () => {
    stsMock.on(GetCallerIdentityCommand).rejects(new Error('offline'));
    const clients = await createClientsFactory()({ accountId: '111122223333', partition: 'aws', region: 'eu-west-1' });
    expect(await clients.principal()).toBe(UNKNOWN_PRINCIPAL);
  });

  it('turns an assumed-role caller ARN into the role ARN', () => {
    expect(roleArnFromCaller('arn:aws:sts::111122223333:assumed-role/R/s')).toBe('arn:aws:iam::111122223333:role/R');
    expect(roleArnFromCaller('arn:aws:iam::111122223333:user/u')).toBe('arn:aws:iam::111122223333:user/u');
  });
});
