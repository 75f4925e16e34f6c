/**
 * Shared query for the three account-wide checks: what every principal of the key's own account may do.
 *
 * An account principal (arn:aws:iam::ACCOUNT:root or the bare account id) in a key policy delegates to
 * IAM: any identity of that account whose IAM policy allows the action may perform it.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
import { CLASS_MASKS, hasAny } from '../actions';
import type { AccessEntry, AccessSummary, Grant } from '../access-summary';
import { RESOURCE_ORG } from '../conditions';
import type { KeyContext } from '../types';

export interface AccountWideAccess {
  entry: AccessEntry;
  administration: readonly Grant[];
  use: readonly Grant[];
  /**
   * Every principal of another account the options trust. Using the key from a trusted account is the
   * documented way to share it, so only administration counts against such an account: with
   * kms:PutKeyPolicy every identity of that account could take the key over.
   */
  trustedForeign: boolean;
}

/** What the answer depends on, and where it is kept once given: the part of a check's context it reads. */
interface AccountWideQuery {
  summary: AccessSummary;
  options: KeyContext;
  ownAccount: string | undefined;
  shared?: { accountWide?: AccountWideAccess[] };
}

// Three checks and the grant check ask the same question of the same summary: answer it once, on the
// context itself (cheaper than a WeakMap keyed by it, which also weighs on the garbage collector).
export function accountWideAccess(ctx: AccountWideQuery): AccountWideAccess[] {
  const shared = (ctx.shared ??= {});
  return (shared.accountWide ??= computeAccountWideAccess(ctx));
}

/**
 * True when `entry` reaches every principal of the key's own account: the own account itself (any
 * account when the own account is unknown), or a trusted organisation, which the own account belongs to
 * in any sensible setup. An untrusted organisation is reported as cross-account instead.
 */
function isAccountWideEntry(entry: AccessEntry, ctx: AccountWideQuery): boolean {
  const p = entry.principal;
  if (p.kind === 'account') return ctx.ownAccount === undefined || p.account === ctx.ownAccount;
  if (p.kind === 'organization') return p.orgId === RESOURCE_ORG || (ctx.options.trustedOrgIds ?? []).includes(p.orgId);
  return false;
}

function computeAccountWideAccess(ctx: AccountWideQuery): AccountWideAccess[] {
  const trusted = ctx.options.trustedAccountIds ?? [];
  const own: AccessEntry[] = [];
  const orgs: AccessEntry[] = [];
  const out: AccountWideAccess[] = [];
  for (const entry of ctx.summary.entries) {
    const p = entry.principal;
    const trustedForeign = p.kind === 'account' && ctx.ownAccount !== undefined && p.account !== ctx.ownAccount && trusted.includes(p.account);
    if (trustedForeign) out.push(access(entry, entry.grants, true));
    else if (isAccountWideEntry(entry, ctx)) (p.kind === 'organization' ? orgs : own).push(entry);
  }
  if (own.length === 0) {
    for (const entry of orgs) out.push(access(entry, entry.grants, false));
    return out;
  }
  // Every principal of the account is also a principal of a trusted organisation: what the organisation
  // may do adds to what the account may do (use through one, administration through the other is full access).
  const orgGrants = orgs.flatMap((e) => e.grants);
  for (const entry of own) out.push(access(entry, [...entry.grants, ...orgGrants].sort((a, b) => a.statementIndex - b.statementIndex), false));
  return out;
}

function access(entry: AccessEntry, grants: readonly Grant[], trustedForeign: boolean): AccountWideAccess {
  return {
    entry,
    administration: grants.filter((g) => hasAny(g.actions, CLASS_MASKS.administration)),
    use: grants.filter((g) => hasAny(g.actions, CLASS_MASKS.cryptographic)),
    trustedForeign,
  };
}

/** Whether a principal class already has full control (and so a separate grant finding adds nothing). */
export function hasFullAccountWideAccess(ctx: AccountWideQuery, entry: AccessEntry): boolean {
  return accountWideAccess(ctx).some((a) => a.entry === entry && a.administration.length > 0 && a.use.length > 0);
}
