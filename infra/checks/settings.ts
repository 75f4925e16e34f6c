/**
 * The props the synth-time checks (the cdk-nag pack and the plain Aspect) share, and their validation. The props
 * the Config rule also has are parsed by the rule's own spec (settings/parameter-spec.ts), so a value the rule
 * would refuse fails here too, with the rule's message; a bad value fails when the checks are constructed.
 */
import { Token } from 'aws-cdk-lib';
import { CHECK_IDS, isCheckId, isSeverity, SEVERITIES, type AnalysisOptions, type CheckId, type Severity } from '../../engine';
import { DEFAULT_NON_SUPPRESSIBLE_CHECKS } from '../../suppress';
import { RULE_PARAMETER_SPEC, type RuleParameterKey } from '../../settings/parameter-spec';
import { parseRuleParameterAt } from '../rule-parameters';

export interface KmsPolicyGuardCheckProps {
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
   * Findings below this severity are not reported (as the Config rule does not count them).
   * @default 'low' - the rule's default
   */
  readonly minimumSeverity?: Severity;
  /**
   * Findings at or above this severity are errors, which fail `cdk synth`; those below are warnings.
   * @default 'high' - PUBLIC_ACCESS, INVALID_POLICY, UNTRUSTED_CROSS_ACCOUNT and ACCOUNT_WIDE_FULL_ACCESS fail synth
   */
  readonly errorSeverity?: Severity;
  /**
   * Checks to ignore (INVALID_POLICY cannot be disabled).
   * @default - every check runs
   */
  readonly disabledChecks?: readonly CheckId[];
  /**
   * Checks that an inline suppression (`Metadata: {kms-policy-guard: {suppress: [...]}}` on the key resource)
   * or exemption tag may not accept.
   * @default ['PUBLIC_ACCESS']
   */
  readonly nonSuppressibleChecks?: readonly CheckId[];
  /**
   * The Config rule's and the hook's ExemptionTagKey: a key whose tags (`Tags.of(key).add(key, reason)`, rendered
   * in its `Tags` property) give this tag a non-empty value has its findings accepted, the value as the reason,
   * after inline suppressions and as the hook decides it: never a non-suppressible check (the whole key is then
   * not exempted), never a value known only at deployment.
   * @default - the exemption tag is not read
   */
  readonly exemptionTagKey?: string;
}

/** The props, validated and with their defaults. */
export interface CheckSettings {
  readonly analysis: Pick<AnalysisOptions, 'trustedAccountIds' | 'trustedOrgIds' | 'disabledChecks'>;
  readonly minimumSeverity: Severity;
  readonly errorSeverity: Severity;
  readonly nonSuppressible: readonly CheckId[];
  readonly exemptionTagKey?: string;
}

/** The judgement needs every value at synth: a token (a CfnParameter, an import) cannot be compared with a principal. */
function refuseTokens(value: unknown, where: string, prop: string): void {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  if (items.some((v) => Token.isUnresolved(v))) {
    throw new Error(`${where}: ${prop} holds a token (a value known only at deployment); the checks judge key policies at synth, so give literal values`);
  }
}

function ruleParameter<K extends RuleParameterKey>(key: K, value: unknown, where: string): ReturnType<typeof parseRuleParameterAt<K>> | undefined {
  if (value === undefined) return undefined;
  refuseTokens(value, where, key);
  return parseRuleParameterAt(key, value, where);
}

function severityProp(value: unknown, where: string, prop: string, fallback: Severity): Severity {
  if (value === undefined) return fallback;
  refuseTokens(value, where, prop);
  const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (!isSeverity(text)) throw new Error(`${where}: ${prop} must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(value)}`);
  return text;
}

function checkIdsProp(value: readonly unknown[] | undefined, where: string, prop: string, fallback: readonly CheckId[]): readonly CheckId[] {
  if (value === undefined) return fallback;
  refuseTokens(value, where, prop);
  return value.map((item) => {
    // Only ASCII ids are upper-cased: a look-alike letter must not name a check.
    const id = typeof item === 'string' && /^[A-Za-z0-9_]+$/.test(item.trim()) ? item.trim().toUpperCase() : item;
    if (!isCheckId(id)) throw new Error(`${where}: ${prop}: unknown check ${JSON.stringify(item)} (known: ${CHECK_IDS.join(', ')})`);
    return id;
  });
}

/** Validates the props; throws `<where>: …` naming the prop and what is wrong. */
export function checkSettings(props: KmsPolicyGuardCheckProps, where: string): CheckSettings {
  const trustedAccountIds = ruleParameter('trustedAccountIds', props.trustedAccountIds, where);
  const trustedOrgIds = ruleParameter('trustedOrgIds', props.trustedOrgIds, where);
  const disabledChecks = ruleParameter('disabledChecks', props.disabledChecks, where);
  const exemptionTagKey = ruleParameter('exemptionTagKey', props.exemptionTagKey, where);
  return {
    analysis: {
      ...(trustedAccountIds !== undefined ? { trustedAccountIds } : {}),
      ...(trustedOrgIds !== undefined ? { trustedOrgIds } : {}),
      ...(disabledChecks !== undefined ? { disabledChecks } : {}),
    },
    minimumSeverity: ruleParameter('minimumSeverity', props.minimumSeverity, where) ?? RULE_PARAMETER_SPEC.minimumSeverity.default ?? 'low',
    errorSeverity: severityProp(props.errorSeverity, where, 'errorSeverity', 'high'),
    nonSuppressible: checkIdsProp(props.nonSuppressibleChecks, where, 'nonSuppressibleChecks', DEFAULT_NON_SUPPRESSIBLE_CHECKS),
    ...(exemptionTagKey !== undefined ? { exemptionTagKey } : {}),
  };
}
