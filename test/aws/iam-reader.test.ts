import {
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { readAccountAuthorizationDetails, unlistedPolicyArns, type IamOperation } from '../../aws/iam-reader';
import { TokenBucket } from '../../runtime/token-bucket';
import { VirtualClock } from '../rule/support';

const iamMock = mockClient(IAMClient);
beforeEach(() => iamMock.reset());

const ACCOUNT = '111122223333';
/** As IAM sends documents: URL-encoded JSON text (RFC 3986). */
const encoded = (document: object): string => encodeURIComponent(JSON.stringify(document));
const KMS_ALL = encoded({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });
const BOUNDARY_DOC = encoded({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] });
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/boundary`;
const AWS_BOUNDARY_ARN = 'arn:aws:iam::aws:policy/PowerUserAccess';

function options() {
  const clock = new VirtualClock(0);
  const requests: IamOperation[] = [];
  return { clock, limiter: new TokenBucket(10, clock), retry: { random: () => 0 }, onRequest: (op: IamOperation) => requests.push(op), requests };
}

const role = {
  RoleName: 'app',
  Arn: `arn:aws:iam::${ACCOUNT}:role/app`,
  RolePolicyList: [{ PolicyName: 'kms', PolicyDocument: KMS_ALL }],
  AttachedManagedPolicies: [],
};
// moto leaves PermissionsBoundary out of UserDetailList; IAM includes it.
const user = { UserName: 'alice', Arn: `arn:aws:iam::${ACCOUNT}:user/alice`, GroupList: ['ops'], PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const, PermissionsBoundaryArn: BOUNDARY_ARN } };
const group = { GroupName: 'ops', Arn: `arn:aws:iam::${ACCOUNT}:group/ops`, GroupPolicyList: [], AttachedManagedPolicies: [] };
const boundaryPolicy = {
  PolicyName: 'boundary',
  Arn: BOUNDARY_ARN,
  DefaultVersionId: 'v2',
  PolicyVersionList: [{ Document: BOUNDARY_DOC, VersionId: 'v2', IsDefaultVersion: true }],
};

describe('readAccountAuthorizationDetails', () => {
  it('reads every page with every entity type, merging them and keeping the documents as IAM sent them', async () => {
    iamMock
      .on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({ RoleDetailList: [role], IsTruncated: true, Marker: 'page-2' })
      .resolvesOnce({ UserDetailList: [user], GroupDetailList: [group], IsTruncated: true, Marker: 'page-3' })
      .resolvesOnce({ Policies: [boundaryPolicy], IsTruncated: false });
    const o = options();

    const outcome = await readAccountAuthorizationDetails(new IAMClient({}), o);

    expect(outcome).toEqual({ ok: true, value: { RoleDetailList: [role], UserDetailList: [user], GroupDetailList: [group], Policies: [boundaryPolicy] } });
    const inputs = iamMock.commandCalls(GetAccountAuthorizationDetailsCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { Filter: ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'], MaxItems: 1000, Marker: undefined },
      { Filter: ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'], MaxItems: 1000, Marker: 'page-2' },
      { Filter: ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'], MaxItems: 1000, Marker: 'page-3' },
    ]);
    // The user's boundary was listed: nothing more is read.
    expect(iamMock.commandCalls(GetPolicyCommand)).toHaveLength(0);
    expect(o.requests).toEqual(['iam:GetAccountAuthorizationDetails', 'iam:GetAccountAuthorizationDetails', 'iam:GetAccountAuthorizationDetails']);
  });

  it('reads a boundary that the listing lacks (an AWS managed policy attached to no one) with its default version', async () => {
    const bounded = { ...role, PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const, PermissionsBoundaryArn: AWS_BOUNDARY_ARN } };
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves({ RoleDetailList: [bounded], UserDetailList: [user], Policies: [boundaryPolicy] });
    iamMock.on(GetPolicyCommand, { PolicyArn: AWS_BOUNDARY_ARN }).resolves({ Policy: { PolicyName: 'PowerUserAccess', Arn: AWS_BOUNDARY_ARN, DefaultVersionId: 'v5', Path: '/' } });
    iamMock.on(GetPolicyVersionCommand, { PolicyArn: AWS_BOUNDARY_ARN, VersionId: 'v5' }).resolves({ PolicyVersion: { Document: KMS_ALL, VersionId: 'v5', IsDefaultVersion: true } });

    const outcome = await readAccountAuthorizationDetails(new IAMClient({}), options());

    expect(outcome.ok && outcome.value.Policies).toEqual([
      boundaryPolicy,
      { PolicyName: 'PowerUserAccess', Arn: AWS_BOUNDARY_ARN, Path: '/', DefaultVersionId: 'v5', PolicyVersionList: [{ Document: KMS_ALL, VersionId: 'v5', IsDefaultVersion: true }] },
    ]);
  });

  it('retries throttling, each attempt taking a token of the rate limit', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    iamMock.on(GetAccountAuthorizationDetailsCommand).rejectsOnce(throttled).resolves({ RoleDetailList: [role] });
    const o = options();

    const outcome = await readAccountAuthorizationDetails(new IAMClient({}), o);

    expect(outcome).toEqual({ ok: true, value: { RoleDetailList: [role], UserDetailList: [], GroupDetailList: [], Policies: [] } });
    expect(o.requests).toHaveLength(2);
  });

  it('answers access denied with the operation, without retrying and without a partial account', async () => {
    const denied = Object.assign(new Error('not authorized to perform: iam:GetAccountAuthorizationDetails'), { name: 'AccessDenied' });
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolvesOnce({ RoleDetailList: [role], IsTruncated: true, Marker: 'm' }).rejects(denied);

    const outcome = await readAccountAuthorizationDetails(new IAMClient({}), options());

    expect(outcome).toMatchObject({ ok: false, operation: 'iam:GetAccountAuthorizationDetails', kind: 'access-denied', errorName: 'AccessDenied' });
    expect(iamMock.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(2);
  });

  it('fails when a page says it is truncated but gives no marker, instead of passing the account as whole', async () => {
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves({ RoleDetailList: [role], IsTruncated: true });

    const outcome = await readAccountAuthorizationDetails(new IAMClient({}), options());

    expect(outcome).toMatchObject({ ok: false, operation: 'iam:GetAccountAuthorizationDetails', kind: 'error', errorName: 'IncompleteAnswerError' });
  });

  it('fails naming iam:GetPolicy when a referenced policy cannot be read', async () => {
    const bounded = { ...role, PermissionsBoundary: { PermissionsBoundaryArn: AWS_BOUNDARY_ARN } };
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves({ RoleDetailList: [bounded] });
    iamMock.on(GetPolicyCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    const outcome = await readAccountAuthorizationDetails(new IAMClient({}), options());

    expect(outcome).toMatchObject({ ok: false, operation: 'iam:GetPolicy', kind: 'access-denied' });
  });
});

describe('unlistedPolicyArns', () => {
  it('names attached and boundary policies of roles, users and groups that the policy list lacks, once each', () => {
    const details = {
      RoleDetailList: [{ AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/A' }], PermissionsBoundary: { PermissionsBoundaryArn: BOUNDARY_ARN } }],
      UserDetailList: [{ AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/A' }], PermissionsBoundary: { PermissionsBoundaryArn: 'arn:aws:iam::aws:policy/B' } }],
      GroupDetailList: [{ AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/C' }] }, 'not an object'],
      Policies: [boundaryPolicy],
    };
    expect(unlistedPolicyArns(details)).toEqual(['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B', 'arn:aws:iam::aws:policy/C']);
  });
});
