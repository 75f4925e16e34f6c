/**
 * The two public types that name checks: a finding, and the options that can leave checks out. They sit above
 * the check registry, from which `CheckId` is derived; what the checks themselves read and write (KeyContext,
 * FindingDetail) sits below it in types.ts, so no check depends on the list of checks.
 */
import type { CheckId } from './checks/registry';
import type { FindingDetail, KeyContext, Severity } from './types';

/** Options of an analysis: the key and who is trusted, and the checks to leave out. */
export interface AnalysisOptions extends KeyContext {
  /** Check ids to leave out of the result. */
  disabledChecks?: readonly CheckId[];
}

/** A finding: one check's verdict on one grant, with enough context for a person to act. */
export interface Finding extends FindingDetail {
  checkId: CheckId;
  severity: Severity;
  title: string;
}
