import { CLASS_MASKS, PUT_KEY_POLICY, hasAny } from '../actions';
import { accountWideAccess } from './account-wide';
import { draftFromGrants, unionActions, type Check, type CheckMeta } from './toolkit';

export const meta = {
  id: 'ACCOUNT_WIDE_ADMINISTRATION',
  title: 'Every principal of the account may administer the key',
  severity: 'medium',
  rationale:
    'Administration actions are granted to the account principal. Any IAM identity of the account allowed by its IAM policy can disable or schedule deletion of the key, and with kms:PutKeyPolicy can grant itself use of the key.',
  remediation: 'Grant the administration actions to named key-administrator roles instead of the account principal.',
  fix: 'Grant the administration actions to named key-administrator roles, not the account principal.',
  references: ['https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators'],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
  },
} as const satisfies CheckMeta;

export const accountWideAdministration = {
  meta,
  run(ctx) {
    return accountWideAccess(ctx)
      .filter((a) => a.administration.length > 0 && a.use.length === 0)
      .map(({ entry, administration }) => {
        const actions = unionActions(administration, CLASS_MASKS.administration);
        const what = hasAny(actions, PUT_KEY_POLICY)
          ? 'may administer this key through IAM policies alone, including kms:PutKeyPolicy, which lets them grant themselves any use of it'
          : 'may administer this key through IAM policies alone';
        return draftFromGrants(entry.principal, administration, actions, what);
      });
  },
} satisfies Check;
