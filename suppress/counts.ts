/**
 * Which findings count against a key under a minimum severity, as the rule's MinimumSeverity decides, for every
 * gate (the rule, the hook, the CLI, the CDK checks): at or above it; INVALID_POLICY and a finding not judged (a
 * check threw) always count, since a policy nobody could fully judge has not passed, whatever its severity.
 */
import { CHECK, severityRank, type Finding, type Severity } from '../engine';

export function countsAtMinimum(finding: Finding, minimumSeverity: Severity): boolean {
  return finding.checkId === CHECK.INVALID_POLICY || finding.notJudged === true || severityRank(finding.severity) >= severityRank(minimumSeverity);
}
