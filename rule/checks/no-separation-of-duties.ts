import { CLASS_MASKS, union } from '../engine/actions';
import { grantsCovering } from '../engine/access-summary';
import { draftFromGrants, unionActions, type Check, type CheckMeta } from './check';

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
    return ctx.summary.entries
      .filter((e) => e.principal.kind === 'principal')
      .flatMap((e) => {
        const admin = grantsCovering(e, CLASS_MASKS.administration);
        const use = grantsCovering(e, CLASS_MASKS.cryptographic);
        if (admin.length === 0 || use.length === 0) return [];
        const grants = grantsCovering(e, union(CLASS_MASKS.administration, CLASS_MASKS.cryptographic));
        return [
          draftFromGrants(
            e.principal,
            grants,
            unionActions(grants, union(CLASS_MASKS.administration, CLASS_MASKS.cryptographic)),
            'may both administer and use this key',
          ),
        ];
      });
  },
};
