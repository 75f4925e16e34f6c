/**
 * Who can use a key, in the scheduled sweep's annotations: IAM read once per invocation (Config's records, else
 * GetAccountAuthorizationDetails), Organizations where readable, the engine's answer per key with an account-wide
 * finding, within Config's 256 characters; failures say the answer is incomplete and never change a verdict;
 * the read keeps to its share of the sweep's time (virtual clock).
 */
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  PutEvaluationsCommand,
  type BaseConfigurationItem,
  type Evaluation,
  type ResourceKey,
} from '@aws-sdk/client-config-service';
import { GetAccountAuthorizationDetailsCommand, GetPolicyCommand, GetPolicyVersionCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { analyzePolicy, type EffectivePrincipal } from '../../engine';
import type { AccessEngine } from '../../rule/account-access';
import { IAM_TIME_SHARE } from '../../rule/account-access';
import { MAX_ANNOTATION_LENGTH } from '../../rule/annotation';
import { allow, doc, encoded, role } from '../engine/effective-access/build';
import { harness } from './handler-harness';
import { ACCOUNT, fixtureEvent, lambdaContext, REGION, withParameters } from './support';

const kmsMock = mockClient(KMSClient);
const configMock = mockClient(ConfigServiceClient);
const iamMock = mockClient(IAMClient);
const orgsMock = mockClient(OrganizationsClient);

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const arnOf = (keyId: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;
const policy = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
/** KMS's default key policy: the account decides through IAM (ACCOUNT_WIDE_FULL_ACCESS). */
const DEFAULT_POLICY = policy({ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' });
/** A key policy naming one role: no account-wide finding. */
const ROLE_POLICY = policy({ Sid: 'App', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: 'kms:Decrypt', Resource: '*' });

/** The README's worked example: three roles, one of which can use every key through `kms:*` on `*`. */
const WORKED_EXAMPLE_IAM = {
  RoleDetailList: [
    role('app-reader', { inline: { s3: encoded(doc(allow('s3:GetObject', 'arn:aws:s3:::bucket/*'))) } }),
    role('data-processor', { inline: { kms: encoded(doc(allow('kms:*', '*'))) } }),
    role('audit', { inline: { describe: encoded(doc(allow(['kms:DescribeKey', 'kms:ListAliases'], '*'))) } }),
  ],
  GroupDetailList: [],
  UserDetailList: [],
  Policies: [],
};

const denied = (name = 'AccessDeniedException') => Object.assign(new Error('not authorized'), { name, $metadata: { httpStatusCode: 400 } });

/** An account whose keys Config does not record (the sweep reads KMS) and whose IAM it does not record either. */
function account(keys: Record<string, string>): void {
  configMock.on(ListDiscoveredResourcesCommand).resolves({});
  configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
  kmsMock.on(ListKeysCommand).resolves({ Keys: Object.keys(keys).map((KeyId) => ({ KeyId, KeyArn: arnOf(KeyId) })) });
  kmsMock.on(DescribeKeyCommand).callsFake(async ({ KeyId }: { KeyId: string }) => ({ KeyMetadata: { KeyId, Arn: arnOf(KeyId), KeyManager: 'CUSTOMER', KeyState: 'Enabled' } }));
  kmsMock.on(GetKeyPolicyCommand).callsFake(async ({ KeyId }: { KeyId: string }) => ({ Policy: keys[KeyId] }));
  kmsMock.on(ListGrantsCommand).resolves({ Grants: [] });
  kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [] });
  // Not in an organisation: no SCP or RCP applies, and that is known.
  orgsMock.on(DescribeOrganizationCommand).rejects(denied('AWSOrganizationsNotInUseException'));
}

const byKey = (sent: Evaluation[]): Map<string | undefined, Evaluation> => new Map(sent.map((e) => [e.ComplianceResourceId, e]));

beforeEach(() => {
  for (const mock of [kmsMock, configMock, iamMock, orgsMock]) mock.reset();
});

describe('the sweep names who can use a key with an account-wide finding', () => {
  it('reads IAM once from GetAccountAuthorizationDetails when Config does not record it, and names the principals', async () => {
    account({ 'k-default-1': DEFAULT_POLICY, 'k-default-2': DEFAULT_POLICY, 'k-role': ROLE_POLICY });
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves(WORKED_EXAMPLE_IAM);
    const { handler, logger } = harness({ analyze: analyzePolicy });

    const sent = byKey(await handler(fixtureEvent('scheduled.json'), lambdaContext()));

    expect(iamMock.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(1);
    for (const id of ['k-default-1', 'k-default-2']) {
      expect(sent.get(id)).toMatchObject({ ComplianceType: 'NON_COMPLIANT' });
      // The root user and the one role whose identity policy reaches KMS; not the other two roles.
      expect(sent.get(id)?.Annotation).toMatch(/^ACCOUNT_WIDE_FULL_ACCESS .*; usable by 2 principals: role\/data-processor, root(;|$)/);
    }
    // No account-wide finding: nothing to say about IAM.
    expect(sent.get('k-role')).toMatchObject({ ComplianceType: 'COMPLIANT' });
    expect(sent.get('k-role')?.Annotation).toBeUndefined();
    expect(logger.entries).toContainEqual(expect.objectContaining({ message: 'IAM read for effective access', fields: expect.objectContaining({ source: 'iam', principals: 3 }) }));
  });

  it("uses Config's recorded IAM items where this Region records them, and reads from IAM only the AWS managed policies Config does not record", async () => {
    account({ 'k-default': DEFAULT_POLICY });
    const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
    const roleItem = (name: string, configuration: Record<string, unknown>): BaseConfigurationItem => ({
      resourceType: 'AWS::IAM::Role',
      resourceId: `AROA${name.toUpperCase()}`,
      resourceName: name,
      configurationItemStatus: 'OK',
      configuration: JSON.stringify({ path: '/', roleName: name, roleId: `AROA${name.toUpperCase()}`, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, assumeRolePolicyDocument: encoded(doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' })), rolePolicyList: [], attachedManagedPolicies: [], ...configuration }),
    });
    const items = [
      roleItem('data-processor', { rolePolicyList: [{ policyName: 'kms', policyDocument: encoded(doc(allow('kms:*', '*'))) }] }),
      roleItem('admin', { attachedManagedPolicies: [{ policyName: 'AdministratorAccess', policyArn: ADMIN }] }),
      roleItem('app-reader', { rolePolicyList: [{ policyName: 's3', policyDocument: encoded(doc(allow('s3:GetObject', 'arn:aws:s3:::bucket/*'))) }] }),
    ];
    configMock.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [{ name: 'default', recordingGroup: { allSupported: true, includeGlobalResourceTypes: true } }] });
    configMock.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: true }] });
    configMock.on(ListDiscoveredResourcesCommand, { resourceType: 'AWS::IAM::Role' }).resolves({ resourceIdentifiers: items.map((i) => ({ resourceType: 'AWS::IAM::Role', resourceId: i.resourceId })) });
    configMock.on(BatchGetResourceConfigCommand).callsFake(async ({ resourceKeys }: { resourceKeys: ResourceKey[] }) => ({
      baseConfigurationItems: items.filter((i) => resourceKeys.some((k) => k.resourceId === i.resourceId)),
    }));
    iamMock.on(GetPolicyCommand).resolves({ Policy: { PolicyName: 'AdministratorAccess', Arn: ADMIN, DefaultVersionId: 'v1' } });
    iamMock.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { VersionId: 'v1', IsDefaultVersion: true, Document: encoded(doc(allow('*', '*'))) } });
    const { handler, logger } = harness({ analyze: analyzePolicy });

    const [evaluation] = await handler(fixtureEvent('scheduled.json'), lambdaContext());

    expect(iamMock.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(0);
    expect(iamMock.commandCalls(GetPolicyCommand).map((c) => c.args[0].input.PolicyArn)).toEqual([ADMIN]);
    expect(evaluation?.Annotation).toMatch(/; usable by 3 principals: role\/admin, role\/data-processor, root$/);
    expect(logger.entries).toContainEqual(expect.objectContaining({ message: 'IAM read for effective access', fields: expect.objectContaining({ source: 'config', principals: 3 }) }));
  });

  it('reads no IAM when no key has an account-wide finding', async () => {
    account({ 'k-role': ROLE_POLICY });
    const { handler } = harness({ analyze: analyzePolicy });
    await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(iamMock.calls()).toHaveLength(0);
    expect(orgsMock.calls()).toHaveLength(0);
  });

  it('reads no IAM with EvaluateEffectiveAccess false, and the annotation holds the findings only', async () => {
    account({ 'k-default': DEFAULT_POLICY });
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves(WORKED_EXAMPLE_IAM);
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(withParameters(fixtureEvent('scheduled.json'), { EvaluateEffectiveAccess: 'false' }), lambdaContext());
    expect(iamMock.calls()).toHaveLength(0);
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluation?.Annotation).not.toMatch(/usable|effective access/);
  });

  it('never reads IAM on a change notification', async () => {
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves(WORKED_EXAMPLE_IAM);
    configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    const { handler } = harness({ analyze: analyzePolicy });
    const [evaluation] = await handler(fixtureEvent('change-root-full-access.json'), lambdaContext());
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(iamMock.calls()).toHaveLength(0);
    expect(orgsMock.calls()).toHaveLength(0);
  });
});

