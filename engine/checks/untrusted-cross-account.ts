import { ALL_ACTIONS } from '../actions';
import type { AccessEntry } from '../access-summary';
import { RESOURCE_ORG } from '../conditions';
import { draftFromGrants, unionActions, type Check, type CheckContext, type CheckMeta } from './toolkit';

export const meta = {
  id: 'UNTRUSTED_CROSS_ACCOUNT',
  title: 'Principals of an untrusted account or organisation may act on the key',
  severity: 'high',
  rationale:
    'The key policy lets principals of another AWS account, or of an organisation, act on the key, and that account or organisation is not on the trusted list. Through the account principal, every identity of that account allowed by its own IAM policies gets the access.',
  remediation:
    'Remove the foreign principal, or, if the access is intended, list the account (TrustedAccountIds / --trusted-accounts) or organisation (TrustedOrgIds / --trusted-org-ids) as trusted and name the specific foreign role.',
  fix: 'Remove the foreign principal, or list its account or organisation as trusted if the access is intended.',
  references: ['https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html'],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
    note: 'KMS.5 covers public access only; no control covers a key shared with named accounts outside the trusted ones.',
  },
} as const satisfies CheckMeta;

function untrusted(ctx: CheckContext, e: AccessEntry): boolean {
  const own = ctx.ownAccount;
  // Without the key's account, own and foreign accounts cannot be told apart (see the account-wide checks).
  if (own === undefined) return false;
  const trustedAccounts = new Set([own, ...(ctx.options.trustedAccountIds ?? [])]);
  const p = e.principal;
  // Members of a trusted organisation are trusted, wherever their account.
  const trustedOrgs = [RESOURCE_ORG, ...(ctx.options.trustedOrgIds ?? [])];
  const inTrustedOrg = (orgs: readonly string[] | undefined) => orgs !== undefined && orgs.length > 0 && orgs.every((o) => trustedOrgs.includes(o));
  if ((p.kind === 'account' || p.kind === 'principal') && e.grants.every((g) => inTrustedOrg(g.memberOf))) return false;
  switch (p.kind) {
    case 'account':
      return !trustedAccounts.has(p.account);
    case 'principal':
      if (p.account !== undefined) return !trustedAccounts.has(p.account);
      // A role or user deleted since (its unique id in Principal) can no longer act. Any other principal
      // whose account the policy does not say (an aws:userid pattern, a federated identity, principals of
      // any account carrying a tag) may be foreign.
      return p.subtype !== 'unique-id';
    case 'organization':
      return !trustedOrgs.includes(p.orgId);
    case 'service':
      // A service scoped to act for another account's (or organisation's) resources works for it.
      return e.grants.some(
        (g) => g.sourceAccounts.some((a) => !trustedAccounts.has(a)) || g.sourceOrganizations.some((o) => !(ctx.options.trustedOrgIds ?? []).includes(o)),
      );
    case 'anyone':
      return false;
  }
}

function whyUntrusted(ctx: CheckContext, e: AccessEntry): string {
  const p = e.principal;
  if (p.kind === 'service') {
    const trusted = new Set([ctx.ownAccount, ...(ctx.options.trustedAccountIds ?? [])]);
    const foreign = [
      ...[...new Set(e.grants.flatMap((g) => g.sourceAccounts))].filter((a) => !trusted.has(a)).map((a) => `account ${a}`),
      ...[...new Set(e.grants.flatMap((g) => g.sourceOrganizations))].filter((o) => !(ctx.options.trustedOrgIds ?? []).includes(o)).map((o) => `organisation ${o}`),
    ];
    return `may act on this key on behalf of resources of ${foreign.join(', ')}, which ${foreign.length === 1 ? 'is' : 'are'} not trusted`;
  }
  if (p.kind === 'principal' && p.account === undefined) {
    return 'may act on this key, and the policy does not say which account it belongs to, so it is judged as possibly foreign';
  }
  return 'may act on this key from outside the trusted accounts';
}

export const untrustedCrossAccount = {
  meta,
  run(ctx) {
    return ctx.summary.entries
      .filter((e) => untrusted(ctx, e))
      .map((e) => draftFromGrants(e.principal, e.grants, unionActions(e.grants, ALL_ACTIONS), whyUntrusted(ctx, e)));
  },
} satisfies Check;
