import { CLASS_MASKS, union } from '../actions';
import { accountWideAccess } from './account-wide';
import { draftFromGrants, unionActions, type Check, type CheckMeta } from './toolkit';

export const meta = {
  id: 'ACCOUNT_WIDE_FULL_ACCESS',
  title: 'Every principal of the account may administer and use the key',
  severity: 'high',
  rationale:
    'The key policy grants the account principal both administration (such as kms:PutKeyPolicy) and cryptographic use, so any IAM identity of the account whose IAM policy allows it can decrypt the data and rewrite the key policy. The key adds no second lock on the data.',
  remediation:
    'Replace the account principal with the roles that administer the key (administration actions only) and, in a separate statement, the roles that use it (cryptographic actions only). Keep kms:PutKeyPolicy with a named administrator role so the key cannot become unmanageable.',
  fix: 'Replace the account principal with named administrator roles and, in a separate statement, named user roles.',
  references: [
    'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html',
    'https://docs.aws.amazon.com/kms/latest/developerguide/least-privilege.html',
  ],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
    note: 'KMS.1 and KMS.2 flag IAM policies that allow kms:Decrypt on all keys, which such a key policy lets take effect; they read IAM policies, not key policies.',
  },
} as const satisfies CheckMeta;

export const accountWideFullAccess = {
  meta,
  run(ctx) {
    return accountWideAccess(ctx)
      .filter((a) => a.administration.length > 0 && a.use.length > 0)
      .map(({ entry, administration, use }) => {
        const grants = [...new Set([...administration, ...use])].sort((a, b) => a.statementIndex - b.statementIndex);
        const actions = unionActions(grants, union(CLASS_MASKS.administration, CLASS_MASKS.cryptographic));
        return draftFromGrants(entry.principal, grants, actions, 'may both administer and use this key through IAM policies alone');
      });
  },
} satisfies Check;
