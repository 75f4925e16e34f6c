/** The rule end to end with the real policy engine (no stub) on real-shaped events and real policies. */
import { ConfigServiceClient, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { analyzePolicy } from '../../engine';
import { harness } from './handler-harness';
import { fixtureEvent, lambdaContext, withParameters } from './support';

const configMock = mockClient(ConfigServiceClient);
const kmsMock = mockClient(KMSClient);
beforeEach(() => {
  kmsMock.reset();
  kmsMock.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  configMock.reset();
  configMock.on(PutEvaluationsCommand).resolves({});
});

describe('with the real engine', () => {
  it('the default key policy (account root, kms:*) is NON_COMPLIANT with ACCOUNT_WIDE_FULL_ACCESS', async () => {
    const { handler, logger } = harness({ analyze: analyzePolicy });
    const sent = await handler(fixtureEvent('change-root-full-access.json'), lambdaContext());
    expect(sent).toHaveLength(1);
    const [evaluation] = sent;
    expect(evaluation).toMatchObject({ ComplianceResourceType: 'AWS::KMS::Key', ComplianceType: 'NON_COMPLIANT' });
    expect(evaluation?.Annotation).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    expect(evaluation?.Annotation?.length).toBeLessThanOrEqual(256);
    const logged = logger.entries.find((e) => e.message === 'key evaluated');
    expect(logged?.fields.checkIds).toContain('ACCOUNT_WIDE_FULL_ACCESS');
  });

  it('a policy granting named roles only, administration and use split, is COMPLIANT', async () => {
    const { handler } = harness({ analyze: analyzePolicy });
    const sent = await handler(fixtureEvent('change-split-duties.json'), lambdaContext());
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ ComplianceType: 'COMPLIANT' });
    expect(sent[0]?.Annotation).toBeUndefined();
  });

  it('an unparsable policy is NON_COMPLIANT with INVALID_POLICY', async () => {
    const { handler } = harness({ analyze: analyzePolicy });
    const sent = await handler(fixtureEvent('change-invalid-policy.json'), lambdaContext());
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('INVALID_POLICY') });
  });

  it('DisabledChecks takes the disabled check out of the verdict', async () => {
    const { handler } = harness({ analyze: analyzePolicy });
    const event = withParameters(fixtureEvent('change-root-full-access.json'), { DisabledChecks: 'ACCOUNT_WIDE_FULL_ACCESS' });
    const sent = await handler(event, lambdaContext());
    expect(sent).toHaveLength(1);
    const [evaluation] = sent;
    expect(evaluation).toBeDefined();
    expect(evaluation?.ComplianceType).toBe('COMPLIANT');
    expect(evaluation?.Annotation).toBeUndefined();
  });
});
