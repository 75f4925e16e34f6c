/**
 * A key deleted between the event (or the listing) and the read: KMS answers NotFoundException. That is no
 * missing permission, and the key is not the rule's business any more, but KMS is eventually consistent right
 * after CreateKey (a new key can be briefly unknown to a read), so the rule asks DescribeKey a second time,
 * after a short wait, before calling the key gone. Anything else fails closed, as for any unreadable key.
 */
import { ConfigServiceClient, GetComplianceDetailsByConfigRuleCommand, ListDiscoveredResourcesCommand, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand, ListKeysCommand, type KeyState } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { harness, RULE_PRINCIPAL } from './handler-harness';
import { ACCOUNT, fixtureEvent, lambdaContext } from './support';

const kmsMock = mockClient(KMSClient);
const configMock = mockClient(ConfigServiceClient);
const KEY = '6f1c3e2a-4b5d-4e8f-9a0b-1c2d3e4f5a6b';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/App` }, Action: 'kms:Decrypt', Resource: '*' }],
});
const awsError = (name: string) => Object.assign(new Error(`${name} (test)`), { name, $metadata: { httpStatusCode: 400 } });
const metadata = (state: KeyState) => ({ KeyMetadata: { KeyId: KEY, KeyManager: 'CUSTOMER' as const, KeyState: state } });

beforeEach(() => {
  kmsMock.reset();
  // Keys without grants unless a test says otherwise (EvaluateGrants is on by default).
  kmsMock.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  configMock.reset();
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
});

describe('GetKeyPolicy answers NotFoundException (a change event whose item has no policy)', () => {
  it.each([
    ['DescribeKey confirms the key is gone', awsError('NotFoundException'), 'NOT_APPLICABLE', /^The key no longer exists in this account and Region/],
    ['DescribeKey finds the key (eventual consistency)', metadata('Enabled'), 'NON_COMPLIANT', /^Key policy could not be judged: kms:GetKeyPolicy failed with NotFoundException\./],
    ['DescribeKey is denied', awsError('AccessDeniedException'), 'NON_COMPLIANT', /^Key policy could not be judged: kms:GetKeyPolicy failed with NotFoundException\./],
    ['DescribeKey fails otherwise', Object.assign(awsError('KMSInternalException'), { $metadata: { httpStatusCode: 500 } }), 'NON_COMPLIANT', /kms:GetKeyPolicy failed with NotFoundException/],
    ['DescribeKey says the key is pending deletion', metadata('PendingDeletion'), 'NOT_APPLICABLE', /^The key is in state PendingDeletion/],
  ])('%s', async (_case, describeAnswer, compliance, annotation) => {
    kmsMock.on(GetKeyPolicyCommand).rejects(awsError('NotFoundException'));
    if (describeAnswer instanceof Error) kmsMock.on(DescribeKeyCommand).rejects(describeAnswer);
    else kmsMock.on(DescribeKeyCommand).resolves(describeAnswer);
    const { handler, clock } = harness();
    const started = clock.now();

    const [evaluation] = await handler(fixtureEvent('unreadable-policy.json'), lambdaContext());

    expect(evaluation).toMatchObject({ ComplianceResourceId: KEY, ComplianceType: compliance, Annotation: expect.stringMatching(annotation) });
    // The second read went out, after a wait that gives a just-created key time to become visible.
    expect(kmsMock.commandCalls(DescribeKeyCommand)[0]?.args[0].input).toEqual({ KeyId: KEY });
    expect(clock.now() - started).toBeGreaterThanOrEqual(1000);
    if (compliance === 'NOT_APPLICABLE') expect(evaluation?.Annotation).not.toContain('Grant');
    else expect(evaluation?.Annotation).toContain(RULE_PRINCIPAL);
  });

  it('does not ask again for other failures', async () => {
    kmsMock.on(GetKeyPolicyCommand).rejects(awsError('AccessDeniedException'));
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent('unreadable-policy.json'), lambdaContext());
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });
});

describe('DescribeKey answers NotFoundException in a sweep over KMS', () => {
  beforeEach(() => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({});
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    kmsMock.on(ListKeysCommand).resolves({ Keys: [{ KeyId: KEY }] });
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: POLICY });
  });

  it.each([
    ['twice: the key is gone', [awsError('NotFoundException'), awsError('NotFoundException')], 'NOT_APPLICABLE', 0],
    ['once, then the key is found: it is judged', [awsError('NotFoundException'), metadata('Enabled')], 'COMPLIANT', 1],
  ])('%s', async (_case, answers, compliance, policyReads) => {
    let call = 0;
    kmsMock.on(DescribeKeyCommand).callsFake(async () => {
      const answer = answers[Math.min(call++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    });
    const { handler } = harness();
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(sent).toEqual([expect.objectContaining({ ComplianceResourceId: KEY, ComplianceType: compliance })]);
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(2);
    expect(kmsMock.commandCalls(GetKeyPolicyCommand)).toHaveLength(policyReads);
  });
});

/**
 * KMS resolves a bare key ID (what the reads send) in the account of the caller's credentials. A central rule
 * without ExecutionRoleName reads a member account's key with the function's own credentials, so KMS looks in
 * the function's account and answers NotFoundException for a key that may well exist: that says nothing about
 * the key, which stays unreadable (NON_COMPLIANT), never "deleted".
 */
describe('NotFoundException from a read made outside the key\'s account', () => {
  it.each([
    ['the calls act in another account (central rule without ExecutionRoleName)', '999988887777', 'NON_COMPLIANT'],
    ['the account the calls act in is unknown (GetCallerIdentity failed)', undefined, 'NON_COMPLIANT'],
    ['the calls act in the key\'s account', ACCOUNT, 'NOT_APPLICABLE'],
  ])('%s: %s', async (_case, clientsAccount, compliance) => {
    kmsMock.on(GetKeyPolicyCommand).rejects(awsError('NotFoundException'));
    kmsMock.on(DescribeKeyCommand).rejects(awsError('NotFoundException'));
    const { handler } = harness({ clientsAccount });
    const [evaluation] = await handler(fixtureEvent('unreadable-policy.json'), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceResourceId: KEY, ComplianceType: compliance });
    if (compliance === 'NON_COMPLIANT') expect(evaluation?.Annotation).toMatch(/kms:GetKeyPolicy failed with NotFoundException/);
  });

  it('with ExecutionRoleName the calls act in the key\'s account, so two NotFoundException mean the key is gone', async () => {
    kmsMock.on(GetKeyPolicyCommand).rejects(awsError('NotFoundException'));
    kmsMock.on(DescribeKeyCommand).rejects(awsError('NotFoundException'));
    const { handler, scopes } = harness({ clientsAccount: '999988887777' });
    const event = fixtureEvent('unreadable-policy.json') as { ruleParameters?: string };
    const [evaluation] = await handler({ ...event, ruleParameters: JSON.stringify({ ExecutionRoleName: 'KmsPolicyGuardExecutionRole' }) }, lambdaContext());
    expect(scopes[0]?.executionRoleName).toBe('KmsPolicyGuardExecutionRole');
    expect(evaluation).toMatchObject({ ComplianceResourceId: KEY, ComplianceType: 'NOT_APPLICABLE' });
  });

  it('a sweep that lists a key and then cannot find it, from another account, keeps it NON_COMPLIANT', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({});
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    kmsMock.on(ListKeysCommand).resolves({ Keys: [{ KeyId: KEY }] });
    kmsMock.on(DescribeKeyCommand).rejects(awsError('NotFoundException'));
    const { handler } = harness({ clientsAccount: '999988887777' });
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(sent).toEqual([expect.objectContaining({ ComplianceResourceId: KEY, ComplianceType: 'NON_COMPLIANT' })]);
  });
});
