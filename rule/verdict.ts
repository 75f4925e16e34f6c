/**
 * Turns a judged key into a Config verdict. Pure: no I/O, no clock. Only keys the applicability gate let through
 * (rule/applicability.ts) are judged here; the others get `notApplicableVerdict`.
 *
 * Order matters and is deliberate:
 * 1. A policy that could not be read or analysed → NON_COMPLIANT, whatever else is known, exemption included:
 *    an exemption accepts the findings of a policy someone looked at, not a policy nobody could read.
 * 2. Findings at or above MinimumSeverity → NON_COMPLIANT, unless the key carries a justified exemption tag →
 *    COMPLIANT, saying so. (Disabled checks never ran: the engine skips them, given DisabledChecks.) The tag is
 *    the key owner's own acceptance, so it cannot cover a counted finding of a check in NonSuppressibleChecks:
 *    NON_COMPLIANT, the annotation saying that the tag could not cover it.
 * 3. Otherwise COMPLIANT.
 */
import { CHECK, type CheckId, type Finding } from '../engine';
import { clip, describeFinding, joinWithinLimit, joinWithTail, mostSevereFirst, type ElasticText } from './annotation';
import type { NotApplicable, NotApplicableReason } from './applicability';
import type { ReadFailure } from '../aws/kms-reader';
import { countsAtMinimum } from '../suppress';
import type { RuleParameters } from './parameters';

export type ComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

/**
 * `unreadable` with `findings`: the policy was judged, but what else decides who may use the key (its grants)
 * could not be read; the findings counted against the policy alone are named after the failure.
 */
export type PolicyResult =
  | { kind: 'analysed'; findings: readonly Finding[] }
  | { kind: 'unreadable'; failure: ReadFailure; findings?: readonly Finding[] }
  | { kind: 'analysis-failed'; errorName: string };

export type VerdictReason =
  | NotApplicableReason
  | 'unreadable'
  | 'analysis-failed'
  | 'findings'
  | 'exempt'
  /** Tagged exempt, but a counted finding is of a check in NonSuppressibleChecks. */
  | 'not-exemptible'
  | 'no-findings';

export interface Verdict {
  compliance: ComplianceType;
  reason: VerdictReason;
  annotation?: string;
  /** Check ids that decided the verdict (empty unless findings did). */
  checkIds: CheckId[];
}

/** What a key's policy counts for under the parameters, worked out once per key. */
export type PolicyAssessment =
  | { kind: 'unreadable'; failure: ReadFailure; findings?: readonly Finding[] }
  | { kind: 'analysis-failed'; errorName: string }
  /** `counted`: the findings that count against the key, most severe first. */
  | { kind: 'analysed'; counted: Finding[] };

/**
 * Findings that count against a key under the parameters: those at or above MinimumSeverity. INVALID_POLICY
 * always counts: a policy that cannot be parsed is never compliant. So does a finding the engine marks
 * `notJudged` (a check that threw): a check that could not run has not passed, whatever its severity.
 * DisabledChecks is not applied here: the engine does not run a disabled check at all.
 */
export function countedFindings(findings: readonly Finding[], params: Pick<RuleParameters, 'minimumSeverity'>): Finding[] {
  return mostSevereFirst(findings.filter((f) => countsAtMinimum(f, params.minimumSeverity)));
}

export function assessPolicy(policy: PolicyResult, params: Pick<RuleParameters, 'minimumSeverity'>): PolicyAssessment {
  return policy.kind === 'analysed' ? { kind: 'analysed', counted: countedFindings(policy.findings, params) } : policy;
}

/** Whether findings count against the key, so that an exemption tag could change its verdict. */
export function hasCountedFindings(assessment: PolicyAssessment): boolean {
  return assessment.kind === 'analysed' && assessment.counted.length > 0;
}

function uniqueCheckIds(findings: readonly Finding[]): CheckId[] {
  return [...new Set(findings.map((f) => f.checkId))];
}

/** What could not be read: the key policy, or (kms:ListGrants) the key's grants, without which the key is not judged either. */
function unreadableSubject(failure: ReadFailure): string {
  return failure.operation === 'kms:ListGrants' ? 'Key grants could not be read, so the key was not judged' : 'Key policy could not be judged';
}

