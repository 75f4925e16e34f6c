/**
 * Marking findings as accepted. A suppressed finding is never dropped: it stays in every output with how it
 * was accepted and why, and it no longer counts towards a failure. What can never be accepted this way:
 *
 * - a finding for a policy that was not fully judged (`notJudged`: a check threw), since nobody has seen
 *   what it would have found;
 * - a check the deployer named non-suppressible (PUBLIC_ACCESS by default): the team whose template or key
 *   is being checked also writes its suppressions, so the deployer keeps the last word on the worst findings;
 * - a suppression past its expiry date.
 *
 * Each refusal, and each suppression that matched nothing, is reported, so an entry that does nothing is seen.
 */
import { CHECK, type CheckId, type Finding } from '../engine';
import type { InlineSuppression } from './inline';

/** How a finding was accepted. */
export type SuppressionKind = 'inline' | 'baseline' | 'exemption-tag';

export interface Suppression {
  readonly kind: SuppressionKind;
  /** The justification as written (inline reason, exemption tag value) or what the baseline records. */
  readonly reason: string;
  /** Last day (UTC, inclusive) on which an inline suppression applies. */
  readonly expires?: string;
}

/** A finding, with how it was accepted when it was. */
export type MarkedFinding<F extends Finding = Finding> = F & { suppression?: Suppression };

/** The checks no inline suppression or exemption tag can accept unless the deployer says otherwise. */
export const DEFAULT_NON_SUPPRESSIBLE_CHECKS: readonly CheckId[] = [CHECK.PUBLIC_ACCESS];

export interface SuppressionPolicy {
  /** Checks that can never be suppressed by the team being checked. */
  readonly nonSuppressible: readonly CheckId[];
  /** Today in UTC, `YYYY-MM-DD`; a suppression whose `expires` is earlier no longer applies. */
  readonly today: string;
}

export interface AppliedSuppressions<F extends Finding> {
  readonly findings: MarkedFinding<F>[];
  /** Suppressions refused or unused, each saying why and what to do. */
  readonly problems: string[];
}

/** Today's date in UTC as `YYYY-MM-DD`. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Whether a finding was accepted (inline, by a baseline or by the exemption tag); it then no longer counts towards a failure. */
export function isSuppressed(finding: MarkedFinding): boolean {
  return finding.suppression !== undefined;
}

function usable(s: InlineSuppression, policy: SuppressionPolicy): string | undefined {
  if (policy.nonSuppressible.includes(s.id)) {
    return `suppression of ${s.id} refused: ${s.id} cannot be suppressed inline (non-suppressible checks: ${policy.nonSuppressible.join(', ')}); fix the key policy`;
  }
  if (s.expires !== undefined && s.expires < policy.today) {
    return `suppression of ${s.id} expired on ${s.expires}: the finding counts again; fix the key policy or renew the suppression with a new reason`;
  }
  return undefined;
}

/**
 * Marks the findings that inline suppressions accept. Every finding of a suppressed check is marked (a
 * suppression names a check on one key resource, not one statement).
 */
export function applyInlineSuppressions<F extends Finding>(findings: readonly F[], suppressions: readonly InlineSuppression[], policy: SuppressionPolicy): AppliedSuppressions<F> {
  const problems: string[] = [];
  const active = new Map<CheckId, InlineSuppression>();
  for (const s of suppressions) {
    const refusal = usable(s, policy);
    if (refusal !== undefined) problems.push(refusal);
    else if (!active.has(s.id)) active.set(s.id, s);
  }
  const used = new Set<CheckId>();
  const marked = findings.map((f): MarkedFinding<F> => {
    const s = active.get(f.checkId);
    if (s === undefined || f.notJudged === true) return f;
    used.add(f.checkId);
    return { ...f, suppression: { kind: 'inline', reason: s.reason, ...(s.expires !== undefined ? { expires: s.expires } : {}) } };
  });
  for (const id of active.keys()) {
    if (!used.has(id)) problems.push(`suppression of ${id} matched no finding: remove it, so it cannot hide a later one unseen`);
  }
  return { findings: marked, problems };
}
