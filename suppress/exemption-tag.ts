/**
 * The exemption tag, decided once for every gate that honours it (the Config rule's scan, the CloudFormation
 * hook, check-template and the synth-time checks): a key carrying the tag ExemptionTagKey with a non-empty value
 * has its counted findings accepted, the trimmed value as the justification. It accepts nothing, and says why, when:
 *
 * - the tag is written twice on the key (in a template's `Tags`): which value the key ends up with is KMS's
 *   decision, not ours;
 * - its value is empty or not a string: an exemption needs a justification;
 * - a counted finding is INVALID_POLICY or not judged (a check threw): nobody has seen what the policy grants;
 * - a counted finding is of a non-suppressible check (PUBLIC_ACCESS by default): the whole key stays
 *   unexempted, as in the rule, since the tag is the key owner's own acceptance and the deployer keeps the last
 *   word on the worst findings.
 *
 * Findings already accepted another way (inline, by a baseline) keep their mark and are not counted here.
 */
import { CHECK, type CheckId, type Finding } from '../engine';
import { isSuppressed, type MarkedFinding } from './apply';

export interface ExemptionTagInput<F extends Finding> {
  /** Every value the key gives the tag, in order: none when untagged, several when the tag key is written twice. */
  readonly values: readonly unknown[];
  /** The key's findings; the tag marks those not already suppressed. */
  readonly findings: readonly MarkedFinding<F>[];
  /** Which findings count against the key (at or above the minimum severity); only they can refuse the tag. @default every finding */
  readonly counts?: (finding: F) => boolean;
  readonly nonSuppressible: readonly CheckId[];
  /** Where the user sets the non-suppressible checks (`--non-suppressible-checks`), named in a refusal. */
  readonly nonSuppressibleSetting?: string;
}

export type ExemptionTagDecision<F extends Finding> =
  /** The key carries no such tag, or no counted finding is left for it to accept. */
  | { readonly kind: 'absent' }
  /** Every open finding is accepted: `findings` as given, those not already suppressed marked `exemption-tag`. */
  | { readonly kind: 'accepted'; readonly findings: MarkedFinding<F>[]; readonly reason: string }
  /**
   * The tag is there but accepts nothing; `why` says so for a person (prefix it with the tag key). `refused`:
   * the counted findings of non-suppressible checks, when those are the reason (empty otherwise); `reason`, the
   * justification, when the tag itself was usable.
   */
  | { readonly kind: 'refused'; readonly why: string; readonly refused: F[]; readonly reason?: string };

/** A finding for a policy nobody has fully seen: no acceptance of any kind covers it. */
function unjudged(f: Finding): boolean {
  return f.checkId === CHECK.INVALID_POLICY || f.notJudged === true;
}

/**
 * The findings with those not already suppressed, nor in `except`, marked as accepted by the exemption tag.
 * A finding not judged, or INVALID_POLICY, is never marked.
 */
export function markExempted<F extends Finding>(findings: readonly MarkedFinding<F>[], reason: string, except: readonly F[] = []): MarkedFinding<F>[] {
  return findings.map((f) => (isSuppressed(f) || unjudged(f) || except.includes(f) ? f : { ...f, suppression: { kind: 'exemption-tag', reason } }));
}

/** Whether the exemption tag accepts the findings of a key, and if not, why. */
export function decideExemptionTag<F extends Finding>({ values, findings, counts = () => true, nonSuppressible, nonSuppressibleSetting }: ExemptionTagInput<F>): ExemptionTagDecision<F> {
  const open = findings.filter((f) => !isSuppressed(f) && counts(f));
  if (values.length === 0 || open.length === 0) return { kind: 'absent' };
  if (values.length > 1) return { kind: 'refused', why: `written ${values.length} times on the key, so which value the key gets is not certain; no exemption applied, write the tag once`, refused: [] };
  const [value] = values;
  if (typeof value !== 'string') return { kind: 'refused', why: `its value ${JSON.stringify(value)} is not a string; no exemption applied`, refused: [] };
  const reason = value.trim();
  if (reason === '') return { kind: 'refused', why: 'the tag has an empty value; an exemption needs a justification as its value, so none was applied', refused: [] };
  // Whatever the minimum severity: a check that could not run might have found something that counts.
  const blind = findings.find((f) => !isSuppressed(f) && unjudged(f));
  if (blind !== undefined) {
    const what = blind.notJudged === true ? `a check that could not run (${blind.checkId})` : `a policy that cannot be parsed (${CHECK.INVALID_POLICY})`;
    return { kind: 'refused', why: `not applied: an exemption never covers ${what}; fix the key policy`, refused: [], reason };
  }
  const refused = open.filter((f) => nonSuppressible.includes(f.checkId));
  if (refused.length > 0) {
    const ids = [...new Set(refused.map((f) => f.checkId))];
    return { kind: 'refused', why: `cannot exempt ${ids.join(', ')} (non-suppressible checks: ${nonSuppressible.join(', ')}${nonSuppressibleSetting !== undefined ? `; ${nonSuppressibleSetting}` : ''}); no finding of the key was accepted`, refused, reason };
  }
  // Only what counts against the key is accepted: a finding below the minimum severity stays as it is.
  const uncounted = findings.filter((f) => !counts(f));
  return { kind: 'accepted', findings: markExempted(findings, reason, uncounted), reason };
}

/**
 * The values a key's `Tags` property ([{Key, Value}], as CloudFormation and the hook's request carry it) gives
 * the tag `tagKey`, in order. Anything that is not such a list gives none.
 */
export function tagValuesOf(tags: unknown, tagKey: string): unknown[] {
  if (!Array.isArray(tags)) return [];
  return tags.filter((tag): tag is Record<string, unknown> => typeof tag === 'object' && tag !== null && (tag as Record<string, unknown>).Key === tagKey).map((tag) => tag.Value);
}
