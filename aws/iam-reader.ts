/**
 * Reads an account's IAM for the engine's compileAccount: GetAccountAuthorizationDetails returns every role,
 * user and group with its inline policies, attached managed policies and permissions boundary, and managed
 * policies with all their versions. The pages are merged into one AccountAuthorizationDetails. Documents are
 * passed on as IAM returns them (URL-encoded JSON text): the engine decodes them.
 *
 * GetAccountAuthorizationDetails lists the AWS managed policies that are attached to an entity of the account,
 * not those used only as a permissions boundary; any managed policy an entity references but the answer lacks
 * is read with GetPolicy and GetPolicyVersion (readManagedPolicies), so no boundary goes unjudged.
 */
import {
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  type AttachedPermissionsBoundary,
  type AttachedPolicy,
  type EntityType,
  type GetAccountAuthorizationDetailsCommandOutput,
  type IAMClient,
  type ManagedPolicyDetail,
} from '@aws-sdk/client-iam';
import type { AccountAuthorizationDetails } from '../engine';
import { awsErrorName } from './errors';
import { failureKind, type ReadOutcome } from './kms-reader';
import { limitedCall, type CallBounds, type LimitedCallOptions } from './limited-call';

export type IamOperation = 'iam:GetAccountAuthorizationDetails' | 'iam:GetPolicy' | 'iam:GetPolicyVersion';

/** The permissions the IAM reads need. */
export const IAM_READ_ACTIONS: readonly IamOperation[] = ['iam:GetAccountAuthorizationDetails', 'iam:GetPolicy', 'iam:GetPolicyVersion'];

/**
 * Every entity type GetAccountAuthorizationDetails knows
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html): AWS managed
 * policies are needed too, since an attached AdministratorAccess or PowerUserAccess allows kms:*.
 */
const ALL_ENTITY_TYPES: readonly EntityType[] = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'];

/** MaxItems accepts 1 to 1000; the largest page costs the fewest calls of IAM's account-wide request quota. */
const PAGE_SIZE = 1000;

export type IamReaderOptions = LimitedCallOptions & Pick<CallBounds<IamOperation>, 'onRequest'>;

export type IamReadOutcome<T> = ReadOutcome<T, IamOperation>;

/**
 * The account's IAM, every page read and every referenced managed policy present, or why it could not be read:
 * never a partial account passed as whole.
 */
export async function readAccountAuthorizationDetails(iam: IAMClient, options: IamReaderOptions): Promise<IamReadOutcome<AccountAuthorizationDetails>> {
  const details = { UserDetailList: [] as unknown[], GroupDetailList: [] as unknown[], RoleDetailList: [] as unknown[], Policies: [] as unknown[] };
  let marker: string | undefined;
  try {
    do {
      const page: GetAccountAuthorizationDetailsCommandOutput = await limitedCall(
        'iam:GetAccountAuthorizationDetails',
        (o) => iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: [...ALL_ENTITY_TYPES], MaxItems: PAGE_SIZE, Marker: marker }), o),
        options,
      );
      details.UserDetailList.push(...(page.UserDetailList ?? []));
      details.GroupDetailList.push(...(page.GroupDetailList ?? []));
      details.RoleDetailList.push(...(page.RoleDetailList ?? []));
      details.Policies.push(...(page.Policies ?? []));
      marker = nextMarker(page);
    } while (marker !== undefined);
  } catch (error) {
    return failure('iam:GetAccountAuthorizationDetails', error);
  }
  const missing = unlistedPolicyArns(details);
  if (missing.length === 0) return { ok: true, value: details };
  const policies = await readManagedPolicies(iam, missing, options);
  if (!policies.ok) return policies;
  details.Policies.push(...policies.value);
  return { ok: true, value: details };
}

/**
 * Managed policies by ARN, each in the shape of a GetAccountAuthorizationDetails `Policies` entry with its
 * default version only. For policies that an entity references but a listing lacks (AWS managed policies used
 * only as a boundary, or not recorded by AWS Config).
 */
export async function readManagedPolicies(iam: IAMClient, arns: readonly string[], options: IamReaderOptions): Promise<IamReadOutcome<ManagedPolicyDetail[]>> {
  const policies: ManagedPolicyDetail[] = [];
  for (const arn of new Set(arns)) {
    let operation: IamOperation = 'iam:GetPolicy';
    try {
      const { Policy: policy } = await limitedCall(operation, (o) => iam.send(new GetPolicyCommand({ PolicyArn: arn }), o), options);
      const versionId = policy?.DefaultVersionId;
      if (versionId === undefined) throw new IncompleteAnswerError(`iam:GetPolicy answered without a default version for ${arn}`);
      operation = 'iam:GetPolicyVersion';
      const { PolicyVersion: version } = await limitedCall(operation, (o) => iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }), o), options);
      if (version?.Document === undefined) throw new IncompleteAnswerError(`iam:GetPolicyVersion answered without a document for ${arn} ${versionId}`);
      policies.push({
        ...(policy?.PolicyName !== undefined ? { PolicyName: policy.PolicyName } : {}),
        ...(policy?.PolicyId !== undefined ? { PolicyId: policy.PolicyId } : {}),
        Arn: arn,
        ...(policy?.Path !== undefined ? { Path: policy.Path } : {}),
        DefaultVersionId: versionId,
        PolicyVersionList: [{ Document: version.Document, VersionId: versionId, IsDefaultVersion: true }],
      });
    } catch (error) {
      return failure(operation, error);
    }
  }
  return { ok: true, value: policies };
}

/** The managed policies that roles, users and groups attach or use as boundary but `details.Policies` lacks, sorted. */
export function unlistedPolicyArns(details: AccountAuthorizationDetails): string[] {
  const listed = new Set<string>();
  for (const policy of details.Policies ?? []) {
    const arn = field(policy, 'Arn');
    if (typeof arn === 'string') listed.add(arn);
  }
  const referenced = new Set<string>();
  for (const entity of [...(details.RoleDetailList ?? []), ...(details.UserDetailList ?? []), ...(details.GroupDetailList ?? [])]) {
    const attached = field(entity, 'AttachedManagedPolicies');
    for (const a of Array.isArray(attached) ? (attached as AttachedPolicy[]) : []) if (typeof a?.PolicyArn === 'string') referenced.add(a.PolicyArn);
    const boundary = field(entity, 'PermissionsBoundary') as AttachedPermissionsBoundary | undefined;
    if (typeof boundary?.PermissionsBoundaryArn === 'string') referenced.add(boundary.PermissionsBoundaryArn);
  }
  return [...referenced].filter((arn) => !listed.has(arn)).sort();
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function failure(operation: IamOperation, error: unknown): IamReadOutcome<never> {
  return { ok: false, operation, kind: failureKind(error), errorName: awsErrorName(error), error };
}

/**
 * The marker of the next page. A page that says it is truncated but gives no marker cannot be continued: reading
 * on from the start would loop, and stopping would pass a partial account as whole.
 */
function nextMarker(page: GetAccountAuthorizationDetailsCommandOutput): string | undefined {
  if (page.IsTruncated !== true) return undefined;
  if (page.Marker === undefined || page.Marker === '') throw new IncompleteAnswerError('iam:GetAccountAuthorizationDetails answered IsTruncated without a Marker: the rest of the account cannot be read');
  return page.Marker;
}

/** IAM answered, but without what the read needs to go on. */
export class IncompleteAnswerError extends Error {
  override readonly name = 'IncompleteAnswerError';
}
