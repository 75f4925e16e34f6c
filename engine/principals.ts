/**
 * Classifying the principals a key policy names.
 *
 * IAM facts this module relies on:
 * - `arn:PARTITION:iam::ACCOUNT:root` and the bare 12-digit account id both mean the account itself: the
 *   key policy then delegates to IAM, so every principal of that account whose IAM policy allows the
 *   action gets it. That is what makes "account-wide" grants dangerous.
 *   https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * - `"*"` and `{"AWS": "*"}` mean every principal of every account, and anonymous callers.
 * - A role or user deleted after the policy was written shows up as its unique id (AROA…/AIDA…).
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 */

import { memoize } from './memo';

type NamedSubtype =
  | 'root-user'
  | 'role'
  | 'service-linked-role'
  | 'user'
  | 'assumed-role'
  | 'federated-user'
  | 'unique-id'
  | 'userid'
  | 'federated'
  | 'canonical-user'
  | 'pattern'
  | 'tagged'
  | 'username';

/** A class of principals that can hold access. */
export type PrincipalClass =
  | { kind: 'anyone'; id: 'anyone'; label: string }
  | { kind: 'account'; id: string; label: string; account: string; partition?: string }
  | {
      kind: 'principal';
      id: string;
      label: string;
      subtype: NamedSubtype;
      /** ARN, ARN pattern, unique id, or description for tag/username groups. */
      name: string;
      account?: string;
      partition?: string;
    }
  | { kind: 'organization'; id: string; label: string; orgId: string }
  | { kind: 'service'; id: string; label: string; service: string };

export const ANYONE: PrincipalClass = { kind: 'anyone', id: 'anyone', label: 'anyone (any account, or anonymous)' };

export function accountClass(account: string, partition?: string): PrincipalClass {
  const cls: PrincipalClass = { kind: 'account', id: `account:${account}`, label: `every principal of account ${account}`, account };
  if (partition) cls.partition = partition;
  return cls;
}

const SUBTYPE_LABELS: Partial<Record<NamedSubtype, string>> = {
  role: 'role',
  'service-linked-role': 'service-linked role',
  user: 'user',
  'assumed-role': 'assumed-role session',
  'federated-user': 'federated user',
  'unique-id': 'deleted principal with unique id',
};

export function namedClass(
  subtype: NamedSubtype,
  name: string,
  account?: string,
  partition?: string,
  label?: string,
): PrincipalClass {
  const cls: PrincipalClass = {
    kind: 'principal',
    id: `principal:${name}`,
    label: label ?? `${SUBTYPE_LABELS[subtype] ?? 'principal'} ${name}`,
    subtype,
    name,
  };
  if (account) cls.account = account;
  if (partition) cls.partition = partition;
  return cls;
}

export function orgClass(orgId: string, name?: string): PrincipalClass {
  return { kind: 'organization', id: `organization:${orgId}`, label: `principals of ${name ?? `organisation ${orgId}`}`, orgId };
}

/**
 * "*" limited by aws:SourceAccount / aws:SourceArn / aws:SourceOrgID: those keys are set only when an AWS
 * service calls on behalf of a resource, so no IAM principal and no anonymous caller can match.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount
 */
export const ANY_SERVICE: PrincipalClass = { kind: 'service', id: 'service:*', label: 'any AWS service principal', service: '*' };

export function serviceClass(service: string): PrincipalClass {
  const s = service.toLowerCase();
  return { kind: 'service', id: `service:${s}`, label: `service ${s}`, service: s };
}

type PrincipalParse = { ok: true; principal: PrincipalClass } | { ok: false; reason: string };

const ACCOUNT_ID = /^\d{12}$/;
/** The AWS partitions an ARN may name (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). */
export const PARTITIONS = /^aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?$/;
const UNIQUE_ID = /^(AROA|AIDA|AGPA|ANPA|ANVA|AIPA|ASIA|AKIA)[A-Z0-9]{12,}$/;

/** Classify one value of `Principal.AWS`. The result is shared: treat it as read-only. */
export const parseAwsPrincipal: (value: string) => PrincipalParse = memoize(classifyAwsPrincipal, 10_000);

