/**
 * Who a KMS grant names, and what it gives them, in the terms of the key policy's analysis.
 *
 * KMS facts this module relies on (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html):
 * - A grantee or retiring principal is an IAM principal ARN (account root, role, user, assumed-role session,
 *   federated user) or, for grants an AWS service made for itself, a service principal name; ListGrants then
 *   shows the service principal (https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantListEntry.html).
 * - A grant allows its operations whatever the key policy and IAM say; its constraints limit it to requests whose
 *   encryption context matches (the same test as the kms:EncryptionContext: condition keys).
 */
import { actionBit, FUTURE_BIT, NO_ACTIONS, union, type ActionSet } from './actions';
import type { GrantAccess } from './access-summary';
import type { KeyGrant } from './key-grants';
import { parseAwsPrincipal, parseServicePrincipal, type PrincipalClass } from './principals';

/** A grantee or retiring principal, as the grant checks judge it. */
export type GrantPrincipal =
  /** An AWS service principal name (`dynamodb.amazonaws.com`): no account. */
  | { kind: 'service'; principal: PrincipalClass }
  /**
   * An IAM principal. `awsService`: a service-linked role, or a session of a role whose name starts with
   * `aws:` (`assumed-role/aws:ec2-infrastructure/…`), a name IAM does not let customers give a role
   * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html: no `:` in a role name).
   */
  | { kind: 'iam'; principal: PrincipalClass; account: string | undefined; awsService: boolean }
  | { kind: 'unreadable'; reason: string };

/** Classifies the grantee or retiring principal as ListGrants wrote it. */
export function grantPrincipal(value: string | undefined): GrantPrincipal {
  if (value === undefined) return { kind: 'unreadable', reason: 'it is not given' };
  if (!value.startsWith('arn:') && !/^\d{12}$/.test(value)) {
    const service = parseServicePrincipal(value);
    return service.ok ? { kind: 'service', principal: service.principal } : { kind: 'unreadable', reason: `"${value}" is neither an IAM principal ARN nor a service principal name` };
  }
  const parsed = parseAwsPrincipal(value);
  if (!parsed.ok) return { kind: 'unreadable', reason: parsed.reason };
  const p = parsed.principal;
  switch (p.kind) {
    case 'account':
      return { kind: 'iam', principal: p, account: p.account, awsService: false };
    case 'principal':
      return { kind: 'iam', principal: p, account: p.account, awsService: p.subtype === 'service-linked-role' || /:assumed-role\/aws:/.test(p.name) };
    default:
      return { kind: 'unreadable', reason: `"${value}" names no single principal` };
  }
}

/** The grantee is an AWS service acting for itself: a service principal, a service-linked role, an `aws:` role's session. */
export function isAwsServiceGrantee(g: GrantPrincipal): boolean {
  return g.kind === 'service' || (g.kind === 'iam' && g.awsService);
}

/** The grant carries an encryption-context constraint: it applies only to requests with that context. */
export function isConstrained(grant: KeyGrant): boolean {
  const c = grant.constraints;
  const size = (m: Readonly<Record<string, string>> | undefined) => (m === undefined ? 0 : Object.keys(m).length);
  return c !== undefined && (size(c.encryptionContextSubset) > 0 || size(c.encryptionContextEquals) > 0);
}

/**
 * A grant an AWS service made for its own use of the key on one resource: an AWS-service grantee, limited to
 * that resource's encryption context (EBS volumes, RDS instances, DynamoDB tables…). Such grants are how
 * integrated services work (https://docs.aws.amazon.com/kms/latest/developerguide/service-integration.html).
 */
export function isAwsServiceGrant(grant: KeyGrant): boolean {
  return isAwsServiceGrantee(grantPrincipal(grant.granteePrincipal)) && isConstrained(grant);
}

/** The grant's operations as an action set; an operation this release does not know counts as an action added later. */
export function grantActions(grant: KeyGrant): ActionSet {
  let set = NO_ACTIONS;
  for (const op of grant.operations) {
    const bit = actionBit(op);
    set = union(set, bit === NO_ACTIONS ? FUTURE_BIT : bit);
  }
  return grant.operationsUnreadable === true ? union(set, FUTURE_BIT) : set;
}

/** `kms:Decrypt`-style names of the grant's operations, as written (sorted, each once). */
export function grantActionNames(grant: KeyGrant): string[] {
  return [...new Set(grant.operations.map((op) => `kms:${op}`))].sort();
}

/** The condition keys a grant's constraints stand for (`kms:EncryptionContext:aws:ebs:id`), sorted. */
export function grantConditionKeys(grant: KeyGrant): string[] {
  const keys = new Set<string>();
  for (const m of [grant.constraints?.encryptionContextSubset, grant.constraints?.encryptionContextEquals]) {
    for (const k of Object.keys(m ?? {})) keys.add(`kms:EncryptionContext:${k}`);
  }
  return [...keys].sort();
}

/** What each grant gives its grantee, for the access summary; a grant whose grantee cannot be read has no row (its finding says so). */
export function grantAccessEntries(grants: readonly KeyGrant[]): GrantAccess[] {
  const out: GrantAccess[] = [];
  for (const grant of grants) {
    const grantee = grantPrincipal(grant.granteePrincipal);
    if (grantee.kind === 'unreadable') continue;
    const actions = grantActions(grant);
    if (actions === NO_ACTIONS) continue;
    out.push({ grantId: grant.grantId, principal: grantee.principal, actions, level: isConstrained(grant) ? 'conditional' : 'unconditional' });
  }
  return out;
}

/** `grant 1234… ("name")`: how messages name a grant. */
export function grantLabel(grant: KeyGrant): string {
  return `grant ${grant.grantId}${grant.name === undefined ? '' : ` ("${grant.name}")`}`;
}
