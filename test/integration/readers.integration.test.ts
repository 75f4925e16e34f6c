/**
 * The readers that feed effective access, against a local AWS API (moto_server) over HTTP: IAM roles, users,
 * groups, inline and managed policies and role boundaries read with GetAccountAuthorizationDetails; an
 * organisation with an SCP and an RCP read for a member account and for the management account; the same IAM
 * read from Config's records.
 *
 * What moto does not do, and where it is covered instead (test/aws/*-reader.test.ts, SDK mocks):
 * - GetAccountAuthorizationDetails ignores MaxItems (no pagination), leaves users' PermissionsBoundary out and
 *   managed policies' PolicyName and PolicyId too; PutUserPermissionsBoundary answers an HTML error page.
 * - AWS managed policies exist only when moto loads them (MOTO_IAM_LOAD_MANAGED_POLICIES): reading a boundary
 *   that the listing lacks (GetPolicy, GetPolicyVersion) is covered by the mocks.
 * - Config lists only roles and customer managed policies of IAM (no users, no groups), and its
 *   BatchGetResourceConfig answers timestamps as text ("2026-12-05 22:48:33.555970") where the SDK expects epoch
 *   seconds; a middleware below turns them into numbers before the SDK reads the answer. moto also records a
 *   role's boundary as the bare ARN (Config records an object): the reader accepts both.
 */
