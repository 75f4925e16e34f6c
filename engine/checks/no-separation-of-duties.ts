import { CLASS_MASKS, hasAny, union } from '../actions';
import { contains } from '../principal-sets';
import { draftFromGrants, unionActions, type Check, type CheckMeta, type FindingDraft } from './toolkit';

export const meta = {
  id: 'NO_SEPARATION_OF_DUTIES',
  title: 'One principal may both administer and use the key',
  severity: 'medium',
  rationale:
    'A single role or user holds both administration and cryptographic use of the key. Whoever controls it can change who may decrypt and decrypt the data, with no second person involved.',
  remediation: 'Split key administration and key use between different roles, each granted only its class of actions.',
  fix: 'Give key administration and key use to different roles.',
  references: ['https://docs.aws.amazon.com/kms/latest/developerguide/least-privilege.html'],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
  },
} as const satisfies CheckMeta;

export const noSeparationOfDuties = {
  meta,
  run(ctx) {
    const drafts: FindingDraft[] = [];
    const both = union(CLASS_MASKS.administration, CLASS_MASKS.cryptographic);
    const named = ctx.summary.entries.filter((e) => e.principal.kind === 'principal');
    // Only patterns and roles (which hold their sessions) can hold another named principal.
    const wide = named.filter((e) => e.principal.kind === 'principal' && (e.principal.subtype === 'pattern' || e.principal.subtype === 'role'));
    for (const e of named) {
      // What a principal may do includes what the patterns (and, for a session, the role) holding it may do.
      const holders = wide.filter((o) => o !== e && contains(o.principal, e.principal));
      const grants = [...e.grants, ...holders.flatMap((o) => o.grants)]
        .filter((g) => hasAny(g.actions, both))
        .sort((a, b) => a.statementIndex - b.statementIndex);
      if (!grants.some((g) => hasAny(g.actions, CLASS_MASKS.administration)) || !grants.some((g) => hasAny(g.actions, CLASS_MASKS.cryptographic))) continue;
      drafts.push(draftFromGrants(e.principal, grants, unionActions(grants, both), 'may both administer and use this key'));
    }
    return drafts;
  },
} satisfies Check;
