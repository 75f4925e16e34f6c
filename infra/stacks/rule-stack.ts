import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import type { Construct } from 'constructs';
import { AUTOMATION_ASSUME_ROLE_PARAMETER, KeyPolicyRemediation } from '../constructs/key-policy-remediation';
import { KmsKeyPolicyRule, type KmsKeyPolicyRuleProps } from '../constructs/kms-key-policy-rule';
import { REMEDIATION_PRINCIPAL_SETTINGS, resolveRemediationSettings, type RemediationSettings } from '../settings';

export interface KmsPolicyGuardRuleStackProps extends StackProps {
  /**
   * Rule parameters, schedule and function settings.
   * @default - the rule's defaults
   */
  readonly rule?: KmsKeyPolicyRuleProps;
  /**
   * Remediation settings; the remediation is attached to the rule only when both principal lists are set.
   * @default - remediation deployed, not attached
   */
  readonly remediation?: RemediationSettings;
}

/** Single account: the custom rule, its function, and the key policy remediation. */
export class KmsPolicyGuardRuleStack extends Stack {
  readonly rule: KmsKeyPolicyRule;
  readonly remediation: KeyPolicyRemediation;
  readonly remediationConfiguration?: config.CfnRemediationConfiguration;

  constructor(scope: Construct, id: string, props: KmsPolicyGuardRuleStackProps = {}) {
    super(scope, id, {
      description: 'kms-policy-guard: AWS Config rule for dangerous KMS key policies (single account)',
      ...props,
    });
    this.rule = new KmsKeyPolicyRule(this, 'KeyPolicyRule', props.rule);
    const settings = props.remediation;
    this.remediation = new KeyPolicyRemediation(this, 'Remediation', {
      adminPrincipalArns: settings?.adminPrincipalArns,
      usagePrincipalArns: settings?.usagePrincipalArns,
      settingNames: REMEDIATION_PRINCIPAL_SETTINGS,
    });

    const resolved = resolveRemediationSettings(settings);
    if (resolved !== undefined) {
      this.remediationConfiguration = new config.CfnRemediationConfiguration(this, 'RemediationConfiguration', {
        configRuleName: this.rule.rule.configRuleName,
        resourceType: 'AWS::KMS::Key',
        targetType: 'SSM_DOCUMENT',
        targetId: this.remediation.document.ref,
        parameters: {
          // The principals are fixed in the function. Automatic remediation needs AutomationAssumeRole; the
          // document accepts only this role for it.
          KeyId: { ResourceValue: { Value: 'RESOURCE_ID' } },
          DryRun: { StaticValue: { Values: [String(resolved.dryRun)] } },
          [AUTOMATION_ASSUME_ROLE_PARAMETER]: { StaticValue: { Values: [this.remediation.automationRole.roleArn] } },
        },
        automatic: resolved.automatic,
        maximumAutomaticAttempts: resolved.maximumAutomaticAttempts,
        retryAttemptSeconds: resolved.retryAttemptSeconds,
        executionControls: { ssmControls: { concurrentExecutionRatePercentage: 10, errorPercentage: 10 } },
      });
      this.remediationConfiguration.node.addDependency(this.rule.rule);
    }

    new CfnOutput(this, 'ConfigRuleName', { value: this.rule.rule.configRuleName });
    new CfnOutput(this, 'RemediationDocumentName', { value: this.remediation.document.ref });
    new CfnOutput(this, 'AutomationRoleArn', { value: this.remediation.automationRole.roleArn });
    new CfnOutput(this, 'RemediationOperatorPolicyArn', { value: this.remediation.operatorPolicy.managedPolicyArn });
    if (this.rule.ruleFunction.guard.failureQueue !== undefined) {
      new CfnOutput(this, 'FailedInvocationsQueueUrl', { value: this.rule.ruleFunction.guard.failureQueue.queueUrl });
    }
  }
}
