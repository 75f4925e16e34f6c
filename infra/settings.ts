/**
 * Settings shared by the stacks, and their translation into conformance pack parameters.
 */
import { Token } from 'aws-cdk-lib';
import type * as config from 'aws-cdk-lib/aws-config';
import { DEFAULT_DRY_RUN } from '../remediation/parameters';
import { KMS_KEY_POLICY_NO_PUBLIC_ACCESS_MISSING_REGIONS, KMS_KEY_POLICY_NO_PUBLIC_ACCESS_PARAMETER } from './managed-rules';
import { ruleInputParameters, type KmsPolicyGuardRuleParameters } from './rule-parameters';

/** How Config attaches the key policy remediation to the rule. */
export interface RemediationSettings {
  /**
   * IAM role or user ARNs that receive the administration part of account-wide grants. Fixed at deployment
   * in the remediation function's environment (no invocation can choose them) and validated at synth.
   * Without both principal lists the remediation is deployed but refuses every invocation, and it is not
   * attached to the rule.
   * @default - not attached
   */
  readonly adminPrincipalArns?: readonly string[];
  /**
   * IAM role or user ARNs that receive the use part of account-wide grants.
   * @default - not attached
   */
  readonly usagePrincipalArns?: readonly string[];
  /**
   * Run the remediation automatically on NON_COMPLIANT keys.
   * @default false (manual: someone presses "Remediate" in the Config console)
   */
  readonly automatic?: boolean;
  /**
   * Automatic attempts per key within `retryAttemptSeconds`, from 1 to 25.
   * @default 3
   */
  readonly maximumAutomaticAttempts?: number;
  /**
   * Window for `maximumAutomaticAttempts`, in seconds, from 1 to 2,678,000 (31 days).
   * @default 600
   */
  readonly retryAttemptSeconds?: number;
  /**
   * Pass DryRun=true from Config, so remediation only reports the diff. Set false to let Config rewrite policies.
   * @default true
   */
  readonly dryRun?: boolean;
}

/** What the remediation configuration uses for a setting left out; the pack's Defaults are held to these by a test. */
export const REMEDIATION_DEFAULTS = {
  automatic: false,
  maximumAutomaticAttempts: 3,
  retryAttemptSeconds: 600,
  dryRun: DEFAULT_DRY_RUN,
} as const satisfies Required<Omit<RemediationSettings, 'adminPrincipalArns' | 'usagePrincipalArns'>>;

/** Config's limits (https://docs.aws.amazon.com/config/latest/APIReference/API_RemediationConfiguration.html). */
const REMEDIATION_LIMITS = {
  maximumAutomaticAttempts: { min: 1, max: 25 },
  retryAttemptSeconds: { min: 1, max: 2_678_000 },
} as const;

export type ResolvedRemediationSettings = Required<Omit<RemediationSettings, 'adminPrincipalArns' | 'usagePrincipalArns'>>;

const OPTION_SETTINGS = {
  automatic: 'remediationAutomatic',
  maximumAutomaticAttempts: 'remediationMaximumAutomaticAttempts',
  retryAttemptSeconds: 'remediationRetryAttemptSeconds',
  dryRun: 'remediationDryRun',
} as const satisfies Record<keyof ResolvedRemediationSettings, string>;

/**
 * The settings of an attached remediation with their defaults filled in, or undefined when it is not attached
 * (no principal lists). Options given for a remediation that is not attached, or numbers outside Config's
 * limits, fail the synth naming the setting: they would otherwise be dropped without a word.
 */
