/**
 * The Config rule's input parameters as typed construct props, and their conversion to the string map
 * Config stores. Names match rule/parameters.ts; unset values are left out (never sent as "").
 */

/** Typed rule parameters. Every one is optional; the rule's own defaults apply when unset. */
export interface KmsPolicyGuardRuleParameters {
  /**
   * Accounts trusted to use the keys: principals from them raise no UNTRUSTED_CROSS_ACCOUNT finding.
   * @default - no trusted account
   */
  readonly trustedAccountIds?: readonly string[];
  /**
   * Organisations (`o-…`) whose principals are trusted.
   * @default - no trusted organisation
   */
  readonly trustedOrgIds?: readonly string[];
  /**
   * Findings below this severity do not make a key NON_COMPLIANT (`critical`, `high`, `medium`, `low`, `info`).
   * @default - the rule's default, `low`
   */
  readonly minimumSeverity?: string;
  /**
   * Check ids to ignore (INVALID_POLICY cannot be disabled).
   * @default - every check runs
   */
  readonly disabledChecks?: readonly string[];
  /**
   * Evaluate AWS managed keys (alias/aws/…) instead of reporting them NOT_APPLICABLE.
   * @default false
   */
  readonly includeAwsManagedKeys?: boolean;
  /**
   * Tag key whose non-empty value exempts a key; the value is the justification shown in Config.
   * @default - no exemption tag
   */
  readonly exemptionTagKey?: string;
  /**
   * Cap on KMS requests per second during a periodic sweep, from 1 to 1000 (the rule refuses other values).
   * @default - the rule's default, 50
   */
  readonly maxRequestsPerSecond?: number;
  /**
   * Role the function assumes in the evaluated account for every KMS and Config call (organisation
   * deployments). When set, the function's own role gets sts:AssumeRole on `arn:<partition>:iam::*:role/<name>`
   * and no KMS or Config permission.
   * @default - the function works in its own account with its own role
   */
  readonly executionRoleName?: string;
}

/** Rule parameter names, as Config stores them, keyed by prop. */
export const RULE_PARAMETER_NAMES = {
  trustedAccountIds: 'TrustedAccountIds',
  trustedOrgIds: 'TrustedOrgIds',
  minimumSeverity: 'MinimumSeverity',
  disabledChecks: 'DisabledChecks',
  includeAwsManagedKeys: 'IncludeAwsManagedKeys',
  exemptionTagKey: 'ExemptionTagKey',
  maxRequestsPerSecond: 'MaxRequestsPerSecond',
  executionRoleName: 'ExecutionRoleName',
} as const satisfies Record<keyof KmsPolicyGuardRuleParameters, string>;

export type RuleParameterName = (typeof RULE_PARAMETER_NAMES)[keyof typeof RULE_PARAMETER_NAMES];

/** Config input parameters (all strings, lists comma-separated), leaving out every unset or empty value. */
export function toInputParameters(params: KmsPolicyGuardRuleParameters): Partial<Record<RuleParameterName, string>> {
  const out: Partial<Record<RuleParameterName, string>> = {};
  for (const key of Object.keys(RULE_PARAMETER_NAMES) as (keyof KmsPolicyGuardRuleParameters)[]) {
    const value = params[key];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (text.trim() === '') continue;
    out[RULE_PARAMETER_NAMES[key]] = text;
  }
  return out;
}
