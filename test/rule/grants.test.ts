/**
 * The rule and the keys' grants (EvaluateGrants, on by default), with the real engine: grants are read after the
 * policy, on change notifications and in the sweep alike, and grants that cannot be read make the key
 * NON_COMPLIANT with the missing permission named, never "no grants".
 */
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  PutEvaluationsCommand,
} from '@aws-sdk/client-config-service';
import { KMSClient, ListGrantsCommand, ListResourceTagsCommand, NotFoundException, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { analyzePolicy } from '../../engine';
import { harness, RULE_PRINCIPAL } from './handler-harness';
import { ACCOUNT, fixtureEvent, lambdaContext, withParameters } from './support';

const kmsMock = mockClient(KMSClient);
const configMock = mockClient(ConfigServiceClient);

const KEY_ID = '0987dcba-09fe-87dc-65ba-ab0987654321';
const SPLIT_DUTIES_EVENT = 'change-split-duties.json';
const PARTNER = 'arn:aws:iam::444455556666:role/PartnerApp';
const APP = `arn:aws:iam::${ACCOUNT}:role/AppRole`;
const denied = () => Object.assign(new Error('not authorized to perform kms:ListGrants'), { name: 'AccessDeniedException' });

/** The split-duties key's policy, as its configuration item holds it (COMPLIANT on its own). */
function splitDutiesPolicy(): string {
  const event = fixtureEvent(SPLIT_DUTIES_EVENT);
  const item = (JSON.parse(event.invokingEvent as string) as { configurationItem: { supplementaryConfiguration: { Policy: string } } }).configurationItem;
  return item.supplementaryConfiguration.Policy;
}

beforeEach(() => {
  kmsMock.reset();
  configMock.reset();
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
});

describe('EvaluateGrants=false', () => {
  it('a COMPLIANT verdict says the grants were not evaluated', async () => {
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(withParameters(fixtureEvent(SPLIT_DUTIES_EVENT), { EvaluateGrants: 'false' }), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'COMPLIANT', Annotation: 'grants not evaluated (EvaluateGrants=false)' });
    expect(kmsMock.commandCalls(ListGrantsCommand)).toHaveLength(0);
  });

  it('a COMPLIANT verdict with grants evaluated carries no such note', async () => {
    kmsMock.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(fixtureEvent(SPLIT_DUTIES_EVENT), lambdaContext());
    expect(evaluation?.ComplianceType).toBe('COMPLIANT');
    expect(evaluation?.Annotation).toBeUndefined();
  });
});

describe('grants on change notifications', () => {
  it('judges the key policy together with its grants: a grant to an untrusted account makes it NON_COMPLIANT', async () => {
    kmsMock.on(ListGrantsCommand).resolves({ Grants: [{ GrantId: 'g-partner', GranteePrincipal: PARTNER, Operations: ['Decrypt'] }], Truncated: false });
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(fixtureEvent(SPLIT_DUTIES_EVENT), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: `UNTRUSTED_GRANTEE ${PARTNER}` });
    expect(kmsMock.commandCalls(ListGrantsCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: KEY_ID, Limit: 100 }]);
  });

  it('a grant whose RetiringPrincipal cannot be read makes the key NON_COMPLIANT (not judged), not COMPLIANT with a logged warning', async () => {
    kmsMock.on(ListGrantsCommand).resolves({ Grants: [{ GrantId: 'g1', GranteePrincipal: APP, RetiringPrincipal: { bad: 1 } as never, Operations: ['Decrypt'] }], Truncated: false });
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(fixtureEvent(SPLIT_DUTIES_EVENT), lambdaContext());
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
  });

  it('a key whose grants cannot be read is NON_COMPLIANT, naming the permission and who needs it', async () => {
    kmsMock.on(ListGrantsCommand).rejects(denied());
    const { handler, logger } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(fixtureEvent(SPLIT_DUTIES_EVENT), lambdaContext());
    expect(evaluation).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      Annotation: `Key grants could not be read, so the key was not judged: kms:ListGrants failed with AccessDeniedException. Grant kms:ListGrants on this key to ${RULE_PRINCIPAL} (key policy and IAM), or set EvaluateGrants to false.`,
    });
    expect(logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: 'key could not be read', fields: expect.objectContaining({ operation: 'kms:ListGrants' }) }));
  });

  it("names the policy's own findings after the grants that could not be read, and no exemption tag accepts the key", async () => {
    kmsMock.on(ListGrantsCommand).rejects(denied());
    kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: 'security:exemption', TagValue: 'SEC-1' }] });
    const { handler } = harness({ analyze: analyzePolicy });
    const event = withParameters(fixtureEvent('change-root-full-access.json'), { ExemptionTagKey: 'security:exemption' });
    const [evaluation] = await handler(event, lambdaContext());
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluation?.Annotation).toBe(
      `Key grants not read: kms:ListGrants failed with AccessDeniedException; grant it to ${RULE_PRINCIPAL}; ACCOUNT_WIDE_FULL_ACCESS arn:aws:iam::111122223333:root (Sid "Enable IAM User Permissions")`,
    );
    expect(evaluation?.Annotation?.length).toBeLessThanOrEqual(256);
    expect(kmsMock.commandCalls(ListResourceTagsCommand)).toHaveLength(0);
  });

  it('reads no grants when EvaluateGrants is false', async () => {
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(withParameters(fixtureEvent(SPLIT_DUTIES_EVENT), { EvaluateGrants: 'false' }), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'COMPLIANT' });
    expect(kmsMock.calls()).toHaveLength(0);
  });

  it('a key that ListGrants and then DescribeKey no longer find was deleted: NOT_APPLICABLE', async () => {
    kmsMock.on(ListGrantsCommand).rejects(new NotFoundException({ message: 'gone', $metadata: {} }));
    kmsMock.on(DescribeKeyCommand).rejects(new NotFoundException({ message: 'gone', $metadata: {} }));
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(fixtureEvent(SPLIT_DUTIES_EVENT), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'NOT_APPLICABLE', Annotation: 'The key no longer exists in this account and Region.' });
  });
});

