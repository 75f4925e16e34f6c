import { CLASS_MASKS, union } from '../actions';
import { grantsCovering } from '../access-summary';
import { draftFromGrants, unionActions, type Check, type CheckMeta, type FindingDraft } from './toolkit';

export const meta = {
  id: 'UNSCOPED_SERVICE_PRINCIPAL',
  title: 'A service principal may use, manage grants of, or administer the key for any caller',
  severity: 'medium',
  rationale:
    'An AWS service principal may use the key, create, revoke or retire its grants, or administer it without aws:SourceAccount, aws:SourceArn, aws:SourceOrgID or an encryption-context condition bound to your resources. The service acts for every customer, so another account can make it use your key on their behalf (the confused deputy).',
  remediation:
    'Add aws:SourceAccount (and ideally aws:SourceArn) conditions naming your account and resources, or bind kms:EncryptionContext:<service key> to your resource ARNs.',
  fix: 'Add aws:SourceAccount and aws:SourceArn conditions naming your account and resources.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html',
    'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-aws.html',
  ],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
  },
} as const satisfies CheckMeta;

// Using the key, managing its grants (creating them hands out use; revoking or retiring them takes use away from
// others: availability), or administering it: none of it should be open to every caller of a service.
const USE_OR_ADMINISTRATION = union(union(CLASS_MASKS.cryptographic, CLASS_MASKS.grant), CLASS_MASKS.administration);

export const unscopedServicePrincipal = {
  meta,
  run(ctx) {
    const drafts: FindingDraft[] = [];
    for (const e of ctx.summary.entries) {
      if (e.principal.kind !== 'service') continue;
      const loose = grantsCovering(e, USE_OR_ADMINISTRATION).filter((g) => !g.serviceScoped);
      if (loose.length === 0) continue;
      drafts.push(draftFromGrants(e.principal, loose, unionActions(loose, USE_OR_ADMINISTRATION), 'may use, manage grants of, or administer this key on behalf of any account'));
    }
    return drafts;
  },
} satisfies Check;
