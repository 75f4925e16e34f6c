/**
 * Reads the service control policies (SCPs) and resource control policies (RCPs) that apply to an account: its
 * organisation path (the root, each OU down, the account itself) and, at each level, the policies attached
 * there with their content. Never throws: a policy set that cannot be read comes back `readable: false` with
 * the reason, so the answer it feeds says it is incomplete instead of assuming there are none.
 *
 * Calls (https://docs.aws.amazon.com/organizations/latest/APIReference/): DescribeOrganization (any account of
 * the organisation may call it), then ListParents, ListPoliciesForTarget and DescribePolicy, which only the
 * management account or a delegated administrator for Organizations may call.
 */
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  type OrganizationsClient,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import type { OrganizationPolicies, OrganizationPolicy } from '../engine';
import { awsErrorName, classifyAwsError } from './errors';
import { limitedCall, type CallBounds, type LimitedCallOptions } from './limited-call';

export type OrganizationsOperation =
  | 'organizations:DescribeOrganization'
  | 'organizations:ListParents'
  | 'organizations:ListPoliciesForTarget'
  | 'organizations:DescribePolicy';

/** The permissions a reader of an organisation's SCPs and RCPs needs, in the order it uses them. */
export const ORGANIZATIONS_READ_ACTIONS: readonly OrganizationsOperation[] = [
  'organizations:DescribeOrganization',
  'organizations:ListParents',
  'organizations:ListPoliciesForTarget',
  'organizations:DescribePolicy',
];

export interface OrganizationsReaderOptions extends LimitedCallOptions, Pick<CallBounds<OrganizationsOperation>, 'onRequest'> {
  /** The principal the calls are made as, named in the reason when a permission is missing. */
  principal?: string;
  /** Shared by the reads of one run: the organisation's levels and policies are read once for all its accounts. */
  cache?: OrganizationCache;
}

/** What OrganizationPolicies says, plus notes on what was found not to apply (RCPs not enabled, …). */
export interface OrganizationPoliciesRead extends OrganizationPolicies {
  notes: string[];
}

/** Per organisation, what one run has read: parents of each child, policies of each target, and their contents. */
export interface OrganizationCache {
  parents: Map<string, Promise<string>>;
  attached: Map<string, Promise<AttachedPolicies>>;
  documents: Map<string, Promise<OrganizationPolicy>>;
}

export function createOrganizationCache(): OrganizationCache {
  return { parents: new Map(), attached: new Map(), documents: new Map() };
}

type AttachedPolicies = { enabled: true; policies: OrganizationPolicy[] } | { enabled: false };

/**
 * The SCPs and RCPs that apply to `accountId`, or why they could not be read.
 *
 * - Not in an organisation (AWSOrganizationsNotInUseException): none apply, readable.
 * - The management account: SCPs and RCPs never apply to it
 *   (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html), so nothing more
 *   is read.
 * - An organisation with consolidated billing only: authorization policies need all features, so none apply.
 * - A policy type not enabled in the root (PolicyTypeNotEnabledException): that type applies nowhere; its list
 *   is empty and a note says why.
 */
