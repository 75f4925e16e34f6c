/**
 * Reads the service control policies (SCPs) and resource control policies (RCPs) that apply to an account: its
 * organisation path (the root, each OU down, the account itself) and, at each level, the policies attached
 * there with their content. Never throws: policies that cannot be read come back `readable: false` with the
 * reason, so the answer they feed says it is incomplete instead of assuming there are none.
 *
 * Calls (https://docs.aws.amazon.com/organizations/latest/APIReference/): DescribeOrganization, which any account
 * of the organisation may call, then ListRoots, ListParents, ListPoliciesForTarget and DescribePolicy, which
 * only the management account or a delegated administrator for AWS Organizations may call.
 */
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  type OrganizationsClient,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import type { OrganizationPolicies, OrganizationPolicy } from '../engine';
import { awsErrorName, classifyAwsError } from './errors';
import { limitedCall, type CallBounds, type LimitedCallOptions } from './limited-call';

export type OrganizationsOperation =
  | 'organizations:DescribeOrganization'
  | 'organizations:ListRoots'
  | 'organizations:ListParents'
  | 'organizations:ListPoliciesForTarget'
  | 'organizations:DescribePolicy';

/** The permissions a reader of an organisation's SCPs and RCPs needs, in the order it uses them. */
export const ORGANIZATIONS_READ_ACTIONS: readonly OrganizationsOperation[] = [
  'organizations:DescribeOrganization',
  'organizations:ListRoots',
  'organizations:ListParents',
  'organizations:ListPoliciesForTarget',
  'organizations:DescribePolicy',
];

export interface OrganizationsReaderOptions extends LimitedCallOptions, Pick<CallBounds<OrganizationsOperation>, 'onRequest'> {
  /** The principal the calls are made as, named in the reason when a permission is missing. */
  principal?: string;
  /**
   * Shared by the reads of one run (createOrganizationCache), so the root, the OUs and the policies an
   * organisation's accounts have in common are read once. Only successful reads are kept.
   */
  cache?: OrganizationCache;
}

/** What OrganizationPolicies says, plus notes on what was found not to apply (RCPs not enabled, …). */
export interface OrganizationPoliciesRead extends OrganizationPolicies {
  notes: string[];
}

/** What one run has read of organisations: their roots, the parent of each child, policies per target, contents. */
export interface OrganizationCache {
  roots: Map<string, Promise<RootFacts>>;
  parents: Map<string, Promise<string>>;
  attached: Map<string, Promise<string[]>>;
  documents: Map<string, Promise<OrganizationPolicy>>;
}

export function createOrganizationCache(): OrganizationCache {
  return { roots: new Map(), parents: new Map(), attached: new Map(), documents: new Map() };
}

interface RootFacts {
  id: string;
  /** Policy types in force in the organisation. */
  enabled: ReadonlySet<string>;
}

const POLICY_TYPES = [
  { type: 'SERVICE_CONTROL_POLICY', field: 'scps', label: 'SCPs' },
  { type: 'RESOURCE_CONTROL_POLICY', field: 'rcps', label: 'RCPs' },
] as const satisfies readonly { type: PolicyType; field: 'scps' | 'rcps'; label: string }[];

/**
 * The SCPs and RCPs that apply to `accountId`, or why they could not be read.
 *
 * - Not in an organisation (AWSOrganizationsNotInUseException): none apply.
 * - The management account: SCPs and RCPs never apply to it
 *   (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html), so nothing more
 *   is read.
 * - An organisation with consolidated billing only: authorization policies need all features, so none apply.
 * - A policy type not enabled in the root applies nowhere: its list of levels is empty and a note says so.
 *   (Policies of a disabled type may still be listed for a target; they are not in force.)
 */
