/**
 * Reads an account's IAM from AWS Config's records instead of the IAM API: the configuration items of
 * AWS::IAM::Role, AWS::IAM::User, AWS::IAM::Group and AWS::IAM::Policy, converted to the shape of IAM
 * GetAccountAuthorizationDetails so that the engine's compileAccount reads both alike. No IAM quota is spent.
 *
 * Config records these global IAM types only where the recorder is told to (the Region that records global
 * resources), and records customer managed policies only, not AWS managed ones
 * (https://docs.aws.amazon.com/config/latest/APIReference/API_RecordingGroup.html). So the recorder is asked
 * first; when it does not record all four types, is stopped, or records no role at all (every account that
 * runs Config has the role Config itself uses), the answer is `recorded: false` with why, and the caller reads
 * the IAM API. Documents are passed on as Config recorded them: URL-encoded JSON text.
 */
import {
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  ListDiscoveredResourcesCommand,
  type BaseConfigurationItem,
  type ConfigServiceClient,
  type ConfigurationRecorder,
  type ResourceKey,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import type { AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, ManagedPolicyDetail, PolicyDetail, RoleDetail, UserDetail } from '@aws-sdk/client-iam';
import type { AccountAuthorizationDetails } from '../engine';
import { batchGetRecorded, CONFIG_BATCH, type ConfigReadOptions } from './config-reader';
import { awsErrorName, classifyAwsError } from './errors';
import { unlistedPolicyArns } from './iam-reader';
import { withRetry } from './retry';

export type RecordedIam =
  | {
      recorded: true;
      details: AccountAuthorizationDetails;
      /** Configuration items read. */
      items: number;
      /**
       * Managed policies that recorded roles, users or groups attach or use as boundary, but that Config has no
       * item for: AWS managed policies (Config records customer managed ones only). Read them with
       * readManagedPolicies (aws/iam-reader.ts) and add them to `details.Policies`, or the answer is incomplete.
       */
      unrecordedPolicyArns: string[];
    }
  | { recorded: false; reason: string };

export type ConfigIamReadOptions = Omit<ConfigReadOptions, 'config'>;

export const IAM_RESOURCE_TYPES = ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::Policy'] as const satisfies readonly ResourceType[];
type IamResourceType = (typeof IAM_RESOURCE_TYPES)[number];

/** The Config permissions this reader needs. */
export const CONFIG_IAM_READ_ACTIONS = [
  'config:DescribeConfigurationRecorders',
  'config:DescribeConfigurationRecorderStatus',
  'config:ListDiscoveredResources',
  'config:BatchGetResourceConfig',
] as const;

/** The account's IAM as Config recorded it, or why it cannot be used (the caller then reads the IAM API). Never throws. */
export async function readRecordedIam(config: ConfigServiceClient, options: ConfigIamReadOptions): Promise<RecordedIam> {
  const reads: ConfigReadOptions = { ...options, config };
  try {
    const notRecording = await recorderGap(reads);
    if (notRecording !== undefined) return { recorded: false, reason: notRecording };
    const keys: ResourceKey[] = [];
    for (const resourceType of IAM_RESOURCE_TYPES) keys.push(...(await discovered(resourceType, reads)));
    if (!keys.some((k) => k.resourceType === 'AWS::IAM::Role')) {
      return { recorded: false, reason: 'Config lists no AWS::IAM::Role in this Region: IAM is recorded only in the Region that records global resources' };
    }
    const details = emptyDetails();
    let items = 0;
    for (let start = 0; start < keys.length; start += CONFIG_BATCH) {
      const batch = await batchGetRecorded(keys.slice(start, start + CONFIG_BATCH), reads);
      if (batch.failedWith !== undefined) return { recorded: false, reason: `config:BatchGetResourceConfig failed with ${batch.failedWith}` };
      if (batch.unprocessed.length > 0) return { recorded: false, reason: `config:BatchGetResourceConfig left ${batch.unprocessed.length} IAM items unprocessed after retries` };
      items += batch.items.length;
      for (const item of batch.items) {
        const problem = addItem(details, item);
        if (problem !== undefined) return { recorded: false, reason: problem };
      }
    }
    return { recorded: true, details, items, unrecordedPolicyArns: unlistedPolicyArns(details) };
  } catch (error) {
    return { recorded: false, reason: error instanceof ConfigCallError ? error.message : `reading IAM from Config failed: ${String(error)}` };
  }
}

/** Why the configuration recorder does not give a whole, current record of IAM; undefined when it does. */
async function recorderGap(reads: ConfigReadOptions): Promise<string | undefined> {
  const { ConfigurationRecorders: recorders } = await call('config:DescribeConfigurationRecorders', reads, (o) => reads.config.send(new DescribeConfigurationRecordersCommand({}), o));
  const recorder = recorders?.[0];
  if (recorder === undefined) return 'no Config configuration recorder in this Region';
  const missing = IAM_RESOURCE_TYPES.filter((t) => !records(recorder, t));
  if (missing.length > 0) return `the configuration recorder ${recorder.name ?? ''} does not record ${missing.join(', ')} in this Region`;
  const { ConfigurationRecordersStatus: statuses } = await call('config:DescribeConfigurationRecorderStatus', reads, (o) =>
    reads.config.send(new DescribeConfigurationRecorderStatusCommand(recorder.name === undefined ? {} : { ConfigurationRecorderNames: [recorder.name] }), o),
  );
  // A stopped recorder keeps its last items: IAM changed since then would be judged as it was.
  if (statuses?.[0]?.recording !== true) return `the configuration recorder ${recorder.name ?? ''} is not recording: its IAM items may be out of date`;
  return undefined;
}

/** Whether the recording group covers `type` (https://docs.aws.amazon.com/config/latest/APIReference/API_RecordingGroup.html). */
function records(recorder: ConfigurationRecorder, type: IamResourceType): boolean {
  const group = recorder.recordingGroup;
  if (group === undefined) return false;
  switch (group.recordingStrategy?.useOnly) {
    case 'INCLUSION_BY_RESOURCE_TYPES':
      return group.resourceTypes?.includes(type) === true;
    // includeGlobalResourceTypes has no effect here: IAM types are recorded unless excluded by name.
    case 'EXCLUSION_BY_RESOURCE_TYPES':
      return group.exclusionByResourceTypes?.resourceTypes?.includes(type) !== true;
    default:
      // allSupported records every type except the global IAM ones, unless includeGlobalResourceTypes; types
      // listed by name are recorded whatever includeGlobalResourceTypes says.
      if (group.allSupported === true) return group.includeGlobalResourceTypes === true;
      return group.resourceTypes?.includes(type) === true;
  }
}

async function discovered(resourceType: IamResourceType, reads: ConfigReadOptions): Promise<ResourceKey[]> {
  const keys: ResourceKey[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call('config:ListDiscoveredResources', reads, (o) =>
      reads.config.send(new ListDiscoveredResourcesCommand({ resourceType, limit: CONFIG_BATCH, nextToken }), o),
    );
    for (const r of page.resourceIdentifiers ?? []) {
      if (r.resourceId !== undefined && r.resourceDeletionTime === undefined) keys.push({ resourceType, resourceId: r.resourceId });
    }
    nextToken = page.nextToken === '' ? undefined : page.nextToken;
  } while (nextToken !== undefined);
  return keys;
}

class ConfigCallError extends Error {
  override readonly name = 'ConfigCallError';
}

async function call<T>(operation: string, reads: ConfigReadOptions, send: (o: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T> {
  try {
    return await withRetry(send, reads);
  } catch (error) {
    throw new ConfigCallError(`${operation} failed with ${awsErrorName(error)} (${classifyAwsError(error)})`, { cause: error });
  }
}

type Details = Required<{ [K in keyof AccountAuthorizationDetails]: unknown[] }>;

function emptyDetails(): Details {
  return { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
}

/** Adds one recorded item to `details`; a problem that makes the record unusable is returned as text. */
function addItem(details: Details, item: BaseConfigurationItem): string | undefined {
  const where = `${item.resourceType ?? 'item'} ${item.resourceName ?? item.resourceId ?? ''}`;
  // Deleted resources are not in force; ResourceNotRecorded means Config saw the resource but did not record it.
  if (item.configurationItemStatus === 'ResourceDeleted' || item.configurationItemStatus === 'ResourceDeletedNotRecorded') return undefined;
  if (item.configurationItemStatus === 'ResourceNotRecorded') return `Config did not record the configuration of ${where}`;
  let c: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(item.configuration ?? '');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    c = parsed as Record<string, unknown>;
  } catch (error) {
    return `the recorded configuration of ${where} is not readable JSON (${error instanceof Error ? error.message : String(error)})`;
  }
  const arn = text(c.arn) ?? item.arn;
  switch (item.resourceType) {
    case 'AWS::IAM::Role':
      details.RoleDetailList.push(
        defined<RoleDetail>({
          Path: text(c.path),
          RoleName: text(c.roleName) ?? item.resourceName,
          RoleId: text(c.roleId),
          Arn: arn,
          AssumeRolePolicyDocument: document(c.assumeRolePolicyDocument),
          RolePolicyList: inlinePolicies(c.rolePolicyList),
          AttachedManagedPolicies: attachedPolicies(c.attachedManagedPolicies),
          PermissionsBoundary: boundary(c.permissionsBoundary),
        }),
      );
      return undefined;
    case 'AWS::IAM::User':
      details.UserDetailList.push(
        defined<UserDetail>({
          Path: text(c.path),
          UserName: text(c.userName) ?? item.resourceName,
          UserId: text(c.userId),
          Arn: arn,
          UserPolicyList: inlinePolicies(c.userPolicyList),
          GroupList: list(c.groupList).filter((g): g is string => typeof g === 'string'),
          AttachedManagedPolicies: attachedPolicies(c.attachedManagedPolicies),
          PermissionsBoundary: boundary(c.permissionsBoundary),
        }),
      );
      return undefined;
    case 'AWS::IAM::Group':
      details.GroupDetailList.push(
        defined<GroupDetail>({
          Path: text(c.path),
          GroupName: text(c.groupName) ?? item.resourceName,
          GroupId: text(c.groupId),
          Arn: arn,
          GroupPolicyList: inlinePolicies(c.groupPolicyList),
          AttachedManagedPolicies: attachedPolicies(c.attachedManagedPolicies),
        }),
      );
      return undefined;
    case 'AWS::IAM::Policy':
      details.Policies.push(
        defined<ManagedPolicyDetail>({
          PolicyName: text(c.policyName) ?? item.resourceName,
          PolicyId: text(c.policyId),
          Arn: arn,
          Path: text(c.path),
          DefaultVersionId: text(c.defaultVersionId),
          PolicyVersionList: list(c.policyVersionList).map((v) => {
            const version = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
            return defined({ Document: document(version.document), VersionId: text(version.versionId), IsDefaultVersion: version.isDefaultVersion === true });
          }),
        }),
      );
      return undefined;
    default:
      return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * A document as recorded: URL-encoded JSON text, passed on as is. A record holding it as a JSON object is
 * encoded the way IAM encodes documents, so that both reach compileAccount in one form.
 */
function document(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'object' && value !== null ? encodeURIComponent(JSON.stringify(value)) : undefined;
}

function inlinePolicies(value: unknown): PolicyDetail[] {
  return list(value).map((p) => {
    const policy = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    return defined<PolicyDetail>({ PolicyName: text(policy.policyName), PolicyDocument: document(policy.policyDocument) });
  });
}

function attachedPolicies(value: unknown): AttachedPolicy[] {
  return list(value).map((p) => {
    const policy = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    return defined<AttachedPolicy>({ PolicyName: text(policy.policyName), PolicyArn: text(policy.policyArn) });
  });
}

/** Config records `{permissionsBoundaryType, permissionsBoundaryArn}`; some records carry the bare ARN. */
function boundary(value: unknown): AttachedPermissionsBoundary | undefined {
  const arn = typeof value === 'string' ? value : text((value as Record<string, unknown> | null | undefined)?.permissionsBoundaryArn);
  return arn === undefined || arn === '' ? undefined : { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn };
}

/** `value` without its undefined fields. */
function defined<T extends object>(value: { [K in keyof T]?: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