describe('an incomplete answer says so and changes no verdict', () => {
  const KEYS = { 'k-default': DEFAULT_POLICY, 'k-exempt': DEFAULT_POLICY, 'k-role': ROLE_POLICY };
  const EXEMPT = { ExemptionTagKey: 'security:exemption' };

  function exemptOne(): void {
    kmsMock.on(ListResourceTagsCommand, { KeyId: 'k-exempt' }).resolves({ Tags: [{ TagKey: 'security:exemption', TagValue: 'SEC-42' }] });
  }

  async function verdicts(parameters: Record<string, string>): Promise<Map<string | undefined, Evaluation>> {
    const { handler } = harness({ analyze: analyzePolicy });
    return byKey(await handler(withParameters(fixtureEvent('scheduled.json'), parameters), lambdaContext()));
  }

  it('IAM denied (in Config and in IAM): "IAM not readable", the same compliance as without effective access', async () => {
    account(KEYS);
    exemptOne();
    iamMock.on(GetAccountAuthorizationDetailsCommand).rejects(denied());
    const withAccess = await verdicts(EXEMPT);
    const without = await verdicts({ ...EXEMPT, EvaluateEffectiveAccess: 'false' });

    for (const id of Object.keys(KEYS)) expect({ id, compliance: withAccess.get(id)?.ComplianceType }).toEqual({ id, compliance: without.get(id)?.ComplianceType });
    expect(withAccess.get('k-default')).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringMatching(/^ACCOUNT_WIDE_FULL_ACCESS .*; effective access incomplete: IAM not readable \(AccessDeniedException\)$/) });
    // The exemption still holds; the annotation says what it accepts, and that who can use the key is unknown.
    expect(withAccess.get('k-exempt')).toMatchObject({ ComplianceType: 'COMPLIANT', Annotation: expect.stringMatching(/^exempt: SEC-42 .*; effective access incomplete: IAM not readable/) });
    expect(withAccess.get('k-role')).toEqual(without.get('k-role'));
  });

  it('Organizations not readable (a member account): the principals are named, and the SCPs said to be unknown', async () => {
    account({ 'k-default': DEFAULT_POLICY });
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves(WORKED_EXAMPLE_IAM);
    orgsMock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: '999988887777', FeatureSet: 'ALL' } });
    orgsMock.on(ListParentsCommand).rejects(denied());
    const [evaluation] = await harness({ analyze: analyzePolicy }).handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluation?.Annotation).toMatch(/; usable by 2 principals: role\/data-processor, root; effective access incomplete: SCPs not readable/);
  });

  it('an engine that throws on the account costs no verdict: the note says IAM was not understood', async () => {
    account({ 'k-default': DEFAULT_POLICY });
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves(WORKED_EXAMPLE_IAM);
    const accessEngine: AccessEngine = {
      compileAccount: () => {
        throw new Error('not a document');
      },
      effectiveAccess: () => {
        throw new Error('unreachable');
      },
    };
    const [evaluation] = await harness({ analyze: analyzePolicy, deps: { accessEngine } }).handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(evaluation).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringMatching(/^ACCOUNT_WIDE_FULL_ACCESS .*; effective access incomplete: IAM not understood$/) });
  });
});

