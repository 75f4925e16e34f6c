/**
 * Turns what is known about one resource into a Config verdict. Pure: no I/O, no clock.
 *
 * Order matters and is deliberate:
 * 1. Not this rule's business: deleted, out of scope, another resource type, gone from the account,
 *    pending deletion, AWS-managed (unless IncludeAwsManagedKeys) → NOT_APPLICABLE.
 * 2. A policy that could not be read or analysed → NON_COMPLIANT, whatever else is known, exemption included:
 *    an exemption accepts the findings of a policy someone looked at, not a policy nobody could read.
 * 3. Findings at or above MinimumSeverity, not disabled → NON_COMPLIANT, unless the key carries a justified
 *    exemption tag → COMPLIANT, saying so.
 * 4. Otherwise COMPLIANT.
 */
import { severityRank, type CheckId, type Finding } from '../engine';
import { clip, findingsAnnotation, mostSevereFirst } from './annotation';
import type { ReadFailure } from '../aws/kms-reader';
import type { RuleParameters } from './parameters';

export type ComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

export type PolicyResult =
  | { kind: 'analysed'; findings: readonly Finding[] }
  | { kind: 'unreadable'; failure: ReadFailure }
  | { kind: 'analysis-failed'; errorName: string };

export type VerdictSubject =
  | { kind: 'deleted' }
  | { kind: 'out-of-scope' }
  | { kind: 'other-resource-type'; resourceType: string }
  | { kind: 'gone' }
  | {
      kind: 'key';
      keyManager?: string;
      keyState?: string;
      /** The exemption tag's value when the key carries ExemptionTagKey with a non-empty value. */
      exemption?: string;
      policy: PolicyResult;
    };

export type VerdictReason =
  | 'deleted'
  | 'out-of-scope'
  | 'other-resource-type'
  | 'gone'
  | 'pending-deletion'
  | 'aws-managed'
  | 'unreadable'
  | 'analysis-failed'
  | 'findings'
  | 'exempt'
  | 'no-findings';

export interface Verdict {
  compliance: ComplianceType;
  reason: VerdictReason;
  annotation?: string;
  /** Check ids that decided the verdict (empty unless findings did). */
  checkIds: CheckId[];
}

/** Key states in which the key is on its way out (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html). */
const PENDING_DELETION_STATES = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

/**
 * Findings that count against a key under the parameters: not disabled, and at or above MinimumSeverity.
 * INVALID_POLICY always counts: a policy that cannot be parsed is never compliant. So does a finding the
 * engine marks `notJudged` (a check that threw): a check that could not run has not passed, whatever its
 * severity.
 */
export function countedFindings(findings: readonly Finding[], params: Pick<RuleParameters, 'disabledChecks' | 'minimumSeverity'>): Finding[] {
  const disabled = new Set<CheckId>(params.disabledChecks);
  const threshold = severityRank(params.minimumSeverity);
  return mostSevereFirst(
    findings.filter(
      (f) => f.checkId === 'INVALID_POLICY' || f.notJudged === true || (!disabled.has(f.checkId) && severityRank(f.severity) >= threshold),
    ),
  );
}

function uniqueCheckIds(findings: readonly Finding[]): CheckId[] {
  return [...new Set(findings.map((f) => f.checkId))];
}

export function unreadableAnnotation(failure: ReadFailure): string {
  const what = `Key policy could not be judged: ${failure.operation} failed with ${failure.errorName}.`;
  switch (failure.kind) {
    case 'access-denied':
    case 'not-found':
      return clip(`${what} Grant ${failure.operation} on this key to ${failure.principal} (key policy and IAM).`);
    case 'throttled':
      return clip(`${what} Still throttled after retries; lower MaxRequestsPerSecond or rerun. Needs ${failure.operation} for ${failure.principal}.`);
    case 'invalid-state':
      // Not a permission problem: the key's state does not allow the call (e.g. pending import).
      return clip(`${what} The key's state does not allow this call; not a missing permission. Retried on the next evaluation.`);
    case 'timeout': {
      // The endpoint did not answer: a network or service problem, not a permission one.
      const when = failure.errorName === 'InvocationDeadlineError' ? "before the invocation's deadline" : `in time (${failure.errorName})`;
      return clip(
        `Key policy could not be judged: ${failure.operation} did not answer ${when}. Not a missing permission; retried on the next evaluation (see the rule's logs).`,
      );
    }
    case 'error':
      // A service or network failure that outlasted the retries: not a permission problem either.
      return clip(`${what} A service error, not a missing permission; retried on the next evaluation (see the rule's logs).`);
    default: {
      const unreachable: never = failure.kind;
      return clip(`${what} (${String(unreachable)})`);
    }
  }
}

