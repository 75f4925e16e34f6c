import { grantPrincipal, isAwsServiceGrant } from '../grant-access';
import type { KeyGrant } from '../key-grants';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './toolkit';
import { grantDraft, untrustedBecause } from './untrusted-grantee';

export const meta = {
  id: 'UNTRUSTED_GRANT_RETIREE',
  title: 'A grant names a retiring principal of an untrusted account',
  severity: 'low',
  rationale:
    "The retiring principal of a grant may retire it (RetireGrant), which deletes the grant: a principal of another account that is not trusted can take away the access the grant gives, a denial of service for whoever depends on it, but gains no use of the key. Grants that AWS services make for their own use of a resource (a service principal or service-linked role as grantee, limited by the resource's encryption context) are not flagged: their services retire them from accounts of their own.",
  remediation:
    'Revoke the grant (RevokeGrant with the grant id the finding names) and create it again with a retiring principal of the key\'s account, or none. If the account is trusted, list it in TrustedAccountIds (--trusted-accounts).',
  fix: "Revoke the grant and create it again with a retiring principal of the key's account, or none.",
  references: [
    'https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html',
    'https://docs.aws.amazon.com/kms/latest/developerguide/grant-manage.html#grant-delete',
  ],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
  },
} as const satisfies CheckMeta;

function retiringDrafts(ctx: CheckContext, own: string | undefined, grant: KeyGrant): FindingDraft[] {
  // AWS services retire the grants they made for a resource from accounts of their own (the EBS example of
  // https://docs.aws.amazon.com/kms/latest/developerguide/determining-access-grants.html names another account):
  // normal, and retiring only takes access away.
  if (isAwsServiceGrant(grant)) return [];
  if (grant.retiringPrincipalUnreadable === true) {
    // Fail closed, as for a grantee: a RetiringPrincipal is there but is no principal, so who may retire the
    // grant is unknown.
    return [grantDraft(grant, 'retiring principal', '(unreadable)', 'which cannot be read (it is not a non-empty string), so who may retire the grant is not known.', { notJudged: true, principals: [] })];
  }
  if (grant.retiringPrincipal === undefined || own === undefined) return [];
  const retiring = grantPrincipal(grant.retiringPrincipal);
  if (retiring.kind === 'unreadable') return [grantDraft(grant, 'retiring principal', grant.retiringPrincipal, `which cannot be read (${retiring.reason}), so it is judged as possibly foreign.`)];
  const why = untrustedBecause(ctx, own, retiring);
  return why === undefined ? [] : [grantDraft(grant, 'retiring principal', grant.retiringPrincipal, why)];
}

export const untrustedGrantRetiree = {
  meta,
  run(ctx) {
    // Without the key's account, own and foreign accounts cannot be told apart; a retiring principal that cannot
    // be read is still reported.
    return (ctx.options.grants ?? []).flatMap((grant) => retiringDrafts(ctx, ctx.ownAccount, grant));
  },
} satisfies Check;
