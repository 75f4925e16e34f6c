import {
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  BatchGetResourceConfigCommand,
  PutEvaluationsCommand,
  type ConfigurationItem,
} from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { analyzePolicy } from '../../engine';
import type { Analyzer } from '../../rule/evaluate-key';
import { EvaluationDeliveryError, InvalidEventError, UnknownMessageTypeError } from '../../rule/errors';
import { InvalidParameterError } from '../../settings/errors';
import { harness, RULE_PRINCIPAL } from './handler-harness';
import { ACCOUNT, fixtureEvent, fixtureJson, lambdaContext, withParameters } from './support';

const kmsMock = mockClient(KMSClient);
const configMock = mockClient(ConfigServiceClient);
const K1 = '1234abcd-12ab-34cd-56ef-1234567890ab';
const K3 = '6f1c3e2a-4b5d-4e8f-9a0b-1c2d3e4f5a6b';
const ROOT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
});
const ROLE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Use', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/AppRole` }, Action: ['kms:Decrypt'], Resource: '*' }],
});

beforeEach(() => {
  kmsMock.reset();
  // Keys without grants unless a test says otherwise (EvaluateGrants is on by default).
  kmsMock.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  configMock.reset();
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
});

const putCalls = () => configMock.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input);
/** The KMS requests sent (`ListGrants k-1`), sorted: a key judged from its configuration item costs one ListGrants (EvaluateGrants). */
const kmsCommands = () =>
  kmsMock
    .calls()
    .map((c) => {
      const command = c.args[0] as { input: { KeyId?: string } };
      return `${command.constructor.name.replace(/Command$/, '')} ${command.input.KeyId ?? ''}`.trim();
    })
    .sort();
const listGrantsOf = (...keyIds: string[]) => keyIds.map((id) => `ListGrants ${id}`).sort();