export async function readOrganizationPolicies(orgs: OrganizationsClient, accountId: string, options: OrganizationsReaderOptions): Promise<OrganizationPoliciesRead> {
  let organization: { id: string; managementAccount: string | undefined; featureSet: string | undefined };
  try {
    const described = await call(options, 'organizations:DescribeOrganization', (o) => orgs.send(new DescribeOrganizationCommand({}), o));
    const org = described.Organization;
    if (org?.Id === undefined) return unreadable('organizations:DescribeOrganization answered without an organisation id');
    organization = { id: org.Id, managementAccount: org.MasterAccountId, featureSet: org.FeatureSet };
  } catch (error) {
    if (awsErrorName(error) === 'AWSOrganizationsNotInUseException') {
      return { readable: true, inOrganization: false, isManagementAccount: false, scps: [], rcps: [], notes: [`account ${accountId} is not in an organisation: no SCP or RCP applies`] };
    }
    return unreadable(failureReason('organizations:DescribeOrganization', error, options));
  }
  if (organization.managementAccount === accountId) {
    return { ...inOrganization(true), notes: [`account ${accountId} is the management account of ${organization.id}: SCPs and RCPs do not apply to it`] };
  }
  if (organization.featureSet === 'CONSOLIDATED_BILLING') {
    return { ...inOrganization(false), notes: [`organisation ${organization.id} has consolidated billing only: SCPs and RCPs need all features enabled, so none apply`] };
  }
  const cache = options.cache ?? createOrganizationCache();
  let operation: OrganizationsOperation = 'organizations:ListParents';
  try {
    const path = await organizationPath(orgs, accountId, cache, options);
    operation = 'organizations:ListPoliciesForTarget';
    const result: OrganizationPoliciesRead = inOrganization(false);
    for (const [type, into, label] of [
      ['SERVICE_CONTROL_POLICY', result.scps, 'SCPs'],
      ['RESOURCE_CONTROL_POLICY', result.rcps, 'RCPs'],
    ] as const) {
      const levels = await policiesAlongPath(orgs, path, type, cache, options);
      if (levels === undefined) {
        result.notes.push(`${label} are not enabled in organisation ${organization.id}: none apply`);
        continue;
      }
      into.push(...levels);
    }
    return result;
  } catch (error) {
    return unreadable(failureReason(operationOf(error) ?? operation, error, options));
  }
}

function inOrganization(isManagementAccount: boolean): OrganizationPoliciesRead {
  return { readable: true, inOrganization: true, isManagementAccount, scps: [], rcps: [], notes: [] };
}

function unreadable(reason: string): OrganizationPoliciesRead {
  return { readable: false, reason, inOrganization: true, isManagementAccount: false, scps: [], rcps: [], notes: [] };
}

/** Why a read failed, naming the permission and the principal that needs it when access was denied. */
function failureReason(operation: OrganizationsOperation, error: unknown, options: OrganizationsReaderOptions): string {
  const name = awsErrorName(error);
  const principal = options.principal ?? 'the calling principal';
  if (classifyAwsError(error) === 'access-denied') {
    return (
      `${operation} was denied (${name}) to ${principal}: the SCPs and RCPs of the account's organisation path can be read only ` +
      `from the management account or a delegated administrator for AWS Organizations; grant ${principal} ${ORGANIZATIONS_READ_ACTIONS.join(', ')} ` +
      `there, or run from the management account`
    );
  }
  return `${operation} failed with ${name} (${classifyAwsError(error)}): the SCPs and RCPs of the account's organisation path are unknown`;
}

/** A failure of one of the calls, carrying which. */
class OrganizationsCallError extends Error {
  override readonly name: string;
  constructor(
    readonly operation: OrganizationsOperation,
    readonly original: unknown,
  ) {
    super(`${operation} failed`, { cause: original });
    this.name = awsErrorName(original);
  }
}

function operationOf(error: unknown): OrganizationsOperation | undefined {
  return error instanceof OrganizationsCallError ? error.operation : undefined;
}

