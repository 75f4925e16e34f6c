/** The rule ids the synth-time checks report under: one per check of the catalogue, and four of their own. */
import { CHECK_IDS, type CheckId } from '../../engine';

export const RULE_PREFIX = 'KmsPolicyGuard';

/** `KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS`: what `Validations.of(scope).acknowledge({ id, reason })` names. */
export function checkRuleId(checkId: CheckId): string {
  return `${RULE_PREFIX}-${checkId}`;
}

/** A value the judgement could not resolve at synth (a token, a parameter, another stack's output), judged as the worst it could be. */
export const UNRESOLVED_VALUE_RULE = `${RULE_PREFIX}-UnresolvedValue`;
/** A key whose policy could not be judged at all: never clean. */
export const NOT_JUDGED_RULE = `${RULE_PREFIX}-NotJudged`;
/** An inline suppression entry that does nothing: malformed, expired, refused (non-suppressible) or unused. */
export const INLINE_SUPPRESSION_RULE = `${RULE_PREFIX}-InlineSuppression`;
/** An exemption tag that accepts nothing: empty, written twice, known only at deployment, or refused (a non-suppressible check). */
export const EXEMPTION_TAG_RULE = `${RULE_PREFIX}-ExemptionTag`;

/** Something in the policy the engine cannot weigh (an unknown action or condition key, a non-KMS action, an inert statement). */
export const POLICY_WARNING_RULE = `${RULE_PREFIX}-PolicyWarning`;
/** A Stage the KmsPolicyGuardAspect does not reach (the Aspect's own error; the cdk-nag pack walks Stages). */
export const STAGE_NOT_CHECKED_RULE = `${RULE_PREFIX}-StageNotChecked`;

/** Every rule id, in report order. */
export const RULE_IDS: readonly string[] = [
  ...CHECK_IDS.map(checkRuleId),
  UNRESOLVED_VALUE_RULE,
  NOT_JUDGED_RULE,
  INLINE_SUPPRESSION_RULE,
  EXEMPTION_TAG_RULE,
  POLICY_WARNING_RULE,
];
