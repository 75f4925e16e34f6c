/**
 * Reads the app's settings from CDK context (cdk.json or `-c key=value`), validating them once.
 * Lists may be JSON arrays (cdk.json) or comma-separated strings (command line).
 */
import * as config from 'aws-cdk-lib/aws-config';
import type { Node } from 'constructs';
import { RULE_PARAMETER_ENTRIES, type RuleParameterKey } from '../settings/parameter-spec';
import { isUnsetParameterValue, type RuleParameters } from '../rule/parameters';
import { parseRuleParameterAt, type KmsPolicyGuardRuleParameters } from './rule-parameters';
import type { RemediationSettings } from './settings';

export interface AppSettings {
  readonly ruleParameters: Omit<KmsPolicyGuardRuleParameters, 'executionRoleName'>;
  readonly maximumExecutionFrequency?: config.MaximumExecutionFrequency;
  readonly remediation: RemediationSettings;
  readonly memberAccountIds: string[];
  readonly excludedAccountIds: string[];
  readonly executionRoleName?: string;
  readonly organizationId?: string;
  readonly stackSetCallAs?: 'DELEGATED_ADMIN' | 'SELF';
  /** Build the KmsPolicyGuardHook stack (the CloudFormation hook in this account and Region). */
  readonly hook?: boolean;
  /** Roll the hook out with the organisation stack. */
  readonly organizationHook?: boolean;
  readonly hookFailureMode?: 'FAIL' | 'WARN';
  /** Deploy KMS_KEY_POLICY_NO_PUBLIC_ACCESS with the pack stacks (unset: the pack's default, true). */
  readonly kmsKeyPolicyNoPublicAccessRule?: boolean;
}

/** Every context key the app reads besides the rule parameters (whose keys are the props' names). */
const OTHER_SETTING_KEYS = [
  'maximumExecutionFrequency',
  'remediationAdminPrincipalArns',
  'remediationUsagePrincipalArns',
  'remediationAutomatic',
  'remediationMaximumAutomaticAttempts',
  'remediationRetryAttemptSeconds',
  'remediationDryRun',
  'memberAccountIds',
  'excludedAccountIds',
  'organizationId',
  'stackSetCallAs',
  'hook',
  'organizationHook',
  'hookFailureMode',
  'kmsKeyPolicyNoPublicAccessRule',
] as const;

/** A context key the app reads; the readers below take nothing else, so this list is complete. */
type SettingKey = RuleParameterKey | (typeof OTHER_SETTING_KEYS)[number];

/** Names people may reach for instead of a setting's key: the pack's parameter names. */
const SETTING_ALIASES: readonly (readonly [alias: string, key: SettingKey])[] = [
  ...RULE_PARAMETER_ENTRIES.map(([key, spec]) => [spec.name, key] as const),
  ['KmsPolicyGuardMaximumExecutionFrequency', 'maximumExecutionFrequency'],
  ['KmsKeyPolicyNoPublicAccess', 'kmsKeyPolicyNoPublicAccessRule'],
];

const looseName = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

const SETTING_BY_LOOSE_NAME = new Map<string, SettingKey>([
  ...[...RULE_PARAMETER_ENTRIES.map(([key]) => key), ...OTHER_SETTING_KEYS].map((key) => [looseName(key), key] as const),
  ...SETTING_ALIASES.map(([alias, key]) => [looseName(alias), key] as const),
]);

/**
 * Fails for a context key that nearly names a setting (another case, `-` or `_`, a pack parameter's name):
 * CDK hands over any key, and a setting given under a wrong name would otherwise be ignored without a word.
 * Keys that are nothing like a setting (CDK's own `aws:cdk:…`, `@aws-cdk/…`, `cli-telemetry`) are left alone.
 */
function refuseNearlyNamedSettings(node: Node): void {
  const given = Object.keys(node.getAllContext() as Record<string, unknown>);
  for (const key of given) {
    const setting = SETTING_BY_LOOSE_NAME.get(looseName(key));
    if (setting !== undefined && setting !== key) {
      throw new Error(`context ${key} is not a setting of this app: did you mean ${setting}? (settings: docs/deployment.md)`);
    }
  }
}

function list(node: Node, key: SettingKey): string[] | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (items === undefined || !items.every((v): v is string => typeof v === 'string')) {
    throw new Error(`context ${key} must be a list of strings or a comma-separated string`);
  }
  const trimmed = items.map((s) => s.trim()).filter((s) => s !== '');
  return trimmed.length > 0 ? trimmed : undefined;
}

