/**
 * The rule's InputParameters, parsed by the spec in settings/parameter-spec.ts. All are optional; an unknown name
 * or a value the rule cannot use fails the invocation with a message naming the parameter.
 */
import type { CheckId, Severity } from '../engine';
import { InvalidParameterError } from '../settings/errors';
import { RULE_PARAMETER_ENTRIES, RULE_PARAMETER_SPEC, type ParameterName, type RuleParameterKey } from '../settings/parameter-spec';

export interface RuleParameters {
  /** Accounts trusted to use the keys (no UNTRUSTED_CROSS_ACCOUNT finding). @default [] */
  trustedAccountIds: string[];
  /** Organisations (o-…) trusted to use the keys. @default [] */
  trustedOrgIds: string[];
  /** Findings below this severity do not make a key NON_COMPLIANT. @default 'low' */
  minimumSeverity: Severity;
  /** Checks to ignore. INVALID_POLICY cannot be disabled. @default [] */
  disabledChecks: CheckId[];
  /** Evaluate AWS-managed keys (alias/aws/…) instead of reporting them NOT_APPLICABLE. @default false */
  includeAwsManagedKeys: boolean;
  /** Read each key's grants (kms:ListGrants) and judge them with the key policy. @default true */
  evaluateGrants: boolean;
  /** Tag key whose non-empty value exempts a key, the value being the justification. @default undefined */
  exemptionTagKey?: string;
  /** Checks whose findings the exemption tag cannot accept; `NONE` in Config for none. @default ['PUBLIC_ACCESS'] */
  nonSuppressibleChecks: CheckId[];
  /** Cap on KMS requests per second during a sweep, shared by all calls; 1 to 1000. @default 50 */
  maxRequestsPerSecond: number;
  /** Scheduled runs read IAM and Organizations policies and name who can use keys with account-wide findings. @default true */
  evaluateEffectiveAccess: boolean;
  /** Role to assume in the event's account for every KMS and Config call (organisation deployment). @default undefined */
  executionRoleName?: string;
}

// The spec and this interface describe the same fields with the same types; a drift is a compile error.
type SpecValue<K extends RuleParameterKey> = ReturnType<(typeof RULE_PARAMETER_SPEC)[K]['parse']>;
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const specMatchesInterface: SameKeys<RuleParameters, typeof RULE_PARAMETER_SPEC> &
  ({ [K in RuleParameterKey]-?: SpecValue<K> } extends Required<RuleParameters> ? true : false) = true;
void specMatchesInterface;

export const PARAMETER_NAMES: readonly ParameterName[] = RULE_PARAMETER_ENTRIES.map(([, spec]) => spec.name);

const KEY_OF_NAME = new Map<string, RuleParameterKey>(RULE_PARAMETER_ENTRIES.map(([key, spec]) => [spec.name, key]));

/** The field a parameter name fills; throws for a name the rule does not know (a typo must not be ignored). */
function keyOf(name: string): RuleParameterKey {
  const key = KEY_OF_NAME.get(name);
  if (key === undefined) throw new InvalidParameterError(name, `is not a parameter of this rule (known: ${PARAMETER_NAMES.join(', ')})`);
  return key;
}

/** Config leaves unset parameters out, but a template may still send "" (or JSON null) for one. */
export function isUnsetParameterValue(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Every parameter at its default (fresh lists, so a caller's change cannot leak into the next parse). */
function defaultRuleParameters(): RuleParameters {
  const defaults: Partial<Record<RuleParameterKey, unknown>> = {};
  for (const [key, spec] of RULE_PARAMETER_ENTRIES) {
    if (spec.default !== undefined) defaults[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return defaults as RuleParameters;
}

/** Only the parameters `raw` sets (empty values count as unset), parsed; throws InvalidParameterError. */
function parseGivenRuleParameters(raw: Record<string, unknown>): Partial<RuleParameters> {
  const given: Partial<Record<RuleParameterKey, unknown>> = {};
  for (const [name, value] of Object.entries(raw)) {
    const key = keyOf(name);
    if (isUnsetParameterValue(value)) continue;
    given[key] = RULE_PARAMETER_SPEC[key].parse(value);
  }
  return given as Partial<RuleParameters>;
}

export function parseRuleParameters(raw: Record<string, unknown>): RuleParameters {
  return { ...defaultRuleParameters(), ...parseGivenRuleParameters(raw) };
}