function classifyAwsPrincipal(value: string): PrincipalParse {
  if (value === '*') return { ok: true, principal: ANYONE };
  if (ACCOUNT_ID.test(value)) return { ok: true, principal: accountClass(value) };
  if (UNIQUE_ID.test(value)) return { ok: true, principal: namedClass('unique-id', value) };
  const m = /^arn:([^:]+):(iam|sts)::(\d{12}):(.+)$/.exec(value);
  if (!m) {
    return {
      ok: false,
      reason: `"${value}" is not an AWS principal: use an account id, an IAM ARN (arn:aws:iam::111122223333:role/Name) or "*"`,
    };
  }
  const [, partition = '', service, account = '', resource = ''] = m;
  if (!PARTITIONS.test(partition)) return { ok: false, reason: `"${value}" names an unknown partition "${partition}"` };
  if (resource.includes('*')) {
    return { ok: false, reason: `"${value}": a Principal cannot contain wildcards; use the aws:PrincipalArn condition key with ArnLike instead` };
  }
  if (service === 'iam') {
    if (resource === 'root') return { ok: true, principal: accountClass(account, partition) };
    if (resource.startsWith('role/aws-service-role/')) return { ok: true, principal: namedClass('service-linked-role', value, account, partition) };
    if (resource.startsWith('role/')) return { ok: true, principal: namedClass('role', value, account, partition) };
    if (resource.startsWith('user/')) return { ok: true, principal: namedClass('user', value, account, partition) };
    if (resource.startsWith('federated-user/')) return { ok: true, principal: namedClass('federated-user', value, account, partition) };
    return { ok: false, reason: `"${value}" is not a role, user or account root ARN` };
  }
  if (resource.startsWith('assumed-role/') && resource.split('/').length >= 3) {
    return { ok: true, principal: namedClass('assumed-role', value, account, partition) };
  }
  if (resource.startsWith('federated-user/')) return { ok: true, principal: namedClass('federated-user', value, account, partition) };
  return { ok: false, reason: `"${value}" is not an assumed-role or federated-user session ARN` };
}

/** Classify one value of `Principal.Service`. The result is shared: treat it as read-only. */
export const parseServicePrincipal: (value: string) => PrincipalParse = memoize(classifyServicePrincipal, 10_000);

function classifyServicePrincipal(value: string): PrincipalParse {
  if (value === '*') return { ok: false, reason: 'a Service principal cannot be "*"; name the service, e.g. "logs.amazonaws.com"' };
  if (!/^[a-z0-9.-]+\.(amazonaws\.com(\.cn)?|amazon\.com|aws\.internal|c2s\.ic\.gov|sc2s\.sgov\.gov)$/i.test(value)) {
    return { ok: false, reason: `"${value}" is not a service principal name such as "cloudtrail.amazonaws.com"` };
  }
  return { ok: true, principal: serviceClass(value) };
}

/** Account id an ARN-like principal string belongs to, when it has one. */
export function accountOfArn(arn: string): string | undefined {
  const m = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(arn);
  return m?.[1];
}

/** The partition of an ARN (`aws`, `aws-cn` …), or undefined when the text is not an ARN. */
export function partitionOfArn(arn: string): string | undefined {
  return /^arn:([^:]*):/.exec(arn)?.[1];
}

/**
 * The partition of a Region (`cn-north-1` → `aws-cn`), for what carries no ARN to read it from (a policy file, a
 * template key, a hook request). Region names are what set the partitions apart; `aws` for any other name.
 */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

/** The account a principal string belongs to: a bare account id, or the account of an ARN. */
export function accountOfPrincipal(principal: string): string | undefined {
  return ACCOUNT_ID.test(principal) ? principal : accountOfArn(principal);
}

/**
 * The account a principal string names as a whole, a bare account id or an ARN ending in `:root`; undefined
 * for a narrower principal (a role or user of the account).
 */
export function wholeAccountOf(principal: string): string | undefined {
  return ACCOUNT_ID.test(principal) || principal.endsWith(':root') ? accountOfPrincipal(principal) : undefined;
}