/**
 * A rule parameter from context (key = the prop's name), parsed by the rule's own parser: `-c` gives strings,
 * cdk.json may give arrays, numbers and booleans; the rule accepts all of them and says what is wrong.
 */
function ruleParameter<K extends RuleParameterKey>(node: Node, key: K): RuleParameters[K] | undefined {
  const value: unknown = node.tryGetContext(key);
  return isUnsetParameterValue(value) ? undefined : parseRuleParameterAt(key, value, `context ${key}`);
}

function text(node: Node, key: SettingKey): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new Error(`context ${key} must be a string`);
  }
  return String(value);
}

function bool(node: Node, key: SettingKey): boolean | undefined {
  const value = text(node, key);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`context ${key} must be true or false, got ${value}`);
}

function int(node: Node, key: SettingKey): number | undefined {
  const value = text(node, key);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`context ${key} must be a whole number, got ${value}`);
  return Number(value);
}

/** The schedule names the pack's KmsPolicyGuardMaximumExecutionFrequency allows (a test holds them equal). */
export const EXECUTION_FREQUENCIES: Record<string, config.MaximumExecutionFrequency> = {
  One_Hour: config.MaximumExecutionFrequency.ONE_HOUR,
  Three_Hours: config.MaximumExecutionFrequency.THREE_HOURS,
  Six_Hours: config.MaximumExecutionFrequency.SIX_HOURS,
  Twelve_Hours: config.MaximumExecutionFrequency.TWELVE_HOURS,
  TwentyFour_Hours: config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS,
};

export function readAppSettings(node: Node): AppSettings {
  refuseNearlyNamedSettings(node);
  const frequencyName = text(node, 'maximumExecutionFrequency');
  const frequency = frequencyName === undefined ? undefined : EXECUTION_FREQUENCIES[frequencyName];
  if (frequencyName !== undefined && frequency === undefined) {
    throw new Error(`context maximumExecutionFrequency must be one of ${Object.keys(EXECUTION_FREQUENCIES).join(', ')}`);
  }
  const failureMode = text(node, 'hookFailureMode');
  if (failureMode !== undefined && failureMode !== 'FAIL' && failureMode !== 'WARN') {
    throw new Error(`context hookFailureMode must be FAIL or WARN, got ${failureMode}`);
  }
  const callAs = text(node, 'stackSetCallAs');
  if (callAs !== undefined && callAs !== 'DELEGATED_ADMIN' && callAs !== 'SELF') {
    throw new Error('context stackSetCallAs must be DELEGATED_ADMIN or SELF');
  }
  return {
    ruleParameters: {
      trustedAccountIds: ruleParameter(node, 'trustedAccountIds'),
      trustedOrgIds: ruleParameter(node, 'trustedOrgIds'),
      minimumSeverity: ruleParameter(node, 'minimumSeverity'),
      disabledChecks: ruleParameter(node, 'disabledChecks'),
      includeAwsManagedKeys: ruleParameter(node, 'includeAwsManagedKeys'),
      evaluateGrants: ruleParameter(node, 'evaluateGrants'),
      exemptionTagKey: ruleParameter(node, 'exemptionTagKey'),
      nonSuppressibleChecks: ruleParameter(node, 'nonSuppressibleChecks'),
      maxRequestsPerSecond: ruleParameter(node, 'maxRequestsPerSecond'),
      evaluateEffectiveAccess: ruleParameter(node, 'evaluateEffectiveAccess'),
    },
    maximumExecutionFrequency: frequency,
    remediation: {
      adminPrincipalArns: list(node, 'remediationAdminPrincipalArns'),
      usagePrincipalArns: list(node, 'remediationUsagePrincipalArns'),
      automatic: bool(node, 'remediationAutomatic'),
      maximumAutomaticAttempts: int(node, 'remediationMaximumAutomaticAttempts'),
      retryAttemptSeconds: int(node, 'remediationRetryAttemptSeconds'),
      dryRun: bool(node, 'remediationDryRun'),
    },
    memberAccountIds: list(node, 'memberAccountIds') ?? [],
    excludedAccountIds: list(node, 'excludedAccountIds') ?? [],
    executionRoleName: ruleParameter(node, 'executionRoleName'),
    organizationId: text(node, 'organizationId'),
    stackSetCallAs: callAs,
    hook: bool(node, 'hook'),
    organizationHook: bool(node, 'organizationHook'),
    hookFailureMode: failureMode,
    kmsKeyPolicyNoPublicAccessRule: bool(node, 'kmsKeyPolicyNoPublicAccessRule'),
  };
}