describe("the annotation stays within Config's 256 characters", () => {
  /** An engine answering `count` principals with long role names for every key. */
  function manyPrincipals(count: number): AccessEngine {
    const principals: EffectivePrincipal[] = Array.from({ length: count }, (_, i) => ({
      arn: `arn:aws:iam::${ACCOUNT}:role/team/a-rather-long-role-name-for-service-number-${String(i).padStart(4, '0')}`,
      type: 'role',
      use: i % 5 === 4 ? 'conditional' : 'unconditional',
      administer: 'none',
      via: [],
    }));
    return {
      compileAccount: (_details, options) => ({ accountId: options.accountId, partition: options.partition ?? 'aws', principalCount: count, problems: [] }),
      effectiveAccess: () => ({ complete: true, incompleteReasons: [], notCovered: [], principals }),
    };
  }

  const MANY_FINDINGS = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions for everyone in the account who might ever need it', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Allow use of the key by anyone at all for the time being, to be removed later', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
      { Sid: 'Allow a partner account to use the key for the shared data lake', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'kms:Decrypt', Resource: '*' },
    ],
  });

  it.each([
    ['one finding', DEFAULT_POLICY, {}, '', true],
    ['many findings', MANY_FINDINGS, {}, '', true],
    // Grants not read: the answer is incomplete, and says so; no room is left for a whole name.
    ['many findings, grants not read', MANY_FINDINGS, { EvaluateGrants: 'false' }, '; effective access incomplete: grants not read', false],
  ])('with 500 principals and %s: the count, the first names and the rest counted', async (_name, keyPolicy, parameters: Record<string, string>, incomplete, namesShown) => {
    account({ 'k-1': keyPolicy });
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves(WORKED_EXAMPLE_IAM);
    const { handler } = harness({ analyze: analyzePolicy, deps: { accessEngine: manyPrincipals(500) } });
    const [evaluation] = await handler(withParameters(fixtureEvent('scheduled.json'), parameters), lambdaContext());
    const annotation = evaluation?.Annotation ?? '';
    expect(annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    // The findings come first; the count, and the answer's incompleteness, are always said.
    expect(annotation).toMatch(/^(PUBLIC_ACCESS|ACCOUNT_WIDE_FULL_ACCESS) /);
    expect(annotation).toContain('usable by 500 principals (100 under conditions)');
    expect(annotation.endsWith(incomplete)).toBe(true);
    expect(annotation.includes('incomplete')).toBe(incomplete !== '');
    // Names are whole, never cut: each shown is one of the role names, unconditional ones first.
    const names = /usable by 500 principals \(100 under conditions\): (.*) …\[\+(\d+) more\]/.exec(annotation);
    expect(names !== null).toBe(namesShown);
    if (!namesShown) expect(annotation).toContain(`usable by 500 principals (100 under conditions)${incomplete}`);
    const shown = names?.[1]?.split(', ') ?? [];
    expect(shown.length).toBe(names === null ? 0 : 500 - Number(names[2]));
    shown.forEach((name, i) => expect(name).toBe(`role/a-rather-long-role-name-for-service-number-${String(i + Math.floor(i / 4)).padStart(4, '0')}`));
  });
});