export async function readOrganizationPolicies(orgs: OrganizationsClient, accountId: string, options: OrganizationsReaderOptions): Promise<OrganizationPoliciesRead> {
  let organization: { id: string; managementAccount: string | undefined; featureSet: string | undefined };
  try {
    const described = await call(options, 'organizations:DescribeOrganization', (o) => orgs.send(new DescribeOrganizationCommand({}), o));
    const org = described.Organization;
    if (org?.Id === undefined) return unreadable('organizations:DescribeOrganization answered without an organisation id');
    organization = { id: org.Id, managementAccount: org.MasterAccountId, featureSet: org.FeatureSet };
  } catch (error) {
    if (error instanceof OrganizationsCallError && awsErrorName(error.original) === 'AWSOrganizationsNotInUseException') {
      return { readable: true, inOrganization: false, isManagementAccount: false, scps: [], rcps: [], notes: [`account ${accountId} is not in an organisation: no SCP or RCP applies`] };
    }
    return unreadable(failureReason(error, options));
  }
  if (organization.managementAccount === accountId) {
    return inOrganization(true, [`account ${accountId} is the management account of ${organization.id}: SCPs and RCPs do not apply to it`]);
  }
  if (organization.featureSet === 'CONSOLIDATED_BILLING') {
    return inOrganization(false, [`organisation ${organization.id} has consolidated billing only: SCPs and RCPs need all features enabled, so none apply`]);
  }
  const cache = options.cache ?? createOrganizationCache();
  try {
    const root = await cached(cache.roots, organization.id, () => rootOf(orgs, organization.id, options));
    const result = inOrganization(false, []);
    const inForce = POLICY_TYPES.filter(({ type, label }) => {
      if (!root.enabled.has(type)) result.notes.push(`${label} are not enabled in organisation ${organization.id}: none apply`);
      return root.enabled.has(type);
    });
    if (inForce.length === 0) return result;
    const path = await organizationPath(orgs, accountId, root.id, cache, options);
    for (const { type, field, label } of inForce) {
      for (const target of path) {
        const ids = await cached(cache.attached, `${type}|${target}`, () => attachedPolicyIds(orgs, target, type, options));
        // With a type enabled, every root, OU and account has at least one policy of it attached: Organizations
        // refuses to detach the last one. A level without any is an answer that cannot be judged (an empty level
        // would deny everything).
        if (ids.length === 0) return unreadable(`organizations:ListPoliciesForTarget listed no ${label} for ${target}, though ${label} are enabled: the ${label} in force are unknown`);
        const policies: OrganizationPolicy[] = [];
        for (const id of ids) policies.push(await cached(cache.documents, id, () => policyDocument(orgs, id, options)));
        result[field].push({ target, policies });
      }
    }
    return result;
  } catch (error) {
    return unreadable(failureReason(error, options));
  }
}

function inOrganization(isManagementAccount: boolean, notes: string[]): OrganizationPoliciesRead {
  return { readable: true, inOrganization: true, isManagementAccount, scps: [], rcps: [], notes };
}

function unreadable(reason: string): OrganizationPoliciesRead {
  return { readable: false, reason, inOrganization: true, isManagementAccount: false, scps: [], rcps: [], notes: [] };
}

/** Why a read failed, naming the permission and the principal that needs it when access was denied. */
function failureReason(error: unknown, options: OrganizationsReaderOptions): string {
  if (!(error instanceof OrganizationsCallError)) return `reading the organisation's SCPs and RCPs failed: ${String(error)}`;
  const { operation, original } = error;
  const name = awsErrorName(original);
  const principal = options.principal ?? 'the calling principal';
  if (classifyAwsError(original) === 'access-denied') {
    return (
      `${operation} was denied (${name}) to ${principal}: the SCPs and RCPs of an account's organisation path can be read only from the ` +
      `management account or a delegated administrator for AWS Organizations; grant ${principal} ${ORGANIZATIONS_READ_ACTIONS.join(', ')} there`
    );
  }
  const detail = original instanceof Error && original.name === 'IncompleteAnswerError' ? `: ${original.message}` : ` (${classifyAwsError(original)})`;
  return `${operation} failed with ${name}${detail}; the SCPs and RCPs of the account's organisation path are unknown`;
}

/** A failure of one of the calls, saying which. */
class OrganizationsCallError extends Error {
  override readonly name = 'OrganizationsCallError';
  constructor(
    readonly operation: OrganizationsOperation,
    readonly original: unknown,
  ) {
    super(`${operation} failed`, { cause: original });
  }
}

