import { CREATE_GRANT } from '../actions';
import { grantsCovering } from '../access-summary';
import { hasFullAccountWideAccess } from './account-wide';
import { draftFromGrants, type Check, type CheckMeta, type FindingDraft } from './toolkit';

export const meta = {
  id: 'UNCONSTRAINED_GRANT_CREATION',
  title: 'A principal may create grants without kms:GrantIsForAWSResource',
  severity: 'medium',
  rationale:
    'kms:CreateGrant lets the caller hand any of its key permissions to another principal, outside the key policy, where policy reviews do not see it. Without kms:GrantIsForAWSResource (grants only through integrated AWS services) or a kms:GrantOperations limit that leaves out CreateGrant, the grantee can delegate freely.',
  remediation:
    'Add "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}} to the statement that allows kms:CreateGrant, or limit kms:GrantOperations with ForAllValues:StringEquals to the operations grantees need, without CreateGrant.',
  fix: 'Add the condition kms:GrantIsForAWSResource = true to the statement that allows kms:CreateGrant.',
  references: [
    'https://docs.aws.amazon.com/kms/latest/developerguide/grants.html',
    'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource',
  ],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
    note: 'AWS Control Tower\'s proactive control CT.KMS.PR.3 (grant creation limited to AWS services) is the nearest; it is neither CIS nor FSBP.',
  },
} as const satisfies CheckMeta;

export const unconstrainedGrantCreation = {
  meta,
  run(ctx) {
    const drafts: FindingDraft[] = [];
    for (const e of ctx.summary.entries) {
      // Service principals are judged by UNSCOPED_SERVICE_PRINCIPAL; anyone by PUBLIC_ACCESS; an account
      // that may administer and use the key already has more than any grant could give it.
      if (e.principal.kind === 'service' || e.principal.kind === 'anyone' || hasFullAccountWideAccess(ctx, e)) continue;
      const loose = grantsCovering(e, CREATE_GRANT).filter((g) => !g.grantConstrained);
      if (loose.length === 0) continue;
      drafts.push(draftFromGrants(e.principal, loose, CREATE_GRANT, 'may create grants on this key for any grantee and operation'));
    }
    return drafts;
  },
} satisfies Check;
