import { ALL_ACTIONS } from '../engine/actions';
import type { AccessEntry } from '../engine/access-summary';
import { draftFromGrants, unionActions, type Check, type CheckContext, type CheckMeta } from './check';

export const meta = {
  id: 'UNTRUSTED_CROSS_ACCOUNT',
  title: 'Principals of an untrusted account or organisation may act on the key',
  severity: 'high',
  rationale:
    'The key policy lets principals of another AWS account, or of an organisation, act on the key, and that account or organisation is not on the trusted list. Through the account principal, every identity of that account allowed by its own IAM policies gets the access.',
  remediation:
    'Remove the foreign principal, or, if the access is intended, list the account (TrustedAccountIds / --trusted-accounts) or organisation (TrustedOrgIds / --trusted-org-ids) as trusted and name the specific foreign role.',
  references: ['https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html'],
} as const satisfies CheckMeta;

function untrusted(ctx: CheckContext, e: AccessEntry): boolean {
  const own = ctx.ownAccount;
  // Without the key's account, own and foreign accounts cannot be told apart (see the account-wide checks).
  if (own === undefined) return false;
  const trustedAccounts = new Set([own, ...(ctx.options.trustedAccountIds ?? [])]);
  const p = e.principal;
  switch (p.kind) {
    case 'account':
      return !trustedAccounts.has(p.account);
    case 'principal':
      return p.account !== undefined && !trustedAccounts.has(p.account);
    case 'organization':
      return !(ctx.options.trustedOrgIds ?? []).includes(p.orgId);
    case 'anyone':
    case 'service':
      return false;
  }
}

export const untrustedCrossAccount: Check = {
  meta,
  run(ctx) {
    return ctx.summary.entries
      .filter((e) => untrusted(ctx, e))
      .map((e) => draftFromGrants(e.principal, e.grants, unionActions(e.grants, ALL_ACTIONS), 'may act on this key from outside the trusted accounts'));
  },
};