async function call<T>(options: OrganizationsReaderOptions, operation: OrganizationsOperation, send: (o: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T> {
  try {
    return await limitedCall(operation, send, options);
  } catch (error) {
    throw error instanceof OrganizationsCallError ? error : new OrganizationsCallError(operation, error);
  }
}

/** Root first, then each OU down, then the account: the order in which SCPs and RCPs are inherited. */
async function organizationPath(orgs: OrganizationsClient, accountId: string, cache: OrganizationCache, options: OrganizationsReaderOptions): Promise<string[]> {
  const path = [accountId];
  // An organisation is at most five OUs deep under its root
  // (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html); a longer chain is an
  // answer that cannot be trusted.
  for (let depth = 0; depth <= MAX_OU_DEPTH; depth++) {
    const child = path[0] ?? accountId;
    const parent = await cached(cache.parents, child, () => parentOf(orgs, child, options));
    path.unshift(parent);
    if (parent.startsWith('r-')) return path;
  }
  throw new OrganizationsCallError('organizations:ListParents', new Error(`no root found within ${MAX_OU_DEPTH} levels above ${accountId}`));
}

const MAX_OU_DEPTH = 5;

async function parentOf(orgs: OrganizationsClient, childId: string, options: OrganizationsReaderOptions): Promise<string> {
  // A child has exactly one parent: the first page holds it.
  const page = await call(options, 'organizations:ListParents', (o) => orgs.send(new ListParentsCommand({ ChildId: childId }), o));
  const parent = page.Parents?.[0]?.Id;
  if (parent === undefined) throw new OrganizationsCallError('organizations:ListParents', new Error(`ListParents named no parent of ${childId}`));
  return parent;
}

/** The policies of `type` at each level of `path`; undefined when the type is not enabled in the organisation. */
async function policiesAlongPath(
  orgs: OrganizationsClient,
  path: readonly string[],
  type: PolicyType,
  cache: OrganizationCache,
  options: OrganizationsReaderOptions,
): Promise<{ target: string; policies: OrganizationPolicy[] }[] | undefined> {
  const levels: { target: string; policies: OrganizationPolicy[] }[] = [];
  for (const target of path) {
    const attached = await cached(cache.attached, `${type}|${target}`, () => attachedPolicies(orgs, target, type, cache, options));
    if (!attached.enabled) return undefined;
    levels.push({ target, policies: attached.policies });
  }
  return levels;
}

async function attachedPolicies(orgs: OrganizationsClient, target: string, type: PolicyType, cache: OrganizationCache, options: OrganizationsReaderOptions): Promise<AttachedPolicies> {
  const ids: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await call(options, 'organizations:ListPoliciesForTarget', (o) =>
        orgs.send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: type, NextToken: token }), o),
      );
      for (const p of page.Policies ?? []) if (p.Id !== undefined) ids.push(p.Id);
      token = page.NextToken === '' ? undefined : page.NextToken;
    } while (token !== undefined);
  } catch (error) {
    if (isPolicyTypeNotEnabled(error)) return { enabled: false };
    throw error;
  }
  const policies: OrganizationPolicy[] = [];
  for (const id of ids) policies.push(await cached(cache.documents, id, () => policyDocument(orgs, id, options)));
  return { enabled: true, policies };
}

/**
 * A policy type that the root has not enabled: Organizations answers PolicyTypeNotEnabledException. RCPs are a
 * newer type (2024-11): an endpoint that does not know the filter value answers InvalidInputException naming
 * it, and then RCPs cannot be in force either.
 */
function isPolicyTypeNotEnabled(error: unknown): boolean {
  const original = error instanceof OrganizationsCallError ? error.original : error;
  const name = awsErrorName(original);
  if (name === 'PolicyTypeNotEnabledException') return true;
  return name === 'InvalidInputException' && original instanceof Error && /RESOURCE_CONTROL_POLICY/.test(original.message);
}

async function policyDocument(orgs: OrganizationsClient, id: string, options: OrganizationsReaderOptions): Promise<OrganizationPolicy> {
  const described = await call(options, 'organizations:DescribePolicy', (o) => orgs.send(new DescribePolicyCommand({ PolicyId: id }), o));
  const content = described.Policy?.Content;
  if (content === undefined) throw new OrganizationsCallError('organizations:DescribePolicy', new Error(`DescribePolicy returned no content for ${id}`));
  const name = described.Policy?.PolicySummary?.Name;
  return name === undefined ? { id, document: content } : { id, name, document: content };
}

/** The cached promise for `key`, or a new one; a failed read is forgotten so the next account asks again. */
function cached<T>(map: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let pending = map.get(key);
  if (pending === undefined) {
    pending = read();
    map.set(key, pending);
    const stored = pending;
    pending.catch(() => {
      if (map.get(key) === stored) map.delete(key);
    });
  }
  return pending;
}
