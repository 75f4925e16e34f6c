import { CLASS_MASKS } from '../actions';
import { accountWideAccess } from './account-wide';
import { draftFromGrants, unionActions, type Check, type CheckMeta } from './toolkit';

export const meta = {
  id: 'ACCOUNT_WIDE_USAGE',
  title: 'Every principal of the account may use the key',
  severity: 'medium',
  rationale:
    'Administration is limited, but cryptographic use (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, …) is granted to the account principal, so any IAM identity of the account whose IAM policy allows kms:Decrypt can read the data. The key policy does not say who may decrypt.',
  remediation:
    'Grant the cryptographic actions to the named roles that need them (or narrow the account principal with an aws:PrincipalArn condition) instead of the account principal.',
  fix: 'Grant the cryptographic actions to the named roles that need them, not the account principal.',
  references: [
    'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-users',
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

export const accountWideUsage = {
  meta,
  run(ctx) {
    return accountWideAccess(ctx)
      .filter((a) => a.use.length > 0 && a.administration.length === 0 && !a.trustedForeign)
      .map(({ entry, use }) =>
        draftFromGrants(entry.principal, use, unionActions(use, CLASS_MASKS.cryptographic), 'may use this key for cryptographic operations through IAM policies alone'),
      );
  },
} satisfies Check;