function unreadableAnnotation(failure: ReadFailure): string {
  const subject = unreadableSubject(failure);
  const what = `${subject}: ${failure.operation} failed with ${failure.errorName}.`;
  switch (failure.kind) {
    case 'access-denied':
    case 'not-found':
      return clip(
        `${what} Grant ${failure.operation} on this key to ${failure.principal} (key policy and IAM)${failure.operation === 'kms:ListGrants' ? ', or set EvaluateGrants to false' : ''}.`,
      );
    case 'throttled':
      return clip(`${what} Still throttled after retries; lower MaxRequestsPerSecond or rerun. Needs ${failure.operation} for ${failure.principal}.`);
    case 'invalid-state':
      // Not a permission problem: the key's state does not allow the call (e.g. pending import).
      return clip(`${what} The key's state does not allow this call; not a missing permission. Retried on the next evaluation.`);
    case 'timeout': {
      // The endpoint did not answer: a network or service problem, not a permission one.
      const when = failure.errorName === 'InvocationDeadlineError' ? "before the invocation's deadline" : `in time (${failure.errorName})`;
      return clip(
        `${subject}: ${failure.operation} did not answer ${when}. Not a missing permission; retried on the next evaluation (see the rule's logs).`,
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

/** The failure in few words, to leave room for the findings that follow it. */
function shortUnreadableAnnotation(failure: ReadFailure): string {
  const what = `Key ${failure.operation === 'kms:ListGrants' ? 'grants' : 'policy'} not read: ${failure.operation} failed with ${failure.errorName}`;
  return failure.kind === 'access-denied' ? `${what}; grant it to ${failure.principal}` : `${what}; see the rule's logs`;
}

/** Annotation of a key whose policy the rule could not analyse (engine or verdict failure). */
function analysisFailedAnnotation(errorName: string): string {
  return clip(`The key policy could not be analysed: ${errorName}; see the rule's logs.`);
}

export function notApplicableVerdict(gate: NotApplicable): Verdict {
  return { compliance: 'NOT_APPLICABLE', reason: gate.reason, annotation: gate.annotation, checkIds: [] };
}

/** The verdict for a key whose policy could not be analysed, or whose judging failed in an unexpected way. */
export function analysisFailedVerdict(errorName: string): Verdict {
  return { compliance: 'NON_COMPLIANT', reason: 'analysis-failed', annotation: analysisFailedAnnotation(errorName), checkIds: [] };
}

/** The annotation's parts, then `tail` (what it adds beside the findings), all within Config's limit. */
function annotationOf(parts: readonly string[], tail: ElasticText | undefined): string {
  return tail === undefined ? joinWithinLimit(parts) : joinWithTail(parts, tail);
}

/**
 * The verdict of a key the applicability gate let through. `exemption`: the exemption tag's value, when the key
 * carries ExemptionTagKey (read only when findings count against the key). `tail`: what the annotation adds
 * after the findings (who can use the key); it never changes the compliance, and is said only where findings are.
 */
export function decideVerdict(
  assessment: PolicyAssessment,
  exemption: string | undefined,
  params: Pick<RuleParameters, 'exemptionTagKey' | 'nonSuppressibleChecks'>,
  tail?: ElasticText,
): Verdict {
  switch (assessment.kind) {
    case 'unreadable': {
      const counted = assessment.findings ?? [];
      if (counted.length === 0) return { compliance: 'NON_COMPLIANT', reason: 'unreadable', annotation: unreadableAnnotation(assessment.failure), checkIds: [] };
      // The read failure first: it is what no exemption can accept; then what the policy alone already shows.
      return {
        compliance: 'NON_COMPLIANT',
        reason: 'unreadable',
        annotation: joinWithinLimit([shortUnreadableAnnotation(assessment.failure), ...mostSevereFirst(counted).map(describeFinding)]),
        checkIds: uniqueCheckIds(counted),
      };
    }
    case 'analysis-failed':
      return analysisFailedVerdict(assessment.errorName);
    case 'analysed':
      break;
    default: {
      const unreachable: never = assessment;
      throw new Error(`unhandled policy assessment ${JSON.stringify(unreachable)}`);
    }
  }
  const { counted } = assessment;
  if (counted.length === 0) return { compliance: 'COMPLIANT', reason: 'no-findings', checkIds: [] };
  const checkIds = uniqueCheckIds(counted);
  const justification = exemption?.trim();
  // An exemption cannot cover a policy that does not parse, or a check that could not run: there is nothing a
  // person could have reviewed.
  const exemptible = justification !== undefined && justification !== '' && !checkIds.includes(CHECK.INVALID_POLICY) && !counted.some((f) => f.notJudged === true);
  if (!exemptible) return { compliance: 'NON_COMPLIANT', reason: 'findings', annotation: annotationOf(counted.map(describeFinding), tail), checkIds };
  const tagKey = params.exemptionTagKey ?? '?';
  const refused = checkIds.filter((id) => params.nonSuppressibleChecks.includes(id));
  if (refused.length > 0) {
    // The findings the tag could not cover first: they are what keeps the key NON_COMPLIANT.
    const blocking = counted.filter((f) => refused.includes(f.checkId));
    const others = counted.filter((f) => !refused.includes(f.checkId));
    return {
      compliance: 'NON_COMPLIANT',
      reason: 'not-exemptible',
      annotation: annotationOf([`tag ${tagKey} cannot exempt ${refused.join(', ')} (NonSuppressibleChecks)`, ...[...blocking, ...others].map(describeFinding)], tail),
      checkIds,
    };
  }
  return {
    compliance: 'COMPLIANT',
    reason: 'exempt',
    annotation: annotationOf([`exempt: ${justification} (tag ${tagKey}; would fail ${checkIds.join(', ')})`], tail),
    checkIds,
  };
}