export function resolveRemediationSettings(settings: RemediationSettings | undefined): ResolvedRemediationSettings | undefined {
  if (!remediationAttached(settings)) {
    const given = (Object.keys(OPTION_SETTINGS) as (keyof ResolvedRemediationSettings)[]).filter((k) => settings?.[k] !== undefined);
    if (given.length > 0) {
      throw new Error(
        `${given.map((k) => OPTION_SETTINGS[k]).join(', ')} given, but the remediation is not attached without ` +
          `${REMEDIATION_PRINCIPAL_SETTINGS.admin} and ${REMEDIATION_PRINCIPAL_SETTINGS.usage}: set both principal lists, or leave the remediation options out`,
      );
    }
    return undefined;
  }
  const resolved = {
    automatic: settings?.automatic ?? REMEDIATION_DEFAULTS.automatic,
    maximumAutomaticAttempts: settings?.maximumAutomaticAttempts ?? REMEDIATION_DEFAULTS.maximumAutomaticAttempts,
    retryAttemptSeconds: settings?.retryAttemptSeconds ?? REMEDIATION_DEFAULTS.retryAttemptSeconds,
    dryRun: settings?.dryRun ?? REMEDIATION_DEFAULTS.dryRun,
  };
  for (const key of ['maximumAutomaticAttempts', 'retryAttemptSeconds'] as const) {
    const { min, max } = REMEDIATION_LIMITS[key];
    const value = resolved[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${OPTION_SETTINGS[key]}: must be a whole number from ${min} to ${max} (AWS Config's limit), got ${value}`);
    }
  }
  return resolved;
}

/** Whether the remediation has what it needs to be attached to the rule. */
function remediationAttached(settings: RemediationSettings | undefined): boolean {
  return (settings?.adminPrincipalArns?.length ?? 0) > 0 && (settings?.usagePrincipalArns?.length ?? 0) > 0;
}

/**
 * Rule parameters and schedule as pack parameters (names are identical to the rule's), validated by the rule's
 * parser; `where` (the stack's path) starts the error message.
 */
export function rulePackParameters(
  params: KmsPolicyGuardRuleParameters,
  frequency: config.MaximumExecutionFrequency | undefined,
  where: string,
): Record<string, string | undefined> {
  return { ...ruleInputParameters(params, where), KmsPolicyGuardMaximumExecutionFrequency: frequency };
}

/** Names of the context keys of the principal lists, for messages at synth. */
export const REMEDIATION_PRINCIPAL_SETTINGS = { admin: 'remediationAdminPrincipalArns', usage: 'remediationUsagePrincipalArns' } as const;

/**
 * An attached remediation's settings as pack parameters; nothing (the document name unset) when it is not
 * attached. The principals are not among them: they live in the remediation function's environment, and the
 * document runs with the automation role it names itself.
 */
export function remediationPackParameters(
  settings: ResolvedRemediationSettings | undefined,
  remediation: { documentName: string; automationRoleArn: string },
): Record<string, string | undefined> {
  if (settings === undefined) return {};
  return {
    RemediationDocumentName: remediation.documentName,
    RemediationAutomationRoleArn: remediation.automationRoleArn,
    RemediationDryRun: String(settings.dryRun),
    RemediationAutomatic: String(settings.automatic),
    RemediationMaximumAutomaticAttempts: String(settings.maximumAutomaticAttempts),
    RemediationRetryAttemptSeconds: String(settings.retryAttemptSeconds),
  };
}

/** The context key (and prop name) of the setting that deploys KMS_KEY_POLICY_NO_PUBLIC_ACCESS with the pack. */
export const KMS_KEY_POLICY_NO_PUBLIC_ACCESS_SETTING = 'kmsKeyPolicyNoPublicAccessRule';

/**
 * The pack parameter for the AWS managed rule KMS_KEY_POLICY_NO_PUBLIC_ACCESS: unset keeps the pack's default
 * (deployed). In a Region where AWS Config lacks the rule, the pack would fail to deploy (in every account, for
 * an organisation pack), so there the setting must be given: false, or true once AWS offers the rule there.
 * `region` is the stack's; an unresolved one (an environment-agnostic stack) cannot be checked.
 */
export function managedRulePackParameters(
  kmsKeyPolicyNoPublicAccessRule: boolean | undefined,
  region: string,
  where: string,
): Record<string, string | undefined> {
  const missing = KMS_KEY_POLICY_NO_PUBLIC_ACCESS_MISSING_REGIONS.find((r) => r.region === region);
  if (kmsKeyPolicyNoPublicAccessRule === undefined && !Token.isUnresolved(region) && missing !== undefined) {
    throw new Error(
      `${where}: AWS Config does not offer the managed rule KMS_KEY_POLICY_NO_PUBLIC_ACCESS in ${region} (${missing.name}), ` +
        `so the conformance pack would fail to deploy there: set -c ${KMS_KEY_POLICY_NO_PUBLIC_ACCESS_SETTING}=false ` +
        '(or =true if AWS Config now offers it in this Region; conformance-pack/README.md lists the Regions)',
    );
  }
  return {
    [KMS_KEY_POLICY_NO_PUBLIC_ACCESS_PARAMETER]: kmsKeyPolicyNoPublicAccessRule === undefined ? undefined : String(kmsKeyPolicyNoPublicAccessRule),
  };
}
