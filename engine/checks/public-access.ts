import { ALL_ACTIONS } from '../actions';
import { draftFromGrants, unionActions, type Check, type CheckMeta } from './toolkit';

export const meta = {
  id: 'PUBLIC_ACCESS',
  title: 'Anyone may act on the key',
  severity: 'critical',
  rationale:
    'A statement allows "*" (any principal of any AWS account, or an anonymous caller) or uses NotPrincipal in an Allow, without a condition that narrows who may call. Conditions on the network path or the encryption context do not restrict who.',
  remediation:
    'Name the principals, or add a condition that narrows the caller: aws:PrincipalArn, aws:PrincipalAccount / kms:CallerAccount, or aws:PrincipalOrgID.',
  fix: 'Name the principals, or narrow the caller with aws:PrincipalArn, aws:PrincipalAccount or aws:PrincipalOrgID.',
  references: [
    'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous',
  ],
  compliance: {
    // FSBP KMS.5 "KMS keys should not be publicly accessible" (Config rule kms-key-policy-no-public-access):
    // Security Hub CSPM controls for AWS KMS, which lists no CIS requirement for it.
    cisV5: 'none',
    cisV1: 'none',
    fsbp: ['KMS.5'],
    note: 'KMS.5 fails the same keys, and also any key whose policy conditions use a wildcard or a policy variable, or whose policy Config cannot record.',
  },
} as const satisfies CheckMeta;

export const publicAccess = {
  meta,
  run(ctx) {
    return ctx.summary.entries
      .filter((e) => e.principal.kind === 'anyone')
      .map((e) => {
        const via = e.grants.some((g) => g.viaNotPrincipal) ? ' (through NotPrincipal: everyone except the listed principals)' : '';
        return draftFromGrants(e.principal, e.grants, unionActions(e.grants, ALL_ACTIONS), `may act on this key${via}`);
      });
  },
} satisfies Check;