describe('change notifications', () => {
  it('judges the policy in the configuration item: root kms:* is NON_COMPLIANT', async () => {
    const { handler, metrics, logger } = harness();
    const sent = await handler(fixtureEvent('change-root-full-access.json'), lambdaContext());
    expect(sent).toEqual([
      {
        ComplianceResourceType: 'AWS::KMS::Key',
        ComplianceResourceId: K1,
        ComplianceType: 'NON_COMPLIANT',
        Annotation: `ACCOUNT_WIDE_FULL_ACCESS arn:aws:iam::${ACCOUNT}:root (Sid "Enable IAM User Permissions")`,
        OrderingTimestamp: new Date('2026-11-20T14:05:31.871Z'),
      },
    ]);
    expect(putCalls()).toEqual([{ Evaluations: sent, ResultToken: 'eyJlbmNyeXB0ZWREYXRhIjpbMTIsLTU0LDk5XX0=', TestMode: false }]);
    expect(kmsCommands()).toEqual(listGrantsOf(K1));
    expect(metrics.sum('NonCompliantKeys')).toBe(1);
    expect(metrics.published).toBe(1);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ message: 'key evaluated', fields: expect.objectContaining({ keyId: K1, verdict: 'NON_COMPLIANT', checkIds: ['ACCOUNT_WIDE_FULL_ACCESS'] }) }),
    );
    // No policy text in the logs.
    expect(logger.text()).not.toContain('Enable IAM User Permissions');
  });

  it('a policy granting named roles only is COMPLIANT', async () => {
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent('change-split-duties.json'), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'COMPLIANT' });
    expect(evaluation?.Annotation).toBeUndefined();
  });

  it('reads the policy with kms:GetKeyPolicy (PolicyName default) when the item has none', async () => {
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: ROOT_POLICY, PolicyName: 'default' });
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent('change-policy-not-in-item.json'), lambdaContext());
    expect(kmsMock.commandCalls(GetKeyPolicyCommand)[0]?.args[0].input).toEqual({ KeyId: K3, PolicyName: 'default' });
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(0);
    expect(evaluation).toMatchObject({ ComplianceResourceId: K3, ComplianceType: 'NON_COMPLIANT' });
  });

  it.each([
    ['AccessDeniedException', /kms:GetKeyPolicy failed with AccessDeniedException\. Grant kms:GetKeyPolicy on this key to arn:aws:iam::111122223333:role\/kms-policy-guard-rule/],
    // NotFoundException is asked again before anything is decided: test/rule/deleted-key.test.ts.
  ])('a policy that cannot be read (%s) is NON_COMPLIANT, naming permission and role', async (name, annotation) => {
    kmsMock.on(GetKeyPolicyCommand).rejects(Object.assign(new Error('nope'), { name }));
    const { handler, metrics } = harness();
    const [evaluation] = await handler(fixtureEvent('unreadable-policy.json'), lambdaContext());
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluation?.Annotation).toMatch(annotation);
    expect(evaluation?.Annotation).toContain(RULE_PRINCIPAL);
    expect(metrics.sum('EvaluationErrors')).toBe(1);
  });

  it.each([
    ['KMSInternalException', 500, /kms:GetKeyPolicy failed with KMSInternalException\. A service error, not a missing permission; retried on the next evaluation/],
    ['KMSInvalidStateException', 400, /kms:GetKeyPolicy failed with KMSInvalidStateException\. The key's state does not allow this call; not a missing permission\. Retried on the next evaluation/],
  ])('a read failing with %s is NON_COMPLIANT without claiming a missing permission', async (name, status, annotation) => {
    kmsMock.on(GetKeyPolicyCommand).rejects(Object.assign(new Error('nope'), { name, $metadata: { httpStatusCode: status } }));
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent('unreadable-policy.json'), lambdaContext());
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluation?.Annotation).toMatch(annotation);
    expect(evaluation?.Annotation).not.toMatch(/Grant|needs/);
    expect(evaluation?.Annotation).not.toContain(RULE_PRINCIPAL);
    // A server error is retried within the invocation first; a state error is not.
    expect(kmsMock.commandCalls(GetKeyPolicyCommand)).toHaveLength(status === 500 ? 6 : 1);
  });

  it('an unparsable policy is NON_COMPLIANT (INVALID_POLICY)', async () => {
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent('change-invalid-policy.json'), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringMatching(/^INVALID_POLICY/) });
  });

  it('an engine that throws does not make the key COMPLIANT', async () => {
    const { handler } = harness({
      analyze: () => {
        throw new Error('not implemented yet');
      },
    });
    const [evaluation] = await handler(fixtureEvent('change-split-duties.json'), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('could not be analysed') });
  });

  it.each([
    ['deleted.json', 'The key was deleted.'],
    ['deleted-not-recorded.json', 'The key was deleted.'],
    ['out-of-scope.json', 'The key left the rule scope.'],
    ['pending-deletion.json', 'The key is in state PendingDeletion.'],
    ['aws-managed-key.json', expect.stringContaining('AWS-managed key')],
    ['non-kms-resource.json', 'This rule evaluates AWS::KMS::Key, not AWS::EC2::Instance.'],
  ])('%s is NOT_APPLICABLE without calling KMS', async (fixture, annotation) => {
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent(fixture), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'NOT_APPLICABLE', Annotation: annotation });
    expect(kmsCommands()).toEqual([]);
  });

  it('evaluates AWS-managed keys when IncludeAwsManagedKeys is true', async () => {
    const { handler } = harness();
    const event = withParameters(fixtureEvent('aws-managed-key.json'), { IncludeAwsManagedKeys: 'true' });
    const [evaluation] = await handler(event, lambdaContext());
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
  });

  it('an exemption tag with a justification makes the key COMPLIANT, saying why', async () => {
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent('exempt.json'), lambdaContext());
    expect(evaluation).toMatchObject({
      ComplianceType: 'COMPLIANT',
      Annotation: expect.stringMatching(/^exempt: SEC-1234 legacy batch jobs, review 2027-03/),
    });
  });

  it('an exemption tag cannot cover PUBLIC_ACCESS (NonSuppressibleChecks by default): NON_COMPLIANT, saying so', async () => {
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(fixtureEvent('exempt-public-access.json'), lambdaContext());
    expect(evaluation).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      Annotation: expect.stringMatching(/^tag security:exemption cannot exempt PUBLIC_ACCESS \(NonSuppressibleChecks\); PUBLIC_ACCESS \* \(Sid "Anyone may decrypt"\)/),
    });
  });

  it('NonSuppressibleChecks=NONE lets the exemption tag cover PUBLIC_ACCESS again', async () => {
    const { handler } = harness({ analyze: analyzePolicy });
    const event = withParameters(fixtureEvent('exempt-public-access.json'), { ExemptionTagKey: 'security:exemption', NonSuppressibleChecks: 'NONE' });
    const [evaluation] = await handler(event, lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'COMPLIANT', Annotation: expect.stringMatching(/^exempt: SEC-1234 .*would fail PUBLIC_ACCESS, ACCOUNT_WIDE_FULL_ACCESS/) });
  });

  it('MinimumSeverity above the findings makes the key COMPLIANT', async () => {
    const { handler } = harness();
    const event = withParameters(fixtureEvent('change-root-full-access.json'), { MinimumSeverity: 'critical' });
    const [evaluation] = await handler(event, lambdaContext());
    expect(evaluation?.ComplianceType).toBe('COMPLIANT');
  });

  it('passes ExecutionRoleName, account and partition to the clients factory', async () => {
    const { handler, scopes } = harness();
    await handler(fixtureEvent('execution-role.json'), lambdaContext());
    expect(scopes).toEqual([{ accountId: ACCOUNT, partition: 'aws', region: 'us-east-2', executionRoleName: 'KmsPolicyGuardAudit' }]);
  });
});

