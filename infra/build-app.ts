import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppSettings } from './context';
import { KmsPolicyGuardConformancePackStack } from './stacks/conformance-pack-stack';
import { KmsPolicyGuardOrganizationStack } from './stacks/organization-stack';
import { KmsPolicyGuardRuleStack } from './stacks/rule-stack';

export interface KmsPolicyGuardApp {
  readonly ruleStack: KmsPolicyGuardRuleStack;
  readonly conformancePackStack: KmsPolicyGuardConformancePackStack;
  readonly organizationStack: KmsPolicyGuardOrganizationStack;
}

/** The three stacks, configured from the app's context, with cdk-nag AwsSolutions checks. */
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
  });
  const organizationStack = new KmsPolicyGuardOrganizationStack(app, 'KmsPolicyGuardOrganization', {
    env,
    ruleParameters: settings.ruleParameters,
    maximumExecutionFrequency: settings.maximumExecutionFrequency,
    executionRoleName: settings.executionRoleName,
    organizationId: settings.organizationId,
    memberAccountIds: settings.memberAccountIds,
    excludedAccountIds: settings.excludedAccountIds,
    stackSetCallAs: settings.stackSetCallAs,
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { ruleStack, conformancePackStack, organizationStack };
}
