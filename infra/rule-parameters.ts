/**
 * The Config rule's input parameters as typed construct props, and their conversion to the string map Config
 * stores. Names, defaults and validation come from the rule's own spec (settings/parameter-spec.ts): a value the
 * rule would refuse at every invocation fails `cdk synth` instead, with the rule's message.
 */
import { Token, Tokenization } from 'aws-cdk-lib';
import type { CheckId, Severity } from '../engine';
import { InvalidParameterError } from '../settings/errors';
import { RULE_PARAMETER_ENTRIES, RULE_PARAMETER_SPEC, type ParameterName, type ParameterSpec, type RuleParameterKey } from '../settings/parameter-spec';
import type { RuleParameters } from '../rule/parameters';

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
   * Findings below this severity do not make a key NON_COMPLIANT.
   * @default - the rule's default, `low`
   */
  readonly minimumSeverity?: Severity;
  /**
   * Checks to ignore (INVALID_POLICY cannot be disabled).
   * @default - every check runs
   */
  readonly disabledChecks?: readonly CheckId[];
  /**
   * Evaluate AWS managed keys (alias/aws/…) instead of reporting them NOT_APPLICABLE.
   * @default false
   */
  readonly includeAwsManagedKeys?: boolean;
  /**
   * Read each key's grants (kms:ListGrants: one request per 100 grants of a key, on every evaluation) and judge
   * them with the key policy (UNTRUSTED_GRANTEE, REDELEGABLE_GRANT). The function's role is granted kms:ListGrants
   * whatever this says, so that turning it on needs no new deployment of the role.
   * @default true
   */
  readonly evaluateGrants?: boolean;
  /**
   * Tag key whose non-empty value exempts a key; the value is the justification shown in Config.
   * @default - no exemption tag
   */
  readonly exemptionTagKey?: string;
  /**
   * Checks whose findings the exemption tag (and, in the template checks, an inline suppression) cannot accept:
   * the key's own team sets both, so for these the deployer keeps the last word. An empty list means no such
   * check and is sent to Config as `NONE` (Config has no empty value: the rule reads one as unset).
   * INVALID_POLICY is never accepted and may not be named.
   * @default - the rule's default, PUBLIC_ACCESS
   */
  readonly nonSuppressibleChecks?: readonly CheckId[];
  /**
   * Cap on KMS requests per second during a periodic sweep, from 1 to 1000, decimals allowed.
   * @default - the rule's default, 50
   */
  readonly maxRequestsPerSecond?: number;
  /**
   * Scheduled runs read the account's IAM (Config's recorded IAM items, else iam:GetAccountAuthorizationDetails) and
   * the organisation's SCPs and RCPs where readable, and name in the annotation of an account-wide finding who can
   * use the key. `false` reads neither.
   * @default true
   */
  readonly evaluateEffectiveAccess?: boolean;
  /**
   * Role the function assumes in the evaluated account for every KMS and Config call (organisation
   * deployments). When set, the function's own role gets sts:AssumeRole on `arn:<partition>:iam::*:role/<name>`
   * and no KMS or Config permission.
   * @default - the function works in its own account with its own role
   */
  readonly executionRoleName?: string;
}

// The props are the rule's fields, each accepting what the rule parses into: a drift is a compile error.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const propsMatchRule: SameKeys<KmsPolicyGuardRuleParameters, RuleParameters> &
  (Required<RuleParameters> extends Required<KmsPolicyGuardRuleParameters> ? true : false) = true;
void propsMatchRule;

/** The rule's own parse of one parameter; its InvalidParameterError comes back prefixed with `where`. */
export function parseRuleParameterAt<K extends RuleParameterKey>(key: K, value: unknown, where: string): RuleParameters[K] {
  try {
    return RULE_PARAMETER_SPEC[key].parse(value) as RuleParameters[K];
  } catch (error) {
    if (error instanceof InvalidParameterError) throw new Error(`${where}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The value as the rule reads it, parsed and written back (`HIGH` → `high`, `/Audit` → `Audit`), or unchanged
 * when it holds a token only known at deploy time. Throws `<where>: invalid rule parameter <Name>: …` with the
 * rule's message. Whatever else uses the value (an IAM policy, a StackSet) must use this text, so that it names
 * what the rule will use.
 */
export function ruleParameterText(key: RuleParameterKey, text: string, where: string): string {
  if (Token.isUnresolved(text)) return text;
  const spec = RULE_PARAMETER_SPEC[key] as ParameterSpec<unknown>;
  return spec.format(parseRuleParameterAt(key, text, where));
}

/**
 * A list prop as Config stores it. With a token among the items (known only at deploy time, checked by the rule
 * then), every other item is still checked on its own: a literal mistake must not hide behind a token. Blank
 * items are dropped, as the rule drops them; an item that stands for "no item" (NonSuppressibleChecks' `NONE`)
 * cannot sit beside a token, and is refused with the rule's message for it beside another item.
 */
function listParameterText(key: RuleParameterKey, items: readonly string[], where: string): string {
  if (!items.some((item) => Token.isUnresolved(item))) return ruleParameterText(key, items.join(','), where);
  const spec = RULE_PARAMETER_SPEC[key] as ParameterSpec<unknown>;
  const noItemsText = spec.format([]);
  const texts = items.filter((item) => item.trim() !== '').map((item) => ruleParameterText(key, item, where));
  if (noItemsText !== '' && texts.includes(noItemsText)) {
    throw new Error(`${where}: ${new InvalidParameterError(spec.name, `${noItemsText} stands alone: it cannot be combined with a deploy-time token`).message}`);
  }
  return texts.join(',');
}

/** A prop value as the rule reads it (see ruleParameterText), a number token as a string token. */
function propParameterText(key: RuleParameterKey, value: NonNullable<KmsPolicyGuardRuleParameters[RuleParameterKey]>, where: string): string {
  if (Array.isArray(value)) return listParameterText(key, value as readonly string[], where);
  return ruleParameterText(key, typeof value === 'number' ? Tokenization.stringifyNumber(value) : String(value), where);
}

/**
 * Config input parameters (all strings, lists comma-separated), each validated by the rule's parser, leaving
 * out the unset ones: undefined, `''` (as the rule's isUnsetParameterValue) and lists without items. Text of
 * spaces only is set, and fails as it would in the rule. `where` (a construct path, a context key) starts the
 * error message.
 */
export function ruleInputParameters(params: KmsPolicyGuardRuleParameters, where: string): Partial<Record<ParameterName, string>> {
  const out: Partial<Record<ParameterName, string>> = {};
  for (const [key, spec] of RULE_PARAMETER_ENTRIES) {
    const value = params[key];
    if (value === undefined || value === '') continue;
    const text = propParameterText(key, value, where);
    if (text !== '') out[spec.name] = text;
  }
  return out;
}