describe('oversized notifications', () => {
  const history = fixtureJson<{ configurationItems: ConfigurationItem[] }>('api-get-resource-config-history.json');
  const item = history.configurationItems[0] as ConfigurationItem;
  const withDates = { ...item, configurationItemCaptureTime: new Date(String(item.configurationItemCaptureTime)) };

  it('fetches the item with GetResourceConfigHistory (limit 1) and judges it', async () => {
    configMock.on(GetResourceConfigHistoryCommand).resolves({ configurationItems: [withDates] });
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent('oversized.json'), lambdaContext());
    expect(configMock.commandCalls(GetResourceConfigHistoryCommand)[0]?.args[0].input).toEqual({
      resourceType: 'AWS::KMS::Key',
      resourceId: K1,
      limit: 1,
    });
    expect(evaluation).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      ComplianceResourceId: K1,
      OrderingTimestamp: new Date('2026-11-20T14:10:02.377Z'),
    });
    expect(kmsCommands()).toEqual(listGrantsOf(K1));
  });

  it('reads the key from KMS when the history cannot be fetched', async () => {
    configMock.on(GetResourceConfigHistoryCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: K1, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: ROLE_POLICY });
    const { handler } = harness();
    const [evaluation] = await handler(fixtureEvent('oversized.json'), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'COMPLIANT', OrderingTimestamp: new Date('2026-11-20T14:10:02.377Z') });
  });
});

