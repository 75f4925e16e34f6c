/**
 * Settings shared by the stacks, and their translation into conformance pack parameters.
 */
import type * as config from 'aws-cdk-lib/aws-config';
import { toInputParameters, type KmsPolicyGuardRuleParameters } from './rule-parameters';

/** How Config attaches the key policy remediation to the rule. */
export interface RemediationSettings {
  /**
   * IAM role or user ARNs that receive the administration part of account-wide grants. Without both
   * principal lists the remediation is deployed (usable with `aws ssm start-automation-execution`) but not
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

/** Rule parameters and schedule as pack parameters (names are identical to the rule's). */
export function rulePackParameters(
  params: KmsPolicyGuardRuleParameters,
  frequency: config.MaximumExecutionFrequency | undefined,
): Record<string, string | undefined> {
  return { ...toInputParameters(params), KmsPolicyGuardMaximumExecutionFrequency: frequency };
}

/** Remediation settings as pack parameters; the document name stays unset unless the remediation is attached. */
export function remediationPackParameters(
  settings: RemediationSettings | undefined,
  remediation: { documentName: string; automationRoleArn: string } | undefined,
): Record<string, string | undefined> {
  if (remediation === undefined || settings === undefined || !remediationAttached(settings)) return {};
  return {
    RemediationDocumentName: remediation.documentName,
    RemediationAutomationAssumeRoleArn: remediation.automationRoleArn,
    RemediationAdminPrincipalArns: settings.adminPrincipalArns?.join(','),
    RemediationUsagePrincipalArns: settings.usagePrincipalArns?.join(','),
    RemediationDryRun: String(settings.dryRun ?? true),
    RemediationAutomatic: String(settings.automatic ?? false),
    RemediationMaximumAutomaticAttempts: String(settings.maximumAutomaticAttempts ?? 3),
    RemediationRetryAttemptSeconds: String(settings.retryAttemptSeconds ?? 600),
  };
}
