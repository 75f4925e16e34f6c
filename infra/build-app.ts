import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppSettings, type AppSettings } from './context';
import type { KmsKeyPolicyHookSettings } from './constructs/key-policy-hook';
import { KmsPolicyGuardConformancePackStack } from './stacks/conformance-pack-stack';
import { KmsPolicyGuardHookStack } from './stacks/hook-stack';
import { KmsPolicyGuardOrganizationStack } from './stacks/organization-stack';
import { KmsPolicyGuardRuleStack } from './stacks/rule-stack';

export interface KmsPolicyGuardApp {
  readonly ruleStack: KmsPolicyGuardRuleStack;
  readonly conformancePackStack: KmsPolicyGuardConformancePackStack;
  /** Only with `memberAccountIds`: without them no member account's Config could invoke the central function. */
  readonly organizationStack?: KmsPolicyGuardOrganizationStack;
  /** Only with `-c hook=true`: the CloudFormation hook in the deployment's account and Region. */
  readonly hookStack?: KmsPolicyGuardHookStack;
}

/** Settings that only the organisation stack reads, by context key. */
const ORGANIZATION_SETTINGS = ['executionRoleName', 'organizationId', 'excludedAccountIds', 'stackSetCallAs', 'organizationHook'] as const;

/**
 * The organisation stack is built only once its member accounts are known. Its other settings without them
 * mean someone is setting it up and forgot the accounts: that fails the synth rather than leaving the stack out.
 */
function organizationStackWanted(settings: AppSettings): boolean {
  if (settings.memberAccountIds.length > 0) return true;
  const given = ORGANIZATION_SETTINGS.filter((key) => {
    const value = settings[key];
    return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
  });
  if (given.length > 0) {
    throw new Error(
      `${given.join(', ')} given without memberAccountIds: the organisation stack (KmsPolicyGuardOrganization) is built only with ` +
        'the accounts whose Config may invoke the central function; add -c memberAccountIds=111111111111,222222222222',
    );
  }
  return false;
}

/** The rule parameters the hook judges by (the others concern reading keys from KMS, which the hook never does). */
function hookSettings(settings: AppSettings): KmsKeyPolicyHookSettings {
  const { trustedAccountIds, trustedOrgIds, minimumSeverity, disabledChecks, exemptionTagKey, nonSuppressibleChecks } = settings.ruleParameters;
  return { trustedAccountIds, trustedOrgIds, minimumSeverity, disabledChecks, exemptionTagKey, nonSuppressibleChecks };
}

/** hookFailureMode alone would do nothing: it fails the synth, as the other settings given without their stack. */
function hookWanted(settings: AppSettings): boolean {
  const wanted = settings.hook === true || settings.organizationHook === true;
  if (!wanted && settings.hookFailureMode !== undefined) {
    throw new Error('hookFailureMode given without hook=true or organizationHook=true: no hook would be built; add -c hook=true');
  }
  return settings.hook === true;
}

/**
 * The stacks, configured from the app's context, with cdk-nag AwsSolutions checks: the single-account rule and
 * conformance pack stacks always, the organisation stack once `memberAccountIds` is set.
 */
export function buildApp(app: App): KmsPolicyGuardApp {
  const settings = readAppSettings(app.node);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

  const ruleStack = new KmsPolicyGuardRuleStack(app, 'KmsPolicyGuardRule', {
    env,
    rule: { ...settings.ruleParameters, maximumExecutionFrequency: settings.maximumExecutionFrequency },
    remediation: settings.remediation,
  });
  const conformancePackStack = new KmsPolicyGuardConformancePackStack(app, 'KmsPolicyGuardConformancePack', {
    env,
    ruleParameters: settings.ruleParameters,
    maximumExecutionFrequency: settings.maximumExecutionFrequency,
    remediation: settings.remediation,
    kmsKeyPolicyNoPublicAccessRule: settings.kmsKeyPolicyNoPublicAccessRule,
  });
  const organizationStack = organizationStackWanted(settings)
    ? new KmsPolicyGuardOrganizationStack(app, 'KmsPolicyGuardOrganization', {
        env,
        ruleParameters: settings.ruleParameters,
        maximumExecutionFrequency: settings.maximumExecutionFrequency,
        executionRoleName: settings.executionRoleName,
        organizationId: settings.organizationId,
        memberAccountIds: settings.memberAccountIds,
        excludedAccountIds: settings.excludedAccountIds,
        stackSetCallAs: settings.stackSetCallAs,
        kmsKeyPolicyNoPublicAccessRule: settings.kmsKeyPolicyNoPublicAccessRule,
        ...(settings.organizationHook === true ? { hook: { ...hookSettings(settings), failureMode: settings.hookFailureMode } } : {}),
      })
    : undefined;
  const hookStack = hookWanted(settings)
    ? new KmsPolicyGuardHookStack(app, 'KmsPolicyGuardHook', { env, hook: { ...hookSettings(settings), failureMode: settings.hookFailureMode } })
    : undefined;

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { ruleStack, conformancePackStack, organizationStack, hookStack };
}