describe('invalid invocations post nothing', () => {
  it.each([
    ['malformed-event.json', InvalidEventError, /invokingEvent is not valid JSON/],
    ['bad-parameter.json', InvalidParameterError, /MinimumSeverity/],
    ['unknown-message-type.json', UnknownMessageTypeError, /ConfigurationSnapshotDeliveryCompleted/],
  ])('%s', async (fixture, type, message) => {
    const { handler, logger, metrics } = harness();
    const run = handler(fixtureEvent(fixture), lambdaContext());
    await expect(run).rejects.toBeInstanceOf(type);
    await expect(handler(fixtureEvent(fixture), lambdaContext())).rejects.toThrow(message);
    expect(putCalls()).toHaveLength(0);
    expect(logger.entries.find((e) => e.level === 'error')?.fields.errorMessage).toMatch(message);
    expect(metrics.sum('InvocationFailures')).toBe(2);
  });

  it('fails when evaluations cannot be delivered', async () => {
    configMock.on(PutEvaluationsCommand).rejects(Object.assign(new Error('bad token'), { name: 'InvalidResultTokenException' }));
    const { handler } = harness();
    await expect(handler(fixtureEvent('change-root-full-access.json'), lambdaContext())).rejects.toBeInstanceOf(EvaluationDeliveryError);
  });
});

