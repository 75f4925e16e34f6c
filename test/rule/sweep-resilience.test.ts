/**
 * A sweep under pressure: KMS throttles a third of the calls (some more than once, one key beyond the retry
 * budget), PutEvaluations is throttled and reports failed evaluations, and some keys deny access. Every other
 * key must still get its evaluation, and the denied and throttled ones must be NON_COMPLIANT with a reason,
 * never skipped and never COMPLIANT.
 */
import {
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  PutEvaluationsCommand,
  type Evaluation,
} from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { harness, RULE_PRINCIPAL } from './handler-harness';
import { ACCOUNT, fixtureEvent, lambdaContext } from './support';

const kmsMock = mockClient(KMSClient);
const configMock = mockClient(ConfigServiceClient);

const KEYS = Array.from({ length: 300 }, (_, i) => `key-${String(i).padStart(3, '0')}`);
const DENIED_POLICY = new Set(['key-017', 'key-042', 'key-199']);
const DENIED_DESCRIBE = new Set(['key-123']);
// Throttled on every attempt: an odd key, whose policy alone would be COMPLIANT.
const THROTTLED_FOREVER = 'key-251';
const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
const denied = () => Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
const policyFor = (i: number) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      i % 2 === 0
        ? { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }
        : { Sid: 'App', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/App` }, Action: 'kms:Decrypt', Resource: '*' },
    ],
  });

/** Throttles the first `times` attempts of an operation on a key. */
function flaky(): (op: string, key: string, times: number) => boolean {
  const attempts = new Map<string, number>();
  return (op, key, times) => {
    const n = (attempts.get(`${op}|${key}`) ?? 0) + 1;
    attempts.set(`${op}|${key}`, n);
    return n <= times;
  };
}

it('every key not denied gets its evaluation despite throttling; denied and still-throttled keys are NON_COMPLIANT with a reason', async () => {
  const shouldThrottle = flaky();
  configMock.on(ListDiscoveredResourcesCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
  configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
  let puts = 0;
  configMock.on(PutEvaluationsCommand).callsFake(async (input: { Evaluations?: Evaluation[] }) => {
    puts++;
    if (puts === 1) throw throttle();
    // The second call reports its first evaluation as failed; it must be resent.
    if (puts === 2) return { FailedEvaluations: input.Evaluations?.slice(0, 1) ?? [] };
    return { FailedEvaluations: [] };
  });
  kmsMock.on(ListKeysCommand).callsFake(async () => {
    if (shouldThrottle('ListKeys', '', 2)) throw throttle();
    return { Keys: KEYS.map((KeyId) => ({ KeyId })) };
  });
  kmsMock.on(DescribeKeyCommand).callsFake(async ({ KeyId }: { KeyId: string }) => {
    const i = Number(KeyId.slice(4));
    if (i % 3 === 0 && shouldThrottle('DescribeKey', KeyId, 1 + (i % 4))) throw throttle();
    if (DENIED_DESCRIBE.has(KeyId)) throw denied();
    return { KeyMetadata: { KeyId, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } };
  });
  kmsMock.on(GetKeyPolicyCommand).callsFake(async ({ KeyId }: { KeyId: string }) => {
    if (KeyId === THROTTLED_FOREVER) throw throttle();
    const i = Number(KeyId.slice(4));
    if (i % 3 === 1 && shouldThrottle('GetKeyPolicy', KeyId, 2)) throw throttle();
    if (DENIED_POLICY.has(KeyId)) throw denied();
    return { Policy: policyFor(i) };
  });
  kmsMock.on(ListGrantsCommand).callsFake(async ({ KeyId }: { KeyId: string }) => {
    const i = Number(KeyId.slice(4));
    if (i % 3 === 2 && shouldThrottle('ListGrants', KeyId, 1)) throw throttle();
    return { Grants: [], Truncated: false };
  });

  const { handler, metrics } = harness();
  const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext());

  // Exactly one evaluation per key.
  expect(sent).toHaveLength(KEYS.length);
  expect(new Set(sent.map((e) => e.ComplianceResourceId)).size).toBe(KEYS.length);
  for (const e of sent) {
    const id = e.ComplianceResourceId as string;
    const i = Number(id.slice(4));
    if (DENIED_POLICY.has(id)) {
      expect(e.ComplianceType).toBe('NON_COMPLIANT');
      expect(e.Annotation).toContain(`Grant kms:GetKeyPolicy on this key to ${RULE_PRINCIPAL}`);
    } else if (DENIED_DESCRIBE.has(id)) {
      expect(e.ComplianceType).toBe('NON_COMPLIANT');
      expect(e.Annotation).toContain('kms:DescribeKey');
    } else if (id === THROTTLED_FOREVER) {
      expect(e.ComplianceType).toBe('NON_COMPLIANT');
      expect(e.Annotation).toMatch(/^Key policy could not be judged: kms:GetKeyPolicy failed with ThrottlingException\. Still throttled after retries/);
    } else {
      expect(e.ComplianceType).toBe(i % 2 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT');
    }
  }
  // The evaluation reported as failed was resent, and the throttled call repeated.
  const putCalls = configMock.commandCalls(PutEvaluationsCommand);
  expect(putCalls.length).toBeGreaterThan(Math.ceil(KEYS.length / 100));
  expect(putCalls.every((c) => (c.args[0].input.Evaluations ?? []).length <= 100)).toBe(true);
  // The stuck key was tried as often as the retry budget allows (6 attempts), each through the rate limit.
  const stuckCalls = kmsMock.commandCalls(GetKeyPolicyCommand).filter((c) => c.args[0].input.KeyId === THROTTLED_FOREVER);
  expect(stuckCalls).toHaveLength(6);
  expect(metrics.sum('EvaluationErrors')).toBe(DENIED_POLICY.size + DENIED_DESCRIBE.size + 1);
});
