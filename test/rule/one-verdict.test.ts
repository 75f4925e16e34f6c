/**
 * Each key is judged once: its applicability decided once, its policy analysed at most once, its findings
 * counted once and its verdict made once, whichever way the rule learns about it.
 */
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  PutEvaluationsCommand,
} from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import * as applicabilityModule from '../../rule/applicability';
import * as verdict from '../../rule/verdict';
import type { Analyzer } from '../../rule/evaluate-key';
import { harness } from './handler-harness';
import { ACCOUNT, fixtureEvent, lambdaContext, stubAnalyzer, withParameters } from './support';

/** Every function of a module, wrapped in a jest.fn that counts its calls from other modules. */
function counted(path: string): Record<string, unknown> {
  const actual = jest.requireActual<Record<string, unknown>>(path);
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(actual)) wrapped[name] = typeof value === 'function' ? jest.fn(value as (...a: unknown[]) => unknown) : value;
  return wrapped;
}
jest.mock('../../rule/verdict', () => counted('../../rule/verdict'));
jest.mock('../../rule/applicability', () => counted('../../rule/applicability'));

const kmsMock = mockClient(KMSClient);
const configMock = mockClient(ConfigServiceClient);
const ROOT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
});

beforeEach(() => {
  jest.clearAllMocks();
  kmsMock.reset();
  // Keys without grants unless a test says otherwise (EvaluateGrants is on by default).
  kmsMock.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  configMock.reset();
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
});

function countingAnalyzer(): { analyze: Analyzer; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    analyze: (policy, options) => {
      calls.push(options.keyArn ?? '?');
      return stubAnalyzer(policy, options);
    },
  };
}

const callsOf = (module: object, name: string): number => {
  const fn = (module as Record<string, unknown>)[name];
  if (!jest.isMockFunction(fn)) throw new Error(`${name} is not counted`);
  return fn.mock.calls.length;
};
/** Verdicts made: by the judge of applicable keys, or from the gate's answer. */
const verdictsMade = (): number => callsOf(verdict, 'decideVerdict') + callsOf(verdict, 'notApplicableVerdict');

describe('one verdict per key', () => {
  it('a change notification: the verdict is made once, the policy analysed once, the findings counted once', async () => {
    const { analyze, calls: analysed } = countingAnalyzer();
    const { handler } = harness({ analyze });
    const sent = await handler(fixtureEvent('change-root-full-access.json'), lambdaContext());
    expect(sent.map((e) => e.ComplianceType)).toEqual(['NON_COMPLIANT']);
    expect(analysed).toHaveLength(1);
    expect(callsOf(applicabilityModule, 'applicability')).toBe(1);
    expect(callsOf(verdict, 'assessPolicy')).toBe(1);
    expect(verdictsMade()).toBe(1);
  });

  it('a sweep through KMS with exemptions: one verdict for each key, NOT_APPLICABLE keys never analysed', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: [] });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
    kmsMock.on(ListKeysCommand).resolves({ Keys: ['a', 'b', 'c'].map((KeyId) => ({ KeyId, KeyArn: `arn:aws:kms:us-east-2:${ACCOUNT}:key/${KeyId}` })) });
    kmsMock.on(DescribeKeyCommand, { KeyId: 'a' }).resolves({ KeyMetadata: { KeyId: 'a', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kmsMock.on(DescribeKeyCommand, { KeyId: 'b' }).resolves({ KeyMetadata: { KeyId: 'b', KeyManager: 'AWS', KeyState: 'Enabled' } });
    kmsMock.on(DescribeKeyCommand, { KeyId: 'c' }).resolves({ KeyMetadata: { KeyId: 'c', KeyManager: 'CUSTOMER', KeyState: 'PendingDeletion' } });
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: ROOT_POLICY });
    kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: 'security:exemption', TagValue: 'SEC-1' }] });
    const { analyze, calls: analysed } = countingAnalyzer();
    const { handler } = harness({ analyze });
    const sent = await handler(withParameters(fixtureEvent('scheduled.json'), { ExemptionTagKey: 'security:exemption' }), lambdaContext());
    expect(Object.fromEntries(sent.map((e) => [e.ComplianceResourceId, e.ComplianceType]))).toEqual({ a: 'COMPLIANT', b: 'NOT_APPLICABLE', c: 'NOT_APPLICABLE' });
    expect(analysed).toEqual([`arn:aws:kms:us-east-2:${ACCOUNT}:key/a`]);
    expect(callsOf(applicabilityModule, 'applicability')).toBe(3);
    expect(callsOf(verdict, 'assessPolicy')).toBe(1);
    expect(callsOf(verdict, 'decideVerdict')).toBe(1);
    expect(verdictsMade()).toBe(3);
  });

  it("a sweep through Config's records with a deleted item and a stale evaluation: one verdict for each", async () => {
    const item = (id: string, status: 'OK' | 'ResourceDeleted') => ({
      version: '1.3',
      accountId: ACCOUNT,
      configurationItemCaptureTime: new Date('2026-11-20T10:00:00.000Z'),
      configurationItemStatus: status,
      resourceType: 'AWS::KMS::Key' as const,
      resourceId: id,
      arn: `arn:aws:kms:us-east-2:${ACCOUNT}:key/${id}`,
      awsRegion: 'us-east-2',
      configuration: JSON.stringify({ keyId: id, keyManager: 'CUSTOMER', keyState: 'Enabled', arn: `arn:aws:kms:us-east-2:${ACCOUNT}:key/${id}` }),
      supplementaryConfiguration: { Policy: JSON.stringify(ROOT_POLICY) },
    });
    configMock.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: ['live', 'deleted'].map((resourceId) => ({ resourceType: 'AWS::KMS::Key', resourceId })) });
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [item('live', 'OK'), item('deleted', 'ResourceDeleted')] });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({
      EvaluationResults: [{ EvaluationResultIdentifier: { EvaluationResultQualifier: { ResourceType: 'AWS::KMS::Key', ResourceId: 'stale' } } }],
    });
    const { analyze, calls: analysed } = countingAnalyzer();
    const { handler } = harness({ analyze });
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(Object.fromEntries(sent.map((e) => [e.ComplianceResourceId, e.ComplianceType]))).toEqual({
      live: 'NON_COMPLIANT',
      deleted: 'NOT_APPLICABLE',
      stale: 'NOT_APPLICABLE',
    });
    // Only the grants of the live key are read from KMS (Config does not record grants).
    expect(kmsMock.calls().map((c) => (c.args[0] as { input: unknown }).input)).toEqual([{ KeyId: 'live', Limit: 100 }]);
    expect(kmsMock.commandCalls(ListGrantsCommand)).toHaveLength(1);
    expect(analysed).toHaveLength(1);
    expect(callsOf(applicabilityModule, 'applicability')).toBe(3);
    expect(callsOf(verdict, 'assessPolicy')).toBe(1);
    expect(callsOf(verdict, 'decideVerdict')).toBe(1);
    expect(verdictsMade()).toBe(3);
  });
});
