import { CLASS_MASKS, union } from '../engine/actions';
import { grantsCovering } from '../engine/access-summary';
import { draftFromGrants, unionActions, type Check, type CheckMeta, type FindingDraft } from './check';

export const meta = {
  id: 'NO_SEPARATION_OF_DUTIES',
  title: 'One principal may both administer and use the key',
  severity: 'medium',
  rationale:
    'A single role or user holds both administration and cryptographic use of the key. Whoever controls it can change who may decrypt and decrypt the data, with no second person involved.',
  remediation: 'Split key administration and key use between different roles, each granted only its class of actions.',
  references: ['https://docs.aws.amazon.com/kms/latest/developerguide/least-privilege.html'],
} as const satisfies CheckMeta;

export const noSeparationOfDuties: Check = {
  meta,
  run(ctx) {
    const drafts: FindingDraft[] = [];
    for (const e of ctx.summary.entries) {
      if (e.principal.kind !== 'principal') continue;
      if (grantsCovering(e, CLASS_MASKS.administration).length === 0 || grantsCovering(e, CLASS_MASKS.cryptographic).length === 0) continue;
      const both = union(CLASS_MASKS.administration, CLASS_MASKS.cryptographic);
      const grants = grantsCovering(e, both);
      drafts.push(draftFromGrants(e.principal, grants, unionActions(grants, both), 'may both administer and use this key'));
    }
    return drafts;
  },
};