describe('scheduled sweeps', () => {
  const ITEM_IDS = ['k-root', 'k-role', 'k-aws'];
  const baseItem = (id: string, manager: string, policy: string) => ({
    version: '1.3',
    accountId: ACCOUNT,
    configurationItemCaptureTime: new Date('2026-11-20T10:00:00.000Z'),
    configurationItemStatus: 'OK' as const,
    resourceType: 'AWS::KMS::Key' as const,
    resourceId: id,
    arn: `arn:aws:kms:us-east-2:${ACCOUNT}:key/${id}`,
    awsRegion: 'us-east-2',
    configuration: JSON.stringify({ keyId: id, keyManager: manager, keyState: 'Enabled', arn: `arn:aws:kms:us-east-2:${ACCOUNT}:key/${id}` }),
    supplementaryConfiguration: { Policy: JSON.stringify(policy) },
  });

  it("uses Config's records when it has them: only the grants read from KMS, stale keys cleaned up", async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({
      resourceIdentifiers: ITEM_IDS.map((resourceId) => ({ resourceType: 'AWS::KMS::Key', resourceId })),
    });
    configMock.on(BatchGetResourceConfigCommand).resolves({
      baseConfigurationItems: [baseItem('k-root', 'CUSTOMER', ROOT_POLICY), baseItem('k-role', 'CUSTOMER', ROLE_POLICY), baseItem('k-aws', 'AWS', ROOT_POLICY)],
    });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({
      EvaluationResults: [
        { EvaluationResultIdentifier: { EvaluationResultQualifier: { ResourceType: 'AWS::KMS::Key', ResourceId: 'k-root', ConfigRuleName: 'kms-key-policy-guard' } } },
        { EvaluationResultIdentifier: { EvaluationResultQualifier: { ResourceType: 'AWS::KMS::Key', ResourceId: 'k-gone', ConfigRuleName: 'kms-key-policy-guard' } } },
      ],
    });
    const { handler, logger } = harness();
    const sent = await handler(fixtureEvent('scheduled-testmode.json'), lambdaContext());
    const verdicts = Object.fromEntries(sent.map((e) => [e.ComplianceResourceId, e.ComplianceType]));
    expect(verdicts).toEqual({ 'k-root': 'NON_COMPLIANT', 'k-role': 'COMPLIANT', 'k-aws': 'NOT_APPLICABLE', 'k-gone': 'NOT_APPLICABLE' });
    expect(sent.every((e) => e.OrderingTimestamp?.toISOString() === '2026-11-21T03:00:12.443Z')).toBe(true);
    expect(putCalls()[0]?.TestMode).toBe(true);
    expect(kmsCommands()).toEqual(listGrantsOf('k-root', 'k-role'));
    expect(configMock.commandCalls(BatchGetResourceConfigCommand)[0]?.args[0].input.resourceKeys).toHaveLength(3);
    expect(configMock.commandCalls(GetComplianceDetailsByConfigRuleCommand)[0]?.args[0].input).toMatchObject({
      ConfigRuleName: 'kms-key-policy-guard',
      ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT'],
    });
    expect(logger.entries).toContainEqual(expect.objectContaining({ message: 'sweep finished', fields: expect.objectContaining({ source: 'config', staleCleared: 1 }) }));
  });

  // What Config's record already says decides applicability even when DescribeKey, asked for the rest, fails.
  it.each([
    ['an AWS-managed key with no recorded state', { keyManager: 'AWS' }, /AWS-managed key/],
    ['a key recorded pending deletion with no recorded manager', { keyState: 'PendingDeletion' }, /PendingDeletion/],
  ])('%s is NOT_APPLICABLE although DescribeKey is denied', async (_name, known, annotation) => {
    const id = 'k-partial';
    configMock.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: [{ resourceType: 'AWS::KMS::Key', resourceId: id }] });
    configMock.on(BatchGetResourceConfigCommand).resolves({
      baseConfigurationItems: [{ ...baseItem(id, 'CUSTOMER', ROOT_POLICY), configuration: JSON.stringify({ keyId: id, ...known }) }],
    });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
    kmsMock.on(DescribeKeyCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { handler } = harness();
    const sent = await handler(fixtureEvent('scheduled-testmode.json'), lambdaContext());
    expect(sent).toEqual([expect.objectContaining({ ComplianceResourceId: id, ComplianceType: 'NOT_APPLICABLE', Annotation: expect.stringMatching(annotation) })]);
  });

  it('a key whose record says nothing of its manager or state stays NON_COMPLIANT when DescribeKey is denied', async () => {
    const id = 'k-unknown';
    configMock.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: [{ resourceType: 'AWS::KMS::Key', resourceId: id }] });
    configMock.on(BatchGetResourceConfigCommand).resolves({
      baseConfigurationItems: [{ ...baseItem(id, 'CUSTOMER', ROOT_POLICY), configuration: JSON.stringify({ keyId: id }) }],
    });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
    kmsMock.on(DescribeKeyCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { handler } = harness();
    const sent = await handler(fixtureEvent('scheduled-testmode.json'), lambdaContext());
    expect(sent).toEqual([expect.objectContaining({ ComplianceResourceId: id, ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringMatching(/kms:DescribeKey failed with AccessDeniedException/) })]);
  });

  it('falls back to KMS when Config records no keys, skipping policy reads for AWS-managed and pending keys', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: [] });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
    kmsMock.on(ListKeysCommand).resolves({ Keys: ['a', 'b', 'c', 'd'].map((KeyId) => ({ KeyId, KeyArn: `arn:aws:kms:us-east-2:${ACCOUNT}:key/${KeyId}` })) });
    kmsMock.on(DescribeKeyCommand, { KeyId: 'a' }).resolves({ KeyMetadata: { KeyId: 'a', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kmsMock.on(DescribeKeyCommand, { KeyId: 'b' }).resolves({ KeyMetadata: { KeyId: 'b', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kmsMock.on(DescribeKeyCommand, { KeyId: 'c' }).resolves({ KeyMetadata: { KeyId: 'c', KeyManager: 'AWS', KeyState: 'Enabled' } });
    kmsMock.on(DescribeKeyCommand, { KeyId: 'd' }).resolves({ KeyMetadata: { KeyId: 'd', KeyManager: 'CUSTOMER', KeyState: 'PendingDeletion' } });
    kmsMock.on(GetKeyPolicyCommand, { KeyId: 'a', PolicyName: 'default' }).resolves({ Policy: ROOT_POLICY });
    kmsMock.on(GetKeyPolicyCommand, { KeyId: 'b', PolicyName: 'default' }).resolves({ Policy: ROLE_POLICY });
    const { handler, logger, metrics } = harness();
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(Object.fromEntries(sent.map((e) => [e.ComplianceResourceId, e.ComplianceType]))).toEqual({
      a: 'NON_COMPLIANT',
      b: 'COMPLIANT',
      c: 'NOT_APPLICABLE',
      d: 'NOT_APPLICABLE',
    });
    expect(kmsMock.commandCalls(GetKeyPolicyCommand).map((c) => c.args[0].input.KeyId).sort()).toEqual(['a', 'b']);
    expect(logger.entries).toContainEqual(expect.objectContaining({ message: 'sweep finished', fields: expect.objectContaining({ source: 'kms', fallbackReason: 'Config records no AWS::KMS::Key' }) }));
    // ListKeys, DescribeKey of the four, GetKeyPolicy and ListGrants of the two applicable keys.
    expect(metrics.sum('KmsRequests')).toBe(1 + 4 + 2 + 2);
  });

  it('falls back to KMS when ListDiscoveredResources is not allowed', async () => {
    configMock.on(ListDiscoveredResourcesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    kmsMock.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'a' }] });
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'a', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: ROLE_POLICY });
    const { handler } = harness();
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(sent.map((e) => e.ComplianceType)).toEqual(['COMPLIANT']);
  });

  it('reads tags only for keys an exemption could change', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({});
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    kmsMock.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'bad' }, { KeyId: 'good' }] });
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'x', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kmsMock.on(GetKeyPolicyCommand, { KeyId: 'bad', PolicyName: 'default' }).resolves({ Policy: ROOT_POLICY });
    kmsMock.on(GetKeyPolicyCommand, { KeyId: 'good', PolicyName: 'default' }).resolves({ Policy: ROLE_POLICY });
    kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: 'security:exemption', TagValue: 'SEC-9 vendor escrow key' }] });
    const { handler } = harness();
    const event = withParameters(fixtureEvent('scheduled.json'), { ExemptionTagKey: 'security:exemption' });
    const sent = await handler(event, lambdaContext());
    expect(kmsMock.commandCalls(ListResourceTagsCommand).map((c) => c.args[0].input.KeyId)).toEqual(['bad']);
    expect(sent.find((e) => e.ComplianceResourceId === 'bad')).toMatchObject({ ComplianceType: 'COMPLIANT', Annotation: expect.stringMatching(/^exempt: SEC-9 vendor escrow key/) });
  });

  it('an item Config returns as deleted is NOT_APPLICABLE, without asking KMS about it', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({
      resourceIdentifiers: ['k-del', 'k-gone-unrecorded', 'k-role'].map((resourceId) => ({ resourceType: 'AWS::KMS::Key', resourceId })),
    });
    configMock.on(BatchGetResourceConfigCommand).resolves({
      baseConfigurationItems: [
        { resourceType: 'AWS::KMS::Key', resourceId: 'k-del', configurationItemStatus: 'ResourceDeleted', configurationItemCaptureTime: new Date('2026-11-21T02:00:00Z'), supplementaryConfiguration: {} },
        { resourceType: 'AWS::KMS::Key', resourceId: 'k-gone-unrecorded', configurationItemStatus: 'ResourceDeletedNotRecorded', configurationItemCaptureTime: new Date('2026-11-21T02:00:00Z') },
        baseItem('k-role', 'CUSTOMER', ROLE_POLICY),
      ],
    });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    kmsMock.on(DescribeKeyCommand).rejects(Object.assign(new Error('does not exist'), { name: 'NotFoundException' }));
    const { handler, logger } = harness();
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(Object.fromEntries(sent.map((e) => [e.ComplianceResourceId, [e.ComplianceType, e.Annotation]]))).toEqual({
      'k-del': ['NOT_APPLICABLE', 'The key was deleted.'],
      'k-gone-unrecorded': ['NOT_APPLICABLE', 'The key was deleted.'],
      'k-role': ['COMPLIANT', undefined],
    });
    expect(kmsCommands()).toEqual(listGrantsOf('k-role'));
    expect(logger.entries).toContainEqual(expect.objectContaining({ message: 'sweep finished', fields: expect.objectContaining({ keysEvaluated: 3, keysRemaining: 0 }) }));
  });

  it('a key whose findings cannot be turned into a verdict is NON_COMPLIANT; the sweep goes on and every evaluation is sent', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({});
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    const ids = Array.from({ length: 150 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    kmsMock.on(ListKeysCommand).resolves({ Keys: ids.map((KeyId) => ({ KeyId })) });
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kmsMock.on(GetKeyPolicyCommand).callsFake(async ({ KeyId }: { KeyId: string }) => ({ Policy: KeyId }));
    // Findings the annotation cannot describe (no sids, no principals), and a result without findings at all:
    // the engine did not throw, the verdict code would.
    const malformed: Record<string, unknown> = { k140: { findings: [{ checkId: 'PUBLIC_ACCESS', severity: 'critical' }] }, k141: {} };
    const analyze: Analyzer = (policy) => (malformed[String(policy)] ?? { findings: [] }) as ReturnType<Analyzer>;
    const { handler, metrics } = harness({ analyze });
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(sent).toHaveLength(150);
    const byId = new Map(sent.map((e) => [e.ComplianceResourceId, e]));
    for (const id of ['k140', 'k141']) {
      expect(byId.get(id)).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringMatching(/^The key policy could not be analysed: TypeError/) });
    }
    expect(sent.filter((e) => e.ComplianceType === 'COMPLIANT')).toHaveLength(148);
    expect(metrics.sum('EvaluationErrors')).toBe(2);
  });

  it('stops starting keys ~30 s before the deadline, sends what it has and logs what remains', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({});
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    const ids = Array.from({ length: 40 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
    kmsMock.on(ListKeysCommand).resolves({ Keys: ids.map((KeyId) => ({ KeyId })) });
    const { handler, clock, logger, metrics } = harness({ deps: { sweepConcurrency: 2 } });
    // Each KMS call takes one virtual second.
    kmsMock.on(DescribeKeyCommand).callsFake(async () => {
      await clock.sleep(1000);
      return { KeyMetadata: { KeyManager: 'CUSTOMER', KeyState: 'Enabled' } };
    });
    kmsMock.on(GetKeyPolicyCommand).callsFake(async () => {
      await clock.sleep(1000);
      return { Policy: ROLE_POLICY };
    });
    // 50 s left: 20 s before the 30 s margin. The virtual clock adds every sleep, in flight or not, so each
    // key costs 2 s ⇒ about 10 keys are started.
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext(50_000));
    expect(sent.length).toBeGreaterThanOrEqual(8);
    expect(sent.length).toBeLessThanOrEqual(12);
    const warning = logger.entries.find((e) => e.message.startsWith('sweep stopped at the deadline'));
    expect(warning?.fields).toMatchObject({ keysListed: 40, keysRemaining: 40 - sent.length });
    expect(metrics.sum('KeysNotEvaluated')).toBe(40 - sent.length);
  });

  it('respects MaxRequestsPerSecond across all KMS calls', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({});
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    const ids = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    kmsMock.on(ListKeysCommand).resolves({ Keys: ids.map((KeyId) => ({ KeyId })) });
    const { handler, clock } = harness();
    const times: number[] = [];
    kmsMock.on(DescribeKeyCommand).callsFake(async () => {
      times.push(clock.now());
      return { KeyMetadata: { KeyManager: 'CUSTOMER', KeyState: 'Enabled' } };
    });
    kmsMock.on(GetKeyPolicyCommand).callsFake(async () => {
      times.push(clock.now());
      return { Policy: ROLE_POLICY };
    });
    const start = clock.now();
    await handler(withParameters(fixtureEvent('scheduled.json'), { MaxRequestsPerSecond: '10' }), lambdaContext());
    // 101 calls (ListKeys included) at 10/s with a burst of 10 take at least 9 s of virtual time.
    expect(clock.now() - start).toBeGreaterThanOrEqual(9000);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(20);
  });
});
