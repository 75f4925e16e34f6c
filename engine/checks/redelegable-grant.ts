import { grantConditionKeys, grantLabel, grantPrincipal, isAwsServiceGrantee, isConstrained } from '../grant-access';
import { grantPath } from '../key-grants';
import type { Check, CheckMeta, FindingDraft } from './toolkit';

export const meta = {
  id: 'REDELEGABLE_GRANT',
  title: 'A grant lets a principal that is not an AWS service create further grants',
  severity: 'medium',
  rationale:
    'A grant that allows CreateGrant lets its grantee hand the key on: it can create grants of its own for any principal, with any of the operations it holds, outside the key policy, where reviews of the key policy do not see them. AWS services hold such grants to do their work (EBS for the instances a volume is attached to); a role or user rarely needs to.',
  remediation:
    'Revoke the grant (RevokeGrant with the grant id the finding names) and create it again with only the operations the grantee needs, without CreateGrant. Where a principal must create grants for AWS services, allow kms:CreateGrant in the key policy under kms:GrantIsForAWSResource instead.',
  fix: 'Revoke the grant and create it again without the CreateGrant operation.',
  references: [
    'https://docs.aws.amazon.com/kms/latest/developerguide/grants.html',
    'https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html',
    'https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html',
  ],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
  },
} as const satisfies CheckMeta;

export const redelegableGrant = {
  meta,
  run(ctx) {
    const drafts: FindingDraft[] = [];
    for (const grant of ctx.options.grants ?? []) {
      const grantee = grantPrincipal(grant.granteePrincipal);
      if (isAwsServiceGrantee(grantee)) continue;
      const who = grant.granteePrincipal ?? '(unknown grantee)';
      const base = { statementIndexes: [], sids: [], principals: grant.granteePrincipal === undefined ? [] : [grant.granteePrincipal], actions: ['kms:CreateGrant'], access: 'unconditional' as const };
      if (grant.operationsUnreadable === true) {
        // Fail closed: operations that cannot be read may include CreateGrant.
        drafts.push({
          ...base,
          message: `The operations of ${grantLabel(grant)} cannot be read, so whether ${who} may create grants through it (kms:CreateGrant) is not known.`,
          path: grantPath(grant, 'Operations'),
          notJudged: true,
        });
        continue;
      }
      if (!grant.operations.includes('CreateGrant')) continue;
      const others = grant.operations.filter((op) => op !== 'CreateGrant').map((op) => `kms:${op}`);
      const conditionKeys = grantConditionKeys(grant);
      drafts.push({
        ...base,
        // Grants it creates must carry the same constraints at least, so the constraint limits the redelegation too.
        ...(isConstrained(grant) ? { access: 'conditional' as const, conditionKeys } : {}),
        message: `${grantLabel(grant).replace(/^g/, 'G')} allows CreateGrant to ${who}, which is not an AWS service: e.g. kms:CreateGrant by ${who} may give another principal ${others.length > 0 ? others.join(', ') : 'the operations it holds'} on this key, outside the key policy.`,
        path: grantPath(grant),
      });
    }
    return drafts;
  },
} satisfies Check;