import { Readable } from 'node:stream';
import {
  ConfigServiceClient,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand as CreateOrganizationPolicyCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { readRecordedIam } from '../../aws/config-iam-reader';
import { readAccountAuthorizationDetails } from '../../aws/iam-reader';
import { createOrganizationCache, readOrganizationPolicies } from '../../aws/organizations-reader';
import { systemClock } from '../../runtime/clock';
import { TokenBucket } from '../../runtime/token-bucket';
import { describeWithMoto, motoClientConfig, startMoto, type MotoServer } from '../support/moto';

const ACCOUNT = '123456789012';
const doc = (statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const KMS_ALL = doc([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]);
const DECRYPT_ONLY = doc([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]);
const S3_READ = doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
const TRUST_OTHER_ACCOUNT = doc([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }]);
const TRUST_EC2 = doc([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
const DENY_KEY_DELETION = doc([{ Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' }]);
const RCP_DENY_OUTSIDE = doc([{ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-example' } } }]);

const options = () => ({ clock: systemClock, limiter: new TokenBucket(50, systemClock) });

/** A JSON document as the reader passes it on: URL-encoded text (IAM's form) or JSON text (moto's trust policies). */
function decoded(document: unknown): unknown {
  if (typeof document !== 'string') return document;
  return JSON.parse(document.startsWith('%7B') ? decodeURIComponent(document) : document);
}

function byName<T extends Record<string, unknown>>(list: unknown[] | undefined, field: string, name: string): T {
  const found = (list ?? []).find((e) => (e as Record<string, unknown>)[field] === name);
  if (found === undefined) throw new Error(`no ${field} ${name}`);
  return found as T;
}

/** See the header: moto's BatchGetResourceConfig timestamps as epoch seconds, as Config sends them. */
function epochTimestamps(client: ConfigServiceClient): ConfigServiceClient {
  const motoTimestamps =
    (next: (args: unknown) => Promise<{ response: { body?: unknown } }>) =>
    async (args: unknown): Promise<{ response: { body?: unknown } }> => {
      const result = await next(args);
      const body = result.response.body;
      if (body instanceof Readable) {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
        const text = Buffer.concat(chunks).toString('utf8').replace(
          /"(configurationItemCaptureTime|resourceCreationTime)": "([^"]+)"/g,
          (_m, field: string, time: string) => `"${field}": ${Date.parse(`${time.replace(' ', 'T')}Z`) / 1000}`,
        );
        result.response.body = Readable.from([Buffer.from(text)]);
      }
      return result;
    };
  client.middlewareStack.addRelativeTo(motoTimestamps as never, { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'motoEpochTimestamps' });
  return client;
}

describeWithMoto('AWS readers against moto', () => {
  let moto: MotoServer;
  let iam: IAMClient;

  beforeAll(async () => {
    moto = await startMoto();
    iam = new IAMClient(motoClientConfig(moto.endpoint));
    const kmsAll = await iam.send(new CreatePolicyCommand({ PolicyName: 'kms-all', PolicyDocument: KMS_ALL }));
    const boundary = await iam.send(new CreatePolicyCommand({ PolicyName: 'decrypt-boundary', PolicyDocument: DECRYPT_ONLY }));
    await iam.send(new CreateRoleCommand({ RoleName: 'decrypter', AssumeRolePolicyDocument: TRUST_OTHER_ACCOUNT, PermissionsBoundary: boundary.Policy?.Arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'decrypter', PolicyArn: kmsAll.Policy?.Arn }));
    await iam.send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: TRUST_EC2 }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 's3-read', PolicyDocument: S3_READ }));
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'key-admins' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'key-admins', UserName: 'alice' }));
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'key-admins', PolicyName: 'kms-inline', PolicyDocument: KMS_ALL }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'key-admins', PolicyArn: kmsAll.Policy?.Arn }));
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it('IAM: roles, users, groups, their inline and managed policies and role boundaries, documents as IAM sent them', async () => {
    const outcome = await readAccountAuthorizationDetails(iam, options());

    if (!outcome.ok) throw new Error(`read failed: ${outcome.errorName}`);
    const details = outcome.value;
    const decrypter = byName<Record<string, unknown>>(details.RoleDetailList, 'RoleName', 'decrypter');
    expect(decrypter).toMatchObject({
      Arn: `arn:aws:iam::${ACCOUNT}:role/decrypter`,
      AttachedManagedPolicies: [{ PolicyName: 'kms-all', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/kms-all` }],
      PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/decrypt-boundary` },
    });
    expect(decoded(decrypter.AssumeRolePolicyDocument)).toEqual(JSON.parse(TRUST_OTHER_ACCOUNT));
    const reader = byName<{ RolePolicyList: { PolicyName: string; PolicyDocument: string }[] }>(details.RoleDetailList, 'RoleName', 'reader');
    expect(reader.RolePolicyList).toHaveLength(1);
    // IAM's form, URL-encoded, kept as it came: compileAccount decodes it.
    expect(reader.RolePolicyList[0]?.PolicyDocument).toBe(encodeURIComponent(S3_READ).replace(/\*/g, '%2A'));
    expect(byName(details.UserDetailList, 'UserName', 'alice')).toMatchObject({ GroupList: ['key-admins'], AttachedManagedPolicies: [] });
    const admins = byName<{ GroupPolicyList: { PolicyDocument: string }[] }>(details.GroupDetailList, 'GroupName', 'key-admins');
    expect(admins).toMatchObject({ AttachedManagedPolicies: [{ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/kms-all` }] });
    expect(decoded(admins.GroupPolicyList[0]?.PolicyDocument)).toEqual(JSON.parse(KMS_ALL));
    const kmsAll = byName<{ DefaultVersionId: string; PolicyVersionList: { Document: string; IsDefaultVersion: boolean }[] }>(details.Policies, 'Arn', `arn:aws:iam::${ACCOUNT}:policy/kms-all`);
    expect(kmsAll.DefaultVersionId).toBe('v1');
    expect(decoded(kmsAll.PolicyVersionList.find((v) => v.IsDefaultVersion)?.Document)).toEqual(JSON.parse(KMS_ALL));
  });

  it("Config: the same roles and customer managed policies from Config's records, once the recorder records IAM", async () => {
    const config = epochTimestamps(new ConfigServiceClient(motoClientConfig(moto.endpoint)));
    const before = await readRecordedIam(config, { clock: systemClock });
    expect(before).toEqual({ recorded: false, reason: 'no Config configuration recorder in this Region' });

    await config.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: { name: 'default', roleARN: `arn:aws:iam::${ACCOUNT}:role/reader`, recordingGroup: { allSupported: true, includeGlobalResourceTypes: true } },
      }),
    );
    await config.send(new PutDeliveryChannelCommand({ DeliveryChannel: { name: 'default', s3BucketName: 'config-bucket' } }));
    await config.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }));

    const recorded = await readRecordedIam(config, { clock: systemClock });

    if (!recorded.recorded) throw new Error(`not recorded: ${recorded.reason}`);
    expect(recorded.unrecordedPolicyArns).toEqual([]);
    const decrypter = byName<Record<string, unknown>>(recorded.details.RoleDetailList, 'RoleName', 'decrypter');
    expect(decrypter).toMatchObject({
      Arn: `arn:aws:iam::${ACCOUNT}:role/decrypter`,
      AttachedManagedPolicies: [{ PolicyName: 'kms-all', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/kms-all` }],
      PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/decrypt-boundary` },
    });
    expect(decoded(decrypter.AssumeRolePolicyDocument)).toEqual(JSON.parse(TRUST_OTHER_ACCOUNT));
    const reader = byName<{ RolePolicyList: { PolicyDocument: string }[] }>(recorded.details.RoleDetailList, 'RoleName', 'reader');
    expect(decoded(reader.RolePolicyList[0]?.PolicyDocument)).toEqual(JSON.parse(S3_READ));
    const kmsAll = byName<{ PolicyVersionList: { Document: string; IsDefaultVersion: boolean }[] }>(recorded.details.Policies, 'PolicyName', 'kms-all');
    expect(decoded(kmsAll.PolicyVersionList.find((v) => v.IsDefaultVersion)?.Document)).toEqual(JSON.parse(KMS_ALL));
  });

  it('Organizations: not in use, then an SCP and an RCP on the path of a member account; none for the management account', async () => {
    const orgs = new OrganizationsClient(motoClientConfig(moto.endpoint));
    expect(await readOrganizationPolicies(orgs, ACCOUNT, options())).toMatchObject({ readable: true, inOrganization: false, scps: [], rcps: [] });

    await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const rootId = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
    await orgs.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    const ou = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'workloads' }))).OrganizationalUnit?.Id ?? '';
    const member = (await orgs.send(new CreateAccountCommand({ Email: 'member@example.com', AccountName: 'member' }))).CreateAccountStatus?.AccountId ?? '';
    await orgs.send(new MoveAccountCommand({ AccountId: member, SourceParentId: rootId, DestinationParentId: ou }));
    const scp = await orgs.send(new CreateOrganizationPolicyCommand({ Name: 'deny-key-deletion', Description: 'no key deletion', Type: 'SERVICE_CONTROL_POLICY', Content: DENY_KEY_DELETION }));
    await orgs.send(new AttachPolicyCommand({ PolicyId: scp.Policy?.PolicySummary?.Id, TargetId: ou }));

    const scpsOnly = await readOrganizationPolicies(orgs, member, options());
    expect(scpsOnly).toMatchObject({ readable: true, inOrganization: true, isManagementAccount: false, rcps: [] });
    expect(scpsOnly.notes).toEqual([expect.stringMatching(/^RCPs are not enabled/)]);
    const full = { id: 'p-FullAWSAccess', name: 'FullAWSAccess', document: expect.stringContaining('"Allow"') };
    expect(scpsOnly.scps).toEqual([
      { target: rootId, policies: [full] },
      { target: ou, policies: [full, { id: scp.Policy?.PolicySummary?.Id, name: 'deny-key-deletion', document: DENY_KEY_DELETION }] },
      { target: member, policies: [full] },
    ]);

    // moto 5.2 supports RCPs: EnablePolicyType RESOURCE_CONTROL_POLICY attaches RCPFullAWSAccess everywhere.
    await orgs.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
    const rcp = await orgs.send(new CreateOrganizationPolicyCommand({ Name: 'org-only', Description: 'org principals only', Type: 'RESOURCE_CONTROL_POLICY', Content: RCP_DENY_OUTSIDE }));
    await orgs.send(new AttachPolicyCommand({ PolicyId: rcp.Policy?.PolicySummary?.Id, TargetId: member }));

    const withRcps = await readOrganizationPolicies(orgs, member, { ...options(), cache: createOrganizationCache() });
    expect(withRcps.notes).toEqual([]);
    expect(withRcps.rcps.map((level) => [level.target, level.policies.map((p) => p.name)])).toEqual([
      [rootId, ['RCPFullAWSAccess']],
      [ou, ['RCPFullAWSAccess']],
      [member, ['RCPFullAWSAccess', 'org-only']],
    ]);

    expect(await readOrganizationPolicies(orgs, ACCOUNT, options())).toMatchObject({ readable: true, inOrganization: true, isManagementAccount: true, scps: [], rcps: [] });
  });
});
