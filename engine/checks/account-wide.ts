/**
 * Shared query for the three account-wide checks: what every principal of the key's own account may do.
 *
 * An account principal (arn:aws:iam::ACCOUNT:root or the bare account id) in a key policy delegates to
 * IAM: any identity of that account whose IAM policy allows the action may perform it.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
import { CLASS_MASKS, hasAny } from '../actions';
import type { AccessEntry, Grant } from '../access-summary';
import { isAccountWideEntry, type CheckContext } from './toolkit';

export interface AccountWideAccess {
  entry: AccessEntry;
  admin: readonly Grant[];
  use: readonly Grant[];
  /**
   * Every principal of another account the options trust. Using the key from a trusted account is the
   * documented way to share it, so only administration counts against such an account: with
   * kms:PutKeyPolicy every identity of that account could take the key over.
   */
  trustedForeign: boolean;
}

// Three checks and the grant check ask the same question of the same summary: answer it once, on the
// context itself (cheaper than a WeakMap keyed by it, which also weighs on the garbage collector).
export function accountWideAccess(ctx: CheckContext): AccountWideAccess[] {
  const shared = (ctx.shared ??= {});
  return (shared.accountWide ??= computeAccountWideAccess(ctx));
}

function computeAccountWideAccess(ctx: CheckContext): AccountWideAccess[] {
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
    admin: grants.filter((g) => hasAny(g.actions, CLASS_MASKS.administration)),
    use: grants.filter((g) => hasAny(g.actions, CLASS_MASKS.cryptographic)),
    trustedForeign,
  };
}

/** Whether a principal class already has full control (and so a separate grant finding adds nothing). */
export function hasFullAccountWideAccess(ctx: CheckContext, entry: AccessEntry): boolean {
  return accountWideAccess(ctx).some((a) => a.entry === entry && a.admin.length > 0 && a.use.length > 0);
}
