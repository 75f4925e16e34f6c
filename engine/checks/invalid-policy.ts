import type { Check, CheckMeta } from './toolkit';

export const meta = {
  id: 'INVALID_POLICY',
  title: 'The key policy cannot be parsed or breaks the policy grammar',
  severity: 'critical',
  rationale:
    'A policy that cannot be read cannot be judged, so it is never reported as compliant. Statements that break the grammar are left out of the analysis, which may hide access they grant.',
  remediation: 'Fix the element named in the finding (the JSON path says where); AWS rejects such policies in PutKeyPolicy.',
  fix: "Fix the element at the finding's JSON path: AWS rejects such policies.",
  references: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html'],
  compliance: {
    // No CIS v5.0.0 / v1.4.0 recommendation or Security Hub FSBP control evaluates this (see ComplianceMapping).
    cisV5: 'none',
    cisV1: 'none',
    fsbp: 'none',
  },
} as const satisfies CheckMeta;

export const invalidPolicy = {
  meta,
  run(ctx) {
    return ctx.parseErrors.map((e) => ({
      message: `${e.path}: ${e.reason}`,
      statementIndexes: e.statementIndex === undefined ? [] : [e.statementIndex],
      sids: e.statementIndex === undefined ? [] : [e.sid],
      path: e.path,
      principals: [],
      actions: [],
    }));
  },
} satisfies Check;
