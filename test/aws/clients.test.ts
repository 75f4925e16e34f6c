import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createClientsFactory,
  roleArnFromCaller,
  sdkClientConfig,
  UNKNOWN_PRINCIPAL,
  type AwsClients,
} from '../../aws/clients';
import { DEFAULT_AWS_TIMEOUTS } from '../../aws/timeouts';
import { startBlackHole, type BlackHole } from '../support/black-hole';
import { AssumeRoleError } from '../../aws/errors';

const stsMock = mockClient(STSClient);
beforeEach(() => stsMock.reset());

class HostCaptured extends Error {}

/**
 * The host an STS client sends its requests to, as its own middleware stack and configuration resolve it
 * (endpoint parameters such as useGlobalEndpoint included). The request is stopped once built: nothing is
 * signed or sent, and the client itself is left unchanged.
 */
async function requestHost(client: STSClient): Promise<string> {
  const stack = client.middlewareStack.clone();
  let host: string | undefined;
  stack.add(
    () => async (args) => {
      host = (args.request as { hostname?: string }).hostname;
      throw new HostCaptured();
    },
    { step: 'build', name: 'captureHost' },
  );
  // AssumeRoleWithWebIdentity is unsigned at regional endpoints, so no credentials are looked for (the global
  // endpoint's rules ask for SigV4: clients checked against it need credentials). STS resolves one endpoint for
  // every operation of a client.
  const input = { RoleArn: 'arn:aws:iam::111122223333:role/probe', RoleSessionName: 'probe', WebIdentityToken: 'token' };
  const handler = new AssumeRoleWithWebIdentityCommand(input).resolveMiddleware(stack, client.config, {});
  await expect(handler({ input })).rejects.toBeInstanceOf(HostCaptured);
  if (host === undefined) throw new Error('no request was built');
  return host;
}

/** Sends one call of each client through a fake HTTP handler that always answers ThrottlingException. */
async function httpAttemptsWhenThrottled(clients: AwsClients): Promise<{ kms: number; config: number }> {
  const attempts = { kms: 0, config: 0 };
  const throttled = (count: () => void) => ({
    handle: async () => {
      count();
      return {
        response: {
          statusCode: 400,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: new TextEncoder().encode(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' })),
        },
      };
    },
  });
  (clients.kms.config as { requestHandler: unknown }).requestHandler = throttled(() => attempts.kms++);
  (clients.config.config as { requestHandler: unknown }).requestHandler = throttled(() => attempts.config++);
  await expect(clients.kms.send(new DescribeKeyCommand({ KeyId: 'k' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
  await expect(clients.config.send(new PutEvaluationsCommand({ ResultToken: 't', Evaluations: [] }))).rejects.toMatchObject({
    name: 'ThrottlingException',
  });
  return attempts;
}

const STATIC = { credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } };

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
    // The STS client that assumed the role calls the regional endpoint, as its own configuration resolves it.
    const stsClient = stsMock.commandCalls(AssumeRoleCommand)[0]?.thisValue as STSClient;
    expect(await stsClient.config.region()).toBe('us-gov-west-1');
    expect(await requestHost(stsClient)).toBe('sts.us-gov-west-1.amazonaws.com');
  });

  it('calls STS at the regional endpoint even in Regions that also have the global one', async () => {
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::111122223333:assumed-role/fn/fn' });
    const clients = await createClientsFactory({ settings: STATIC })({ accountId: '111122223333', partition: 'aws', region: 'us-east-1' });
    await clients.principal();
    const stsClient = stsMock.commandCalls(GetCallerIdentityCommand)[0]?.thisValue as STSClient;
    expect(await requestHost(stsClient)).toBe('sts.us-east-1.amazonaws.com');
    // The check tells the two apart: a client set to the global endpoint would be caught.
    expect(await requestHost(new STSClient({ region: 'us-east-1', useGlobalEndpoint: true, ...STATIC }))).toBe('sts.amazonaws.com');
  });

  it('builds KMS and Config clients that make one attempt per call (the rule retries through its rate limit)', async () => {
    const factory = createClientsFactory({ settings: { ...STATIC, maxAttempts: 5 } });
    const own = await factory({ accountId: '111122223333', partition: 'aws', region: 'eu-west-1' });
    expect(await own.kms.config.maxAttempts()).toBe(1);
    expect(await own.config.config.maxAttempts()).toBe(1);
    expect(await httpAttemptsWhenThrottled(own)).toEqual({ kms: 1, config: 1 });
  });

  it('builds assumed-role KMS and Config clients that make one attempt per call', async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiration },
    });
    const factory = createClientsFactory({ now: () => Date.parse('2026-11-21T03:00:00Z') });
    const assumed = await factory({ ...scope, executionRoleName: 'Audit' });
    expect(await assumed.kms.config.maxAttempts()).toBe(1);
    expect(await assumed.config.config.maxAttempts()).toBe(1);
    expect(await httpAttemptsWhenThrottled(assumed)).toEqual({ kms: 1, config: 1 });
  });

  it('gives AssumeRole the abort signal it is called with, so a hung STS call ends with the invocation', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 'S', SessionToken: 'T', Expiration: expiration } });
    const controller = new AbortController();
    await createClientsFactory({ now: () => Date.parse('2026-11-21T03:00:00Z') })({ ...scope, executionRoleName: 'Audit' }, { abortSignal: controller.signal });
    expect((stsMock.commandCalls(AssumeRoleCommand)[0]?.args as unknown[])[1]).toEqual({ abortSignal: controller.signal });
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

  // A warm container keeps its clients for hours: one invocation whose lookup was aborted (its deadline) or
  // failed must not leave every later invocation naming UNKNOWN_PRINCIPAL.
  it.each([
    ['fails', () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))],
    ['answers without an ARN', () => Promise.resolve({})],
  ])('looks the caller up again on the next invocation when the first lookup %s', async (_label, firstAnswer) => {
    let calls = 0;
    stsMock.on(GetCallerIdentityCommand).callsFake(() => {
      calls++;
      return calls === 1 ? firstAnswer() : Promise.resolve({ Arn: 'arn:aws:sts::111122223333:assumed-role/fn-role/fn', Account: '111122223333' });
    });
    const factory = createClientsFactory();
    const scope = { accountId: '111122223333', partition: 'aws', region: 'eu-west-1' };
    expect(await (await factory(scope)).principal()).toBe(UNKNOWN_PRINCIPAL);
    expect(await (await factory(scope)).principal()).toBe('arn:aws:iam::111122223333:role/fn-role');
    // Once known, the identity is kept: no further STS call.
    expect(await (await factory(scope)).principal()).toBe('arn:aws:iam::111122223333:role/fn-role');
    expect(stsMock.commandCalls(GetCallerIdentityCommand)).toHaveLength(2);
  });

  it('looks the caller up again after a lookup aborted by the invocation deadline', async () => {
    let calls = 0;
    stsMock.on(GetCallerIdentityCommand).callsFake(() => {
      calls++;
      if (calls === 1) return Promise.reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
      return Promise.resolve({ Arn: 'arn:aws:sts::111122223333:assumed-role/fn-role/fn', Account: '111122223333' });
    });
    const factory = createClientsFactory();
    const scope = { accountId: '111122223333', partition: 'aws', region: 'eu-west-1' };
    const aborted = new AbortController();
    aborted.abort();
    expect(await (await factory(scope)).principal({ abortSignal: aborted.signal })).toBe(UNKNOWN_PRINCIPAL);
    expect(await (await factory(scope)).principal()).toBe('arn:aws:iam::111122223333:role/fn-role');
  });

  it('tells the account the calls act in: the caller\'s own, or the assumed role\'s', async () => {
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::111122223333:assumed-role/fn-role/fn', Account: '111122223333' });
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'a', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) } });
    const factory = createClientsFactory();
    const own = await factory({ accountId: '444455556666', partition: 'aws', region: 'eu-west-1' });
    expect(await own.account()).toBe('111122223333');
    const assumed = await factory({ accountId: '444455556666', partition: 'aws', region: 'eu-west-1', executionRoleName: 'Audit' });
    expect(await assumed.account()).toBe('444455556666');
  });

  it('says the account is unknown when GetCallerIdentity fails, and asks again next time', async () => {
    stsMock.on(GetCallerIdentityCommand).rejectsOnce(new Error('offline')).resolves({ Arn: 'arn:aws:sts::111122223333:assumed-role/fn-role/fn', Account: '111122223333' });
    const factory = createClientsFactory();
    const scope = { accountId: '111122223333', partition: 'aws', region: 'eu-west-1' };
    expect(await (await factory(scope)).account()).toBeUndefined();
    expect(await (await factory(scope)).account()).toBe('111122223333');
  });

  it('turns an assumed-role caller ARN into the role ARN', () => {
    expect(roleArnFromCaller('arn:aws:sts::111122223333:assumed-role/R/s')).toBe('arn:aws:iam::111122223333:role/R');
    expect(roleArnFromCaller('arn:aws:iam::111122223333:user/u')).toBe('arn:aws:iam::111122223333:user/u');
  });
});

