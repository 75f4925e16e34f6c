/** Accepting findings without losing them: inline suppressions read from templates, and how they apply. */
export { countsAtMinimum } from './counts';
export { METADATA_KEY, MIN_REASON_LENGTH, isCalendarDate, readInlineSuppressions, type InlineSuppression, type InlineSuppressionRead } from './inline';
export {
  DEFAULT_NON_SUPPRESSIBLE_CHECKS,
  applyInlineSuppressions,
  isSuppressed,
  utcDay,
  type AppliedSuppressions,
  type MarkedFinding,
  type Suppression,
  type SuppressionKind,
  type SuppressionPolicy,
} from './apply';
export { FINGERPRINT_VERSION, canonicalJson, canonicalStatement, findingFingerprint, type FingerprintInput } from './fingerprint';
export {
  BASELINE_VERSION,
  BaselineError,
  applyBaseline,
  baselineOf,
  duplicateEntries,
  parseBaseline,
  serializeBaseline,
  type AppliedBaseline,
  type Baseline,
  type BaselineEntry,
} from './baseline';
export { decideExemptionTag, markExempted, tagValuesOf, type ExemptionTagDecision, type ExemptionTagInput } from './exemption-tag';
