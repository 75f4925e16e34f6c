/**
 * ExemptionTagKey names a tag, nothing else: a key whose name is also a property every JavaScript object
 * inherits (constructor, toString, __proto__) must be looked up among the key's own tags only.
 */
import { ConfigServiceClient, GetComplianceDetailsByConfigRuleCommand, ListDiscoveredResourcesCommand, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { analyzePolicy } from '../../engine';
import { harness } from './handler-harness';
import { fixtureEvent, lambdaContext, withParameters } from './support';

const kmsMock = mockClient(KMSClient);
const configMock = mockClient(ConfigServiceClient);
beforeEach(() => {
  kmsMock.reset();
  // Keys without grants unless a test says otherwise (EvaluateGrants is on by default).
  kmsMock.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  configMock.reset();
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
});

const ROOT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
});

const INHERITED_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

/** The change fixture (account root with kms:*) with the given tags on its configuration item. */
function changeEventWithTags(tagKey: string, tags: Record<string, string>): Record<string, unknown> {
  const event = fixtureEvent('change-root-full-access.json');
  const invoking = JSON.parse(event.invokingEvent as string) as { configurationItem: { tags: Record<string, string> } };
  // JSON text, as Config sends it: "__proto__" stays an own property of the parsed object.
  const tagsJson = `{${Object.entries(tags).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  const text = JSON.stringify(invoking).replace('"tags":{}', `"tags":${tagsJson}`);
  return withParameters({ ...event, invokingEvent: text }, { ExemptionTagKey: tagKey });
}

describe('an exemption tag key named like an inherited object property', () => {
  it.each(INHERITED_NAMES)('"%s" absent from the configuration item: the findings verdict, not an analysis failure', async (tagKey) => {
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(changeEventWithTags(tagKey, {}), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('ACCOUNT_WIDE_FULL_ACCESS') });
    expect(evaluation?.Annotation).not.toMatch(/could not be analysed/);
  });

  it.each(INHERITED_NAMES)('"%s" present as the key\'s own tag: exempt, with its justification', async (tagKey) => {
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(changeEventWithTags(tagKey, { [tagKey]: 'SEC-7 escrow' }), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'COMPLIANT', Annotation: expect.stringMatching(/^exempt: SEC-7 escrow/) });
  });

  describe('read from KMS during a sweep', () => {
    beforeEach(() => {
      configMock.on(ListDiscoveredResourcesCommand).resolves({});
      configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
      kmsMock.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'k' }] });
      kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
      kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: ROOT_POLICY });
    });

    it.each(INHERITED_NAMES)('"%s" not among the key\'s tags: the findings verdict', async (tagKey) => {
      kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: 'owner', TagValue: 'payments' }] });
      const { handler } = harness({ analyze: analyzePolicy });
      const sent = await handler(withParameters(fixtureEvent('scheduled.json'), { ExemptionTagKey: tagKey }), lambdaContext());
      expect(sent).toEqual([expect.objectContaining({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('ACCOUNT_WIDE_FULL_ACCESS') })]);
    });

    it.each(INHERITED_NAMES)('"%s" among the key\'s tags: exempt', async (tagKey) => {
      kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: tagKey, TagValue: 'SEC-8 vendor key' }] });
      const { handler } = harness({ analyze: analyzePolicy });
      const sent = await handler(withParameters(fixtureEvent('scheduled.json'), { ExemptionTagKey: tagKey }), lambdaContext());
      expect(sent).toEqual([expect.objectContaining({ ComplianceType: 'COMPLIANT', Annotation: expect.stringMatching(/^exempt: SEC-8 vendor key/) })]);
    });
  });
});