describe('the time the IAM read may take', () => {
  it(`keeps within ${IAM_TIME_SHARE * 100} % of the sweep's time, and every key is still judged`, async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `k-${String(i).padStart(2, '0')}`);
    account(Object.fromEntries(ids.map((id) => [id, DEFAULT_POLICY])));
    const { handler, clock } = harness({ analyze: analyzePolicy });
    const startedAt = clock.now();
    const remainingMs = 300_000;
    const stopAt = startedAt + remainingMs - 30_000;
    const pagesAt: number[] = [];
    // An account so large, or IAM so slow, that its pages never end: ten virtual seconds a page.
    iamMock.on(GetAccountAuthorizationDetailsCommand).callsFake(async () => {
      pagesAt.push(clock.now());
      await clock.sleep(10_000);
      return { RoleDetailList: [], IsTruncated: true, Marker: `m${pagesAt.length}` };
    });

    const sent = byKey(await handler(fixtureEvent('scheduled.json'), lambdaContext(remainingMs)));

    expect(sent.size).toBe(ids.length);
    for (const id of ids) expect(sent.get(id)).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringMatching(/; effective access incomplete: IAM not read in time$/) });
    // The read asked for pages only within its share of the time before the sweep's stop.
    expect(pagesAt.length).toBeGreaterThan(1);
    const budgetEnd = startedAt + (stopAt - startedAt) * IAM_TIME_SHARE;
    for (const at of pagesAt) expect(at).toBeLessThan(budgetEnd);
    expect(clock.now()).toBeLessThan(stopAt);
  });
});
