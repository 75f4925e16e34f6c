import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  ListDiscoveredResourcesCommand,
  type BaseConfigurationItem,
  type RecordingGroup,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { readRecordedIam } from '../../aws/config-iam-reader';
import { VirtualClock } from '../rule/support';

const configMock = mockClient(ConfigServiceClient);
beforeEach(() => configMock.reset());

const ACCOUNT = '111122223333';
const encoded = (document: object): string => encodeURIComponent(JSON.stringify(document));
const KMS_ALL = encoded({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });
const TRUST = encoded({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }] });
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/boundary`;
const ADMIN_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

const ALL_WITH_IAM: RecordingGroup = { allSupported: true, includeGlobalResourceTypes: true };

function recorder(recordingGroup: RecordingGroup | undefined = ALL_WITH_IAM, recording = true) {
  configMock.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [{ name: 'default', ...(recordingGroup !== undefined ? { recordingGroup } : {}) }] });
  configMock.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording }] });
}

function item(resourceType: string, resourceId: string, configuration: object | string, status = 'OK'): BaseConfigurationItem {
  return {
    resourceType: resourceType as BaseConfigurationItem['resourceType'],
    resourceId,
    resourceName: resourceId,
    configurationItemStatus: status as BaseConfigurationItem['configurationItemStatus'],
    configuration: typeof configuration === 'string' ? configuration : JSON.stringify(configuration),
  };
}

// The recorded configurations of IAM resources, as Config records them: camelCase fields, URL-encoded documents.
const roleItem = item('AWS::IAM::Role', 'AROAROLE', {
  path: '/',
  roleName: 'app',
  roleId: 'AROAROLE',
  arn: `arn:aws:iam::${ACCOUNT}:role/app`,
  assumeRolePolicyDocument: TRUST,
  instanceProfileList: [],
  rolePolicyList: [{ policyName: 'kms', policyDocument: KMS_ALL }],
  attachedManagedPolicies: [{ policyName: 'AdministratorAccess', policyArn: ADMIN_ARN }],
  permissionsBoundary: { permissionsBoundaryType: 'PermissionsBoundaryPolicy', permissionsBoundaryArn: BOUNDARY_ARN },
  tags: [],
});
const userItem = item('AWS::IAM::User', 'AIDAUSER', {
  path: '/',
  userName: 'alice',
  userId: 'AIDAUSER',
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  userPolicyList: [],
  groupList: ['ops'],
  attachedManagedPolicies: [],
  permissionsBoundary: { permissionsBoundaryType: 'PermissionsBoundaryPolicy', permissionsBoundaryArn: BOUNDARY_ARN },
});
const groupItem = item('AWS::IAM::Group', 'AGPAGROUP', {
  path: '/',
  groupName: 'ops',
  groupId: 'AGPAGROUP',
  arn: `arn:aws:iam::${ACCOUNT}:group/ops`,
  groupPolicyList: [{ policyName: 'ops-kms', policyDocument: KMS_ALL }],
  attachedManagedPolicies: [],
});
const policyItem = item('AWS::IAM::Policy', 'ANPAPOLICY', {
  policyName: 'boundary',
  policyId: 'ANPAPOLICY',
  arn: BOUNDARY_ARN,
  path: '/',
  defaultVersionId: 'v2',
  attachmentCount: 0,
  permissionsBoundaryUsageCount: 2,
  isAttachable: true,
  policyVersionList: [
    { document: KMS_ALL, versionId: 'v2', isDefaultVersion: true },
    { document: encoded({ Version: '2012-10-17', Statement: [] }), versionId: 'v1', isDefaultVersion: false },
  ],
});

function discovered(resourceType: string, ...pages: string[][]) {
  const stub = configMock.on(ListDiscoveredResourcesCommand, { resourceType: resourceType as 'AWS::IAM::Role' });
  pages.forEach((ids, i) => {
    const page = { resourceIdentifiers: ids.map((resourceId) => ({ resourceType: resourceType as 'AWS::IAM::Role', resourceId })), ...(i < pages.length - 1 ? { nextToken: `n${i + 1}` } : {}) };
    if (i === pages.length - 1) stub.resolves(page);
    else stub.resolvesOnce(page);
  });
}

function recordedAccount() {
  recorder();
  discovered('AWS::IAM::Role', ['AROAROLE']);
  discovered('AWS::IAM::User', ['AIDAUSER']);
  discovered('AWS::IAM::Group', ['AGPAGROUP']);
  discovered('AWS::IAM::Policy', ['ANPAPOLICY']);
}

const read = () => readRecordedIam(new ConfigServiceClient({}), { clock: new VirtualClock(0) });

describe('readRecordedIam', () => {
  it("converts Config's recorded IAM items into GetAccountAuthorizationDetails, documents kept URL-encoded", async () => {
    recordedAccount();
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [roleItem, userItem, groupItem, policyItem], unprocessedResourceKeys: [] });

    const recorded = await read();

    expect(recorded).toEqual({
      recorded: true,
      items: 4,
      unrecordedPolicyArns: [ADMIN_ARN],
      details: {
        RoleDetailList: [
          {
            Path: '/',
            RoleName: 'app',
            RoleId: 'AROAROLE',
            Arn: `arn:aws:iam::${ACCOUNT}:role/app`,
            AssumeRolePolicyDocument: TRUST,
            RolePolicyList: [{ PolicyName: 'kms', PolicyDocument: KMS_ALL }],
            AttachedManagedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: ADMIN_ARN }],
            PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: BOUNDARY_ARN },
          },
        ],
        UserDetailList: [
          {
            Path: '/',
            UserName: 'alice',
            UserId: 'AIDAUSER',
            Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
            UserPolicyList: [],
            GroupList: ['ops'],
            AttachedManagedPolicies: [],
            PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: BOUNDARY_ARN },
          },
        ],
        GroupDetailList: [
          { Path: '/', GroupName: 'ops', GroupId: 'AGPAGROUP', Arn: `arn:aws:iam::${ACCOUNT}:group/ops`, GroupPolicyList: [{ PolicyName: 'ops-kms', PolicyDocument: KMS_ALL }], AttachedManagedPolicies: [] },
        ],
        Policies: [
          {
            PolicyName: 'boundary',
            PolicyId: 'ANPAPOLICY',
            Arn: BOUNDARY_ARN,
            Path: '/',
            DefaultVersionId: 'v2',
            PolicyVersionList: [
              { Document: KMS_ALL, VersionId: 'v2', IsDefaultVersion: true },
              { Document: encoded({ Version: '2012-10-17', Statement: [] }), VersionId: 'v1', IsDefaultVersion: false },
            ],
          },
        ],
      },
    });
  });

  it('lists every page of every type, fetches in batches of 100 and asks again for unprocessed keys', async () => {
    recorder();
    const roleIds = Array.from({ length: 150 }, (_, i) => `AROA${String(i).padStart(4, '0')}`);
    discovered('AWS::IAM::Role', roleIds.slice(0, 100), roleIds.slice(100));
    discovered('AWS::IAM::User', []);
    discovered('AWS::IAM::Group', []);
    discovered('AWS::IAM::Policy', []);
    const roleOf = (id: string) => item('AWS::IAM::Role', id, { roleName: id, arn: `arn:aws:iam::${ACCOUNT}:role/${id}` });
    configMock
      .on(BatchGetResourceConfigCommand)
      .resolvesOnce({ baseConfigurationItems: roleIds.slice(0, 90).map(roleOf), unprocessedResourceKeys: roleIds.slice(90, 100).map((resourceId) => ({ resourceType: 'AWS::IAM::Role', resourceId })) })
      .resolvesOnce({ baseConfigurationItems: roleIds.slice(90, 100).map(roleOf), unprocessedResourceKeys: [] })
      .resolvesOnce({ baseConfigurationItems: roleIds.slice(100).map(roleOf) });

    const recorded = await read();

    expect(recorded.recorded && recorded.details.RoleDetailList?.length).toBe(150);
    expect(configMock.commandCalls(ListDiscoveredResourcesCommand, { resourceType: 'AWS::IAM::Role' }).map((c) => c.args[0].input.nextToken)).toEqual([undefined, 'n1']);
    expect(configMock.commandCalls(BatchGetResourceConfigCommand).map((c) => c.args[0].input.resourceKeys?.length)).toEqual([100, 10, 50]);
  });

  it('keys still unprocessed after four calls: not usable, never a partial account', async () => {
    recordedAccount();
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [], unprocessedResourceKeys: [{ resourceType: 'AWS::IAM::Role', resourceId: 'AROAROLE' }] });

    expect(await read()).toEqual({ recorded: false, reason: 'config:BatchGetResourceConfig left 1 IAM items unprocessed after retries' });
    expect(configMock.commandCalls(BatchGetResourceConfigCommand)).toHaveLength(4);
  });

  it.each<[string, RecordingGroup | undefined, boolean, string]>([
    ['all supported types without the global IAM ones', { allSupported: true, includeGlobalResourceTypes: false }, true, 'does not record AWS::IAM::Role, AWS::IAM::User, AWS::IAM::Group, AWS::IAM::Policy'],
    ['an inclusion list without groups', { recordingStrategy: { useOnly: 'INCLUSION_BY_RESOURCE_TYPES' }, resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Policy'] }, true, 'does not record AWS::IAM::Group'],
    ['an exclusion list naming policies', { recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' }, exclusionByResourceTypes: { resourceTypes: ['AWS::IAM::Policy'] } }, true, 'does not record AWS::IAM::Policy'],
    ['a stopped recorder', ALL_WITH_IAM, false, 'is not recording: its IAM items may be out of date'],
  ])('%s: not usable, saying why', async (_name, group, recording, reason) => {
    recordedAccount();
    recorder(group, recording);

    const recorded = await read();

    expect(recorded.recorded).toBe(false);
    expect(!recorded.recorded && recorded.reason).toContain(reason);
    expect(configMock.commandCalls(BatchGetResourceConfigCommand)).toHaveLength(0);
  });

  it('an exclusion list that leaves IAM in is usable, whatever includeGlobalResourceTypes says', async () => {
    recordedAccount();
    recorder({ recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' }, includeGlobalResourceTypes: false, exclusionByResourceTypes: { resourceTypes: ['AWS::EC2::Instance'] } });
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [roleItem] });

    expect((await read()).recorded).toBe(true);
  });

  it('no recorder in the Region: not usable', async () => {
    configMock.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [] });

    expect(await read()).toEqual({ recorded: false, reason: 'no Config configuration recorder in this Region' });
  });

  it('no role listed (IAM is recorded in another Region): not usable', async () => {
    recorder();
    for (const type of ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::Policy']) discovered(type, []);

    expect(await read()).toEqual({ recorded: false, reason: 'Config lists no AWS::IAM::Role in this Region: IAM is recorded only in the Region that records global resources' });
  });

  it('access denied on the recorder: not usable, naming the call', async () => {
    configMock.on(DescribeConfigurationRecordersCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    expect(await read()).toEqual({ recorded: false, reason: 'config:DescribeConfigurationRecorders failed with AccessDeniedException (access-denied)' });
  });

  it('an item Config saw but did not record, or whose configuration is not JSON: not usable', async () => {
    recordedAccount();
    configMock.on(BatchGetResourceConfigCommand).resolvesOnce({ baseConfigurationItems: [roleItem, item('AWS::IAM::User', 'AIDAUSER', '', 'ResourceNotRecorded')] });
    expect(await read()).toEqual({ recorded: false, reason: 'Config did not record the configuration of AWS::IAM::User AIDAUSER' });

    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [item('AWS::IAM::Role', 'AROAROLE', '{"roleName": ')] });
    const broken = await read();
    expect(!broken.recorded && broken.reason).toMatch(/^the recorded configuration of AWS::IAM::Role AROAROLE is not readable JSON/);
  });

  it('a deleted item is left out; a bare boundary ARN and a document recorded as an object are read too', async () => {
    recordedAccount();
    const bare = item('AWS::IAM::Role', 'AROAROLE', {
      roleName: 'app',
      arn: `arn:aws:iam::${ACCOUNT}:role/app`,
      permissionsBoundary: BOUNDARY_ARN,
      rolePolicyList: [{ policyName: 'kms', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
    });
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [bare, item('AWS::IAM::User', 'AIDAUSER', '', 'ResourceDeleted')] });

    const recorded = await read();

    expect(recorded.recorded && recorded.details.UserDetailList).toEqual([]);
    expect(recorded.recorded && recorded.details.RoleDetailList).toEqual([
      {
        RoleName: 'app',
        Arn: `arn:aws:iam::${ACCOUNT}:role/app`,
        RolePolicyList: [{ PolicyName: 'kms', PolicyDocument: KMS_ALL }],
        AttachedManagedPolicies: [],
        PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: BOUNDARY_ARN },
      },
    ]);
  });
});