/** Annotation of a key whose policy the rule could not analyse (engine or verdict failure). */
export function analysisFailedAnnotation(errorName: string): string {
  return clip(`The key policy could not be analysed: ${errorName}; see the rule's logs.`);
}

export function decideVerdict(subject: VerdictSubject, params: RuleParameters): Verdict {
  switch (subject.kind) {
    case 'deleted':
      return { compliance: 'NOT_APPLICABLE', reason: 'deleted', annotation: 'The key was deleted.', checkIds: [] };
    case 'out-of-scope':
      return { compliance: 'NOT_APPLICABLE', reason: 'out-of-scope', annotation: 'The key left the rule scope.', checkIds: [] };
    case 'other-resource-type':
      return {
        compliance: 'NOT_APPLICABLE',
        reason: 'other-resource-type',
        annotation: clip(`This rule evaluates AWS::KMS::Key, not ${subject.resourceType}.`),
        checkIds: [],
      };
    case 'gone':
      return { compliance: 'NOT_APPLICABLE', reason: 'gone', annotation: 'The key no longer exists in this account and Region.', checkIds: [] };
    case 'key':
      break;
    default: {
      const unreachable: never = subject;
      throw new Error(`unhandled verdict subject ${JSON.stringify(unreachable)}`);
    }
  }
  if (subject.keyState !== undefined && PENDING_DELETION_STATES.has(subject.keyState)) {
    return { compliance: 'NOT_APPLICABLE', reason: 'pending-deletion', annotation: `The key is in state ${subject.keyState}.`, checkIds: [] };
  }
  if (subject.keyManager === 'AWS' && !params.includeAwsManagedKeys) {
    return {
      compliance: 'NOT_APPLICABLE',
      reason: 'aws-managed',
      annotation: 'AWS-managed key: its policy is set by AWS (set IncludeAwsManagedKeys to evaluate it).',
      checkIds: [],
    };
  }
  const policy = subject.policy;
  switch (policy.kind) {
    case 'unreadable':
      return { compliance: 'NON_COMPLIANT', reason: 'unreadable', annotation: unreadableAnnotation(policy.failure), checkIds: [] };
    case 'analysis-failed':
      return {
        compliance: 'NON_COMPLIANT',
        reason: 'analysis-failed',
        annotation: analysisFailedAnnotation(policy.errorName),
        checkIds: [],
      };
    case 'analysed':
      break;
    default: {
      const unreachable: never = policy;
      throw new Error(`unhandled policy result ${JSON.stringify(unreachable)}`);
    }
  }
  const counted = countedFindings(policy.findings, params);
  if (counted.length === 0) return { compliance: 'COMPLIANT', reason: 'no-findings', checkIds: [] };
  const checkIds = uniqueCheckIds(counted);
  const exemption = subject.exemption?.trim();
  // An exemption cannot cover a policy that does not parse, or a check that could not run: there is nothing a
  // person could have reviewed.
  if (exemption !== undefined && exemption !== '' && !checkIds.includes('INVALID_POLICY') && !counted.some((f) => f.notJudged === true)) {
    return {
      compliance: 'COMPLIANT',
      reason: 'exempt',
      annotation: clip(`exempt: ${exemption} (tag ${params.exemptionTagKey ?? '?'}; would fail ${checkIds.join(', ')})`),
      checkIds,
    };
  }
  return { compliance: 'NON_COMPLIANT', reason: 'findings', annotation: findingsAnnotation(counted), checkIds };
}