/** Organizations answered, but without what the read needs to go on. */
class IncompleteAnswerError extends Error {
  override readonly name = 'IncompleteAnswerError';
}

async function call<T>(options: OrganizationsReaderOptions, operation: OrganizationsOperation, send: (o: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T> {
  try {
    return await limitedCall(operation, send, options);
  } catch (error) {
    throw new OrganizationsCallError(operation, error);
  }
}

async function rootOf(orgs: OrganizationsClient, organizationId: string, options: OrganizationsReaderOptions): Promise<RootFacts> {
  // An organisation has exactly one root: the first page holds it.
  const { Roots: roots } = await call(options, 'organizations:ListRoots', (o) => orgs.send(new ListRootsCommand({}), o));
  const root = roots?.[0];
  if (root?.Id === undefined) throw new OrganizationsCallError('organizations:ListRoots', new IncompleteAnswerError(`no root listed for ${organizationId}`));
  // PENDING_DISABLE: the type is still in force until it is disabled. PENDING_ENABLE: not yet; a type whose
  // policies are left out can only make the answer show more access, never less.
  const enabled = new Set((root.PolicyTypes ?? []).filter((t) => t.Status === 'ENABLED' || t.Status === 'PENDING_DISABLE').flatMap((t) => (t.Type === undefined ? [] : [t.Type])));
  return { id: root.Id, enabled };
}

/** Root first, then each OU down, then the account: the order in which SCPs and RCPs are inherited. */
async function organizationPath(orgs: OrganizationsClient, accountId: string, rootId: string, cache: OrganizationCache, options: OrganizationsReaderOptions): Promise<string[]> {
  const path = [accountId];
  // OUs nest at most five deep under the root
  // (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
  for (let depth = 0; depth <= MAX_OU_DEPTH; depth++) {
    const child = path[0] ?? accountId;
    const parent = await cached(cache.parents, child, () => parentOf(orgs, child, options));
    path.unshift(parent);
    if (parent === rootId) return path;
  }
  throw new OrganizationsCallError('organizations:ListParents', new IncompleteAnswerError(`the root ${rootId} was not reached within ${MAX_OU_DEPTH} OUs above ${accountId}`));
}

const MAX_OU_DEPTH = 5;

async function parentOf(orgs: OrganizationsClient, childId: string, options: OrganizationsReaderOptions): Promise<string> {
  // A child has exactly one parent: the first page holds it.
  const page = await call(options, 'organizations:ListParents', (o) => orgs.send(new ListParentsCommand({ ChildId: childId }), o));
  const parent = page.Parents?.[0]?.Id;
  if (parent === undefined) throw new OrganizationsCallError('organizations:ListParents', new IncompleteAnswerError(`no parent listed for ${childId}`));
  return parent;
}

async function attachedPolicyIds(orgs: OrganizationsClient, target: string, type: PolicyType, options: OrganizationsReaderOptions): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await call(options, 'organizations:ListPoliciesForTarget', (o) =>
      orgs.send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: type, NextToken: token }), o),
    );
    for (const p of page.Policies ?? []) if (p.Id !== undefined) ids.push(p.Id);
    token = page.NextToken === '' ? undefined : page.NextToken;
  } while (token !== undefined);
  return ids;
}

async function policyDocument(orgs: OrganizationsClient, id: string, options: OrganizationsReaderOptions): Promise<OrganizationPolicy> {
  const { Policy: policy } = await call(options, 'organizations:DescribePolicy', (o) => orgs.send(new DescribePolicyCommand({ PolicyId: id }), o));
  if (policy?.Content === undefined) throw new OrganizationsCallError('organizations:DescribePolicy', new IncompleteAnswerError(`no content for ${id}`));
  const name = policy.PolicySummary?.Name;
  return name === undefined ? { id, document: policy.Content } : { id, name, document: policy.Content };
}

/** The cached promise for `key`, or a new read; a failed read is forgotten so that the next caller asks again. */
function cached<T>(map: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let pending = map.get(key);
  if (pending === undefined) {
    const started = read();
    pending = started;
    map.set(key, started);
    started.catch(() => {
      if (map.get(key) === started) map.delete(key);
    });
  }
  return pending;
}
