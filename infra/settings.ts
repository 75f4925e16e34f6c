/**
 * Settings shared by the stacks, and their translation into conformance pack parameters.
 */
import type * as config from 'aws-cdk-lib/aws-config';
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
   * IAM role or user ARNs that receive the usage part of account-wide grants.
   * @default - not attached
   */
  readonly usagePrincipalArns?: readonly string[];
  /**
   * Run the remediation automatically on NON_COMPLIANT keys.
   * @default false (manual: someone presses "Remediate" in the Config console)
   */
  readonly automatic?: boolean;
  /**
   * Automatic attempts per key within `retryAttemptSeconds`.
   * @default 3
   */
  readonly maximumAutomaticAttempts?: number;
  /**
   * Window for `maximumAutomaticAttempts`, in seconds.
   * @default 600
   */
  readonly retryAttemptSeconds?: number;
  /**
   * Pass DryRun=true from Config, so remediation only reports the diff. Set false to let Config rewrite policies.
   * @default true
   */
  readonly dryRun?: boolean;
}

/** Whether the remediation has what it needs to be attached to the rule. */
export function remediationAttached(settings: RemediationSettings | undefined): boolean {
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
 * Remediation settings as pack parameters; the document name stays unset unless the remediation is attached.
 * The principals are not among them: they live in the remediation function's environment, and the document
 * runs with the automation role it names itself.
 */
export function remediationPackParameters(
  settings: RemediationSettings | undefined,
  remediation: { documentName: string; automationRoleArn: string } | undefined,
): Record<string, string | undefined> {
  if (remediation === undefined || settings === undefined || !remediationAttached(settings)) return {};
  return {
    RemediationDocumentName: remediation.documentName,
    RemediationAutomationRoleArn: remediation.automationRoleArn,
    RemediationDryRun: String(settings.dryRun ?? true),
    RemediationAutomatic: String(settings.automatic ?? false),
    RemediationMaximumAutomaticAttempts: String(settings.maximumAutomaticAttempts ?? 3),
    RemediationRetryAttemptSeconds: String(settings.retryAttemptSeconds ?? 600),
  };
}
