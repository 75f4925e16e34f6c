/**
 * The rule against a real local AWS API (moto_server): keys created with real policies, a scheduled sweep in
 * TestMode through the handler, verdicts checked. moto records no AWS::KMS::Key configuration items, so the
 * sweep takes the KMS path (ListKeys, DescribeKey, GetKeyPolicy), as it does in accounts where Config does not
 * record KMS keys.
 */
import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand, ScheduleKeyDeletionCommand, TagResourceCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createClientsFactory } from '../../aws/clients';
import { systemClock } from '../../runtime/clock';
import { EvaluationDeliveryError } from '../../rule/errors';
import { createHandler } from '../../rule/handler';
import { describeWithMoto, MOTO_REGION, motoClientConfig, startMoto, type MotoServer } from '../support/moto';
import { CapturingLogger, CapturingMetrics, fixtureEvent, lambdaContext, withParameters } from '../rule/support';

describeWithMoto('Config rule sweep against moto_server', () => {
  let moto: MotoServer;
  let account: string;
  const keys: Record<string, string> = {};

  const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    account = (await new STSClient(config).send(new GetCallerIdentityCommand({}))).Account as string;
    const kms = new KMSClient(config);
    const root = `arn:aws:iam::${account}:root`;
    const create = async (name: string, text: string) => {
      const created = await kms.send(new CreateKeyCommand({ Policy: text, Description: name }));
      keys[name] = created.KeyMetadata?.KeyId as string;
    };
    // The default key policy: the account root may do everything.
    await create('default-policy', policy([{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }]));
    // Administration and use split between named roles.
    await create(
      'split-duties',
      policy([
        {
          Sid: 'Allow access for Key Administrators',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:role/KeyAdmin` },
          Action: ['kms:CreateAlias', 'kms:DescribeKey', 'kms:EnableKey', 'kms:DisableKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
          Resource: '*',
        },
        {
          Sid: 'Allow use of the key',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:role/AppRole` },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          Resource: '*',
        },
      ]),
    );
    // Anyone may decrypt.
    await create('public-decrypt', policy([{ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }]));
    // On its way out.
    await create('pending-deletion', policy([{ Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }]));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keys['pending-deletion'], PendingWindowInDays: 7 }));
    // moto, like KMS before validation, stores what it is given: a broken policy.
    await create('broken-policy', policy([{ Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }]));
    await kms.send(new PutKeyPolicyCommand({ KeyId: keys['broken-policy'], PolicyName: 'default', Policy: '{"Version":"2012-10-17","Statement":[' }));
    // Flagged, but exempted with a justification.
    await create('exempt', policy([{ Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }]));
    await kms.send(new TagResourceCommand({ KeyId: keys.exempt, Tags: [{ TagKey: 'security:exemption', TagValue: 'SEC-77 break-glass key' }] }));
  });

  afterAll(async () => {
    await moto?.stop();
  });

  function handlerFor() {
    const logger = new CapturingLogger();
    const metrics = new CapturingMetrics();
    const handler = createHandler({
      clients: createClientsFactory({ settings: motoClientConfig(moto.endpoint) }),
      clock: systemClock,
      logger: logger.asLogger(),
      metrics: metrics.asMetrics(),
    });
    return { handler, logger, metrics };
  }

  function scheduledEvent(params: Record<string, string>) {
    return withParameters(
      fixtureEvent('scheduled-testmode.json', {
        accountId: account,
        configRuleArn: `arn:aws:config:${MOTO_REGION}:${account}:config-rule/config-rule-kmspg01`,
      }),
      params,
    );
  }

  const verdictsByName = (sent: { ComplianceResourceId?: string; ComplianceType?: string; Annotation?: string }[]) => {
    const byId = new Map(sent.map((e) => [e.ComplianceResourceId, e]));
    return Object.fromEntries(Object.entries(keys).map(([name, id]) => [name, byId.get(id)]));
  };

  it('evaluates every key in TestMode with the right verdict', async () => {
    const { handler, logger } = handlerFor();
    const sent = await handler(scheduledEvent({ ExemptionTagKey: 'security:exemption' }), lambdaContext());
    const v = verdictsByName(sent);
    expect(v['default-policy']).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('ACCOUNT_WIDE_FULL_ACCESS') });
    expect(v['split-duties']).toMatchObject({ ComplianceType: 'COMPLIANT' });
    expect(v['public-decrypt']).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('PUBLIC_ACCESS') });
    expect(v['pending-deletion']).toMatchObject({ ComplianceType: 'NOT_APPLICABLE' });
    expect(v['broken-policy']).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('INVALID_POLICY') });
    expect(v.exempt).toMatchObject({ ComplianceType: 'COMPLIANT', Annotation: expect.stringMatching(/^exempt: SEC-77 break-glass key/) });
    expect(sent).toHaveLength(Object.keys(keys).length);
    const finished = logger.entries.find((e) => e.message === 'sweep finished');
    expect(finished?.fields).toMatchObject({ source: 'kms', keysListed: Object.keys(keys).length, keysRemaining: 0 });
  });

  it('makes every call with the role named by ExecutionRoleName', async () => {
    // moto's STS hands out credentials for any role ARN; what is checked here is that the sweep runs end to end
    // on the assumed credentials (the unit tests check which ARN is assumed and that every client uses it).
    const { handler, logger } = handlerFor();
    const sent = await handler(scheduledEvent({ ExecutionRoleName: 'KmsPolicyGuardAudit' }), lambdaContext());
    expect(verdictsByName(sent)['default-policy']?.ComplianceType).toBe('NON_COMPLIANT');
    expect(sent).toHaveLength(Object.keys(keys).length);
    expect(logger.entries.find((e) => e.message === 'invocation failed')).toBeUndefined();
  });

  it('reads the policy from KMS for a change notification whose item carries none', async () => {
    const id = keys['public-decrypt'] as string;
    const event = fixtureEvent('change-policy-not-in-item.json', {
      accountId: account,
      configRuleArn: `arn:aws:config:${MOTO_REGION}:${account}:config-rule/config-rule-kmspg01`,
      resultToken: 'TESTMODE',
    });
    const invoking = JSON.parse(event.invokingEvent as string);
    invoking.configurationItem.resourceId = id;
    invoking.configurationItem.configuration.keyId = id;
    invoking.configurationItem.configuration.arn = `arn:aws:kms:${MOTO_REGION}:${account}:key/${id}`;
    const { handler } = handlerFor();
    const [evaluation] = await handler({ ...event, invokingEvent: JSON.stringify(invoking) }, lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceResourceId: id, ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('PUBLIC_ACCESS') });
  });

  it('fails the invocation, rather than pretend, when PutEvaluations refuses (moto outside TestMode)', async () => {
    const { handler } = handlerFor();
    const event = { ...scheduledEvent({}), resultToken: 'not-a-test-token' };
    await expect(handler(event, lambdaContext())).rejects.toBeInstanceOf(EvaluationDeliveryError);
  });
});