describe('grants in the scheduled sweep', () => {
  function recordedKey(): void {
    configMock.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: [{ resourceType: 'AWS::KMS::Key', resourceId: KEY_ID }] });
    configMock.on(BatchGetResourceConfigCommand).resolves({
      baseConfigurationItems: [
        {
          version: '1.3',
          accountId: ACCOUNT,
          configurationItemCaptureTime: new Date('2026-11-20T10:00:00.000Z'),
          configurationItemStatus: 'OK',
          resourceType: 'AWS::KMS::Key',
          resourceId: KEY_ID,
          arn: `arn:aws:kms:us-east-2:${ACCOUNT}:key/${KEY_ID}`,
          awsRegion: 'us-east-2',
          configuration: JSON.stringify({ keyId: KEY_ID, keyManager: 'CUSTOMER', keyState: 'Enabled', arn: `arn:aws:kms:us-east-2:${ACCOUNT}:key/${KEY_ID}` }),
          supplementaryConfiguration: { Policy: JSON.stringify(splitDutiesPolicy()) },
        },
      ],
    });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
  }

  it('gives the verdict a change notification gives, from the same grants', async () => {
    kmsMock.on(ListGrantsCommand).resolves({ Grants: [{ GrantId: 'g-app', GranteePrincipal: APP, Operations: ['Decrypt', 'CreateGrant'] }], Truncated: false });
    recordedKey();
    const swept = await harness({ analyze: analyzePolicy }).handler(fixtureEvent('scheduled.json'), lambdaContext());
    const changed = await harness({ analyze: analyzePolicy }).handler(fixtureEvent(SPLIT_DUTIES_EVENT), lambdaContext());
    expect(swept.map((e) => [e.ComplianceResourceId, e.ComplianceType, e.Annotation])).toEqual([[KEY_ID, 'NON_COMPLIANT', `REDELEGABLE_GRANT ${APP}`]]);
    expect(changed.map((e) => [e.ComplianceResourceId, e.ComplianceType, e.Annotation])).toEqual(swept.map((e) => [e.ComplianceResourceId, e.ComplianceType, e.Annotation]));
  });

  it('a recorded key whose grants cannot be read is NON_COMPLIANT in the sweep too', async () => {
    kmsMock.on(ListGrantsCommand).rejects(denied());
    recordedKey();
    const swept = await harness({ analyze: analyzePolicy }).handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(swept).toEqual([expect.objectContaining({ ComplianceResourceId: KEY_ID, ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('kms:ListGrants failed with AccessDeniedException') })]);
  });
});
