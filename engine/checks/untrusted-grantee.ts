import { grantActionNames, grantConditionKeys, grantLabel, grantPrincipal, isConstrained, type GrantPrincipal } from '../grant-access';
import { grantPath, type KeyGrant } from '../key-grants';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './toolkit';

export const meta = {
  id: 'UNTRUSTED_GRANTEE',
  title: 'A grant names a grantee of an untrusted account',
  severity: 'high',
  rationale:
    "A KMS grant lets its grantee use the key whatever the key policy says, and it never appears in the key policy. A grantee of another account that is not trusted can perform the grant's operations (Decrypt, GenerateDataKey…) on the key. A retiring principal of such an account is reported apart, at a lower severity (UNTRUSTED_GRANT_RETIREE): it can only delete the grant.",
  remediation:
    'Revoke the grant (RevokeGrant with the key and the grant id the finding names) if the access is not intended. If it is, list the account as trusted (TrustedAccountIds / --trusted-accounts): a trusted organisation (TrustedOrgIds) does not cover a grantee, since a grant names an account and its organisation cannot be told from the grant alone.',
  fix: "Revoke the grant if the access is not intended; if it is, list the grantee's account as trusted.",
  references: [
    'https://docs.aws.amazon.com/kms/latest/developerguide/grants.html',
    'https://docs.aws.amazon.com/kms/latest/developerguide/grant-manage.html',
    'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html',
  ],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
  },
} as const satisfies CheckMeta;

export type Role = 'grantee' | 'retiring principal';

/** Why the principal is not trusted, or undefined when it is (or is no account). */
export function untrustedBecause(ctx: CheckContext, own: string, p: GrantPrincipal): string | undefined {
  if (p.kind !== 'iam') return undefined;
  if (p.account === undefined) return 'whose account the grant does not say, so it is judged as possibly foreign';
  if (p.account === own || (ctx.options.trustedAccountIds ?? []).includes(p.account)) return undefined;
  const orgs = ctx.options.trustedOrgIds ?? [];
  // A grant names an account, never an organisation: whether account X belongs to a trusted organisation
  // cannot be known from the grant (it needs Organizations, read from the management account), so it is not
  // taken as trusted on a guess.
  const orgNote =
    orgs.length > 0
      ? ` Membership of the trusted organisation${orgs.length === 1 ? '' : 's'} ${orgs.join(', ')} cannot be confirmed from a grant: list ${p.account} in TrustedAccountIds (--trusted-accounts) to trust it.`
      : ` List ${p.account} in TrustedAccountIds (--trusted-accounts) if it is trusted.`;
  return `of account ${p.account}, which is not trusted.${orgNote}`;
}

function constraintNote(grant: KeyGrant): string {
  return isConstrained(grant) ? ` (only with the encryption context ${grantConditionKeys(grant).join(', ')} the grant requires)` : '';
}

export function grantDraft(grant: KeyGrant, role: Role, who: string, why: string, extra: Partial<FindingDraft> = {}): FindingDraft {
  const ops = grantActionNames(grant);
  const first = ops[0] ?? 'its operations';
  const does =
    role === 'grantee'
      ? `may call ${ops.length > 0 ? ops.join(', ') : 'the operations of the grant'} on this key through it${constraintNote(grant)}: e.g. ${first} by ${who} is allowed by ${grantLabel(grant)}`
      : `may retire it (kms:RetireGrant by ${who} with grant id ${grant.grantId})`;
  const conditionKeys = grantConditionKeys(grant);
  const d: FindingDraft = {
    message: `${capitalise(grantLabel(grant))} names ${who} as ${role}, ${why} It ${does}.`,
    statementIndexes: [],
    sids: [],
    path: grantPath(grant, role === 'grantee' ? undefined : 'RetiringPrincipal'),
    principals: [who],
    actions: role === 'grantee' ? ops : ['kms:RetireGrant'],
    access: role === 'grantee' && isConstrained(grant) ? 'conditional' : 'unconditional',
    ...extra,
  };
  if (role === 'grantee' && conditionKeys.length > 0) d.conditionKeys = conditionKeys;
  return d;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function granteeDrafts(ctx: CheckContext, own: string, grant: KeyGrant): FindingDraft[] {
  const grantee = grantPrincipal(grant.granteePrincipal);
  if (grantee.kind === 'unreadable') {
    // Fail closed: who holds the grant is unknown, so the key's access is not judged.
    return [
      grantDraft(grant, 'grantee', grant.granteePrincipal ?? '(unknown)', `which cannot be read (${grantee.reason}), so who may use the key through this grant is not known.`, {
        notJudged: true,
        principals: grant.granteePrincipal === undefined ? [] : [grant.granteePrincipal],
      }),
    ];
  }
  const why = untrustedBecause(ctx, own, grantee);
  return why === undefined ? [] : [grantDraft(grant, 'grantee', grant.granteePrincipal as string, why)];
}

export const untrustedGrantee = {
  meta,
  run(ctx) {
    const own = ctx.ownAccount;
    // Without the key's account, own and foreign accounts cannot be told apart: as for the key policy, no
    // cross-account finding (the ACCOUNT_UNKNOWN warning says so). A grantee that cannot be read is still reported.
    const drafts: FindingDraft[] = [];
    for (const grant of ctx.options.grants ?? []) {
      if (own === undefined) {
        if (grantPrincipal(grant.granteePrincipal).kind === 'unreadable') drafts.push(...granteeDrafts(ctx, '', grant));
        continue;
      }
      drafts.push(...granteeDrafts(ctx, own, grant));
    }
    return drafts;
  },
} satisfies Check;