describe('client timeouts', () => {
  let hole: BlackHole;
  beforeAll(async () => {
    hole = await startBlackHole();
  });
  afterAll(async () => {
    await hole.close();
  });

  it('turns the timeouts into request handler options that fail the call (not only warn) when exceeded', () => {
    expect(sdkClientConfig({ endpoint: 'http://127.0.0.1:1' })).toEqual({
      endpoint: 'http://127.0.0.1:1',
      requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000, throwOnRequestTimeout: true, socketTimeout: 10_000 },
    });
    expect(DEFAULT_AWS_TIMEOUTS).toEqual({ connectionTimeoutMs: 3000, requestTimeoutMs: 10_000 });
    expect(sdkClientConfig({ timeouts: { connectionTimeoutMs: 5, requestTimeoutMs: 7 } }).requestHandler).toMatchObject({ connectionTimeout: 5, requestTimeout: 7 });
  });

  it.each([
    ['own credentials', undefined],
    ['an assumed role', 'Audit'],
  ])('KMS and Config clients (%s) give up on an endpoint that never answers, naming it', async (_case, executionRoleName) => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 'S', SessionToken: 'T', Expiration: expiration } });
    const factory = createClientsFactory({
      settings: { ...STATIC, endpoint: hole.endpoint, timeouts: { connectionTimeoutMs: 200, requestTimeoutMs: 300 } },
      now: () => Date.parse('2026-11-21T03:00:00Z'),
    });
    const base = { accountId: '111122223333', partition: 'aws', region: 'us-east-1' };
    const clients = await factory(executionRoleName === undefined ? base : { ...base, executionRoleName });
    const before = hole.connections();
    await expect(clients.kms.send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'TimeoutError', message: expect.stringContaining(`(endpoint ${hole.hostPort})`) });
    await expect(clients.config.send(new PutEvaluationsCommand({ ResultToken: 't', Evaluations: [] }))).rejects.toMatchObject({
      name: 'TimeoutError',
      message: expect.stringContaining(hole.hostPort),
    });
    // Both requests reached the listener: the timeout is the request's, not a refused connection.
    expect(hole.connections() - before).toBe(2);
  }, 15_000);
});
