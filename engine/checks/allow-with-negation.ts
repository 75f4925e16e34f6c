import { actionNames } from '../actions';
import type { Check, CheckMeta } from './toolkit';

export const meta = {
  id: 'ALLOW_WITH_NEGATION',
  title: 'An Allow statement uses NotPrincipal or NotAction',
  severity: 'low',
  rationale:
    'An Allow with NotPrincipal grants to everyone not listed; an Allow with NotAction grants every action not listed, including actions AWS adds later. Both grant far more than they appear to.',
  remediation: 'Rewrite the statement with Principal and Action listing exactly what is allowed.',
  fix: 'Rewrite the statement with Principal and Action listing exactly what is allowed.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html',
  ],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
  },
} as const satisfies CheckMeta;

export const allowWithNegation = {
  meta,
  run(ctx) {
    return (ctx.policy?.statements ?? [])
      .filter((s) => s.effect === 'Allow' && (s.principalNegated || s.actionNegated))
      .map((s) => {
        const parts = [s.principalNegated ? 'NotPrincipal' : undefined, s.actionNegated ? 'NotAction' : undefined].filter(
          (p): p is string => p !== undefined,
        );
        const where = s.sid ? `Statement ${s.index} ("${s.sid}")` : `Statement ${s.index}`;
        return {
          message: `${where} allows with ${parts.join(' and ')}: it grants everything it does not list.`,
          statementIndexes: [s.index],
          sids: [s.sid],
          path: s.principalNegated ? s.principalPath : `${s.path}.NotAction`,
          principals: s.principals.map((p) => p.raw),
          actions: actionNames(s.actions),
        };
      });
  },
} satisfies Check;
