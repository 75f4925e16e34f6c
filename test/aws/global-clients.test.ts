import { GetAccountAuthorizationDetailsCommand, type IAMClient } from '@aws-sdk/client-iam';
import { DescribeOrganizationCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createClientsFactory } from '../../aws/clients';

const stsMock = mockClient(STSClient);
beforeEach(() => stsMock.reset());

const STATIC = { credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } };

class HostCaptured extends Error {}

type Probe = GetAccountAuthorizationDetailsCommand | DescribeOrganizationCommand;

/** The host a client sends `command` to, as its own endpoint rules resolve it; the request is stopped once built. */
async function requestHost(client: IAMClient | OrganizationsClient, command: Probe): Promise<string> {
  const stack = client.middlewareStack.clone() as IAMClient['middlewareStack'];
  let host: string | undefined;
  stack.add(
    () => async (args) => {
      host = (args.request as { hostname?: string }).hostname;
      throw new HostCaptured();
    },
    { step: 'build', name: 'captureHost' },
  );
  const handler = (command as GetAccountAuthorizationDetailsCommand).resolveMiddleware(stack, (client as IAMClient).config, {});
  await expect(handler({ input: {} })).rejects.toBeInstanceOf(HostCaptured);
  if (host === undefined) throw new Error('no request was built');
  return host;
}

describe('IAM and Organizations clients', () => {
  it('are made on first use, kept for later use, and make one attempt per call', async () => {
    const clients = await createClientsFactory({ settings: { ...STATIC, maxAttempts: 5 } })({ accountId: '111122223333', partition: 'aws', region: 'eu-west-1' });

    expect(clients.iam()).toBe(clients.iam());
    expect(clients.organizations()).toBe(clients.organizations());
    expect(await clients.iam().config.maxAttempts()).toBe(1);
    expect(await clients.organizations().config.maxAttempts()).toBe(1);
  });

  it.each([
    ['aws', 'eu-west-1', 'iam.amazonaws.com', 'organizations.us-east-1.amazonaws.com'],
    ['aws-us-gov', 'us-gov-west-1', 'iam.us-gov.amazonaws.com', 'organizations.us-gov-west-1.amazonaws.com'],
    ['aws-cn', 'cn-northwest-1', 'iam.cn-north-1.amazonaws.com.cn', 'organizations.cn-northwest-1.amazonaws.com.cn'],
  ])('in %s (%s), call the partition endpoint of IAM (%s) and of Organizations (%s)', async (partition, region, iamHost, organizationsHost) => {
    const clients = await createClientsFactory({ settings: STATIC })({ accountId: '111122223333', partition, region });

    expect(await requestHost(clients.iam(), new GetAccountAuthorizationDetailsCommand({}))).toBe(iamHost);
    expect(await requestHost(clients.organizations(), new DescribeOrganizationCommand({}))).toBe(organizationsHost);
  });

  it("with ExecutionRoleName, act with the assumed role's credentials", async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2026-11-21T04:00:00Z') },
    });
    const clients = await createClientsFactory({ now: () => Date.parse('2026-11-21T03:00:00Z') })({
      accountId: '444455556666',
      partition: 'aws',
      region: 'us-east-1',
      executionRoleName: 'Audit',
    });

    for (const client of [clients.iam(), clients.organizations()]) {
      expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', sessionToken: 'token' });
      expect(await client.config.maxAttempts()).toBe(1);
    }
  });
});
