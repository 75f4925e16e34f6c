/**
 * Small hand-written IAM details, keys and organisation policies for the effective-access tests.
 */
import { analyzePolicy } from '../../../engine/analyze';
import type { KeyGrant } from '../../../engine/key-grants';
import type { KeyToJudge, OrganizationPolicies } from '../../../engine/effective-access/types';

export const ACCOUNT = '111122223333';
export const OTHER = '444455556666';
export const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

export const roleArn = (name: string, path = '/'): string => `arn:aws:iam::${ACCOUNT}:role${path}${name}`;
export const userArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;
export const policyArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:policy/${name}`;

export interface Doc {
  Version?: string;
  Statement: Record<string, unknown>[];
}

export const doc = (...statements: Record<string, unknown>[]): Doc => ({ Version: '2012-10-17', Statement: statements });
export const allow = (action: string | string[], resource: string | string[] = '*', extra: Record<string, unknown> = {}): Record<string, unknown> => ({ Effect: 'Allow', Action: action, Resource: resource, ...extra });
export const deny = (action: string | string[], resource: string | string[] = '*', extra: Record<string, unknown> = {}): Record<string, unknown> => ({ Effect: 'Deny', Action: action, Resource: resource, ...extra });

/** IAM's API form: the document as URL-encoded JSON text. */
export const encoded = (d: Doc): string => encodeURIComponent(JSON.stringify(d));

export const TRUST_EC2 = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });

export function role(name: string, opts: { inline?: Record<string, unknown>; attached?: string[]; boundary?: string; trust?: unknown; path?: string } = {}): Record<string, unknown> {
  const path = opts.path ?? '/';
  const r: Record<string, unknown> = {
    Path: path,
    RoleName: name,
    RoleId: `AROA${name.toUpperCase().padEnd(17, 'X')}`,
    Arn: roleArn(name, path),
    AssumeRolePolicyDocument: opts.trust ?? TRUST_EC2,
    RolePolicyList: Object.entries(opts.inline ?? {}).map(([PolicyName, PolicyDocument]) => ({ PolicyName, PolicyDocument })),
    AttachedManagedPolicies: (opts.attached ?? []).map((PolicyArn) => ({ PolicyName: PolicyArn.split('/').pop(), PolicyArn })),
  };
  if (opts.boundary) r.PermissionsBoundary = { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: opts.boundary };
  return r;
}

export function user(name: string, opts: { inline?: Record<string, unknown>; attached?: string[]; groups?: string[]; boundary?: string } = {}): Record<string, unknown> {
  const u: Record<string, unknown> = {
    Path: '/',
    UserName: name,
    Arn: userArn(name),
    UserPolicyList: Object.entries(opts.inline ?? {}).map(([PolicyName, PolicyDocument]) => ({ PolicyName, PolicyDocument })),
    AttachedManagedPolicies: (opts.attached ?? []).map((PolicyArn) => ({ PolicyName: PolicyArn.split('/').pop(), PolicyArn })),
    GroupList: opts.groups ?? [],
  };
  if (opts.boundary) u.PermissionsBoundary = { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: opts.boundary };
  return u;
}

export function group(name: string, opts: { inline?: Record<string, unknown>; attached?: string[] } = {}): Record<string, unknown> {
  return {
    GroupName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
    GroupPolicyList: Object.entries(opts.inline ?? {}).map(([PolicyName, PolicyDocument]) => ({ PolicyName, PolicyDocument })),
    AttachedManagedPolicies: (opts.attached ?? []).map((PolicyArn) => ({ PolicyName: PolicyArn.split('/').pop(), PolicyArn })),
  };
}

export function managed(arn: string, document: unknown): Record<string, unknown> {
  return { PolicyName: arn.split('/').pop(), Arn: arn, DefaultVersionId: 'v2', PolicyVersionList: [{ Document: { Statement: [] }, VersionId: 'v1', IsDefaultVersion: false }, { Document: document, VersionId: 'v2', IsDefaultVersion: true }] };
}

/** KMS's default key policy: the account (root) may do everything, through IAM. */
export const DEFAULT_KEY_POLICY = doc({ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' });

/** A key to judge; `grants: 'unknown'` as when ListGrants could not be read. */
export function key(policy: unknown, grants: KeyGrant[] | 'unknown' = [], arn = KEY_ARN): KeyToJudge {
  const k: KeyToJudge = { arn, analysis: analyzePolicy(policy, { accountId: ACCOUNT, keyArn: arn }) };
  if (grants !== 'unknown') k.grants = grants;
  else k.grantsUnknownReason = 'ListGrants was denied';
  return k;
}

export const NO_ORG: OrganizationPolicies = { readable: true, inOrganization: false, isManagementAccount: false, scps: [], rcps: [] };
export const FULL_AWS_ACCESS = { id: 'p-FullAWSAccess', name: 'FullAWSAccess', document: JSON.stringify(doc(allow('*'))) };

export function memberOrg(scps: { id: string; document: unknown }[], opts: Partial<OrganizationPolicies> = {}): OrganizationPolicies {
  const policies = scps.map((p) => ({ id: p.id, document: typeof p.document === 'string' ? p.document : JSON.stringify(p.document) }));
  return {
    readable: true,
    inOrganization: true,
    isManagementAccount: false,
    scps: [
      { target: 'r-root', policies: [FULL_AWS_ACCESS] },
      { target: ACCOUNT, policies: [FULL_AWS_ACCESS, ...policies] },
    ],
    rcps: [],
    ...opts,
  };
}
