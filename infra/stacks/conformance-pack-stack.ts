import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { loadConformancePackTemplate, packInputParameters } from '../conformance-pack';
import { KeyPolicyRemediation } from '../constructs/key-policy-remediation';
import { KmsKeyPolicyRuleFunction } from '../constructs/kms-key-policy-rule';
import type { KmsPolicyGuardRuleParameters } from '../rule-parameters';
import { managedRulePackParameters, REMEDIATION_PRINCIPAL_SETTINGS, remediationPackParameters, resolveRemediationSettings, rulePackParameters, type RemediationSettings } from '../settings';

export interface KmsPolicyGuardConformancePackStackProps extends StackProps {
  /**
   * Rule parameters, passed to the pack.
   * @default - the rule's defaults
   */
  readonly ruleParameters?: Omit<KmsPolicyGuardRuleParameters, 'executionRoleName'>;
  /**
   * How often the periodic sweep runs.
   * @default - the pack's default, TwentyFour_Hours
   */
  readonly maximumExecutionFrequency?: config.MaximumExecutionFrequency;
  /**
   * Remediation settings; attached to the pack's rule only when both principal lists are set.
   * @default - remediation deployed, not attached
   */
  readonly remediation?: RemediationSettings;
  /**
   * Deploy AWS's managed rule KMS_KEY_POLICY_NO_PUBLIC_ACCESS with the pack. AWS Config lacks it in some
   * Regions (conformance-pack/README.md): there the synth fails until this is set, to false.
   * @default true (in a Region known to lack the rule: must be given)
   */
  readonly kmsKeyPolicyNoPublicAccessRule?: boolean;
  /**
   * Name of the conformance pack.
   * @default 'kms-policy-guard'
   */
  readonly conformancePackName?: string;
  /**
   * Log retention of the functions' log groups.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Single account, as a conformance pack: the rule function plus the pack read from conformance-pack/. */
export class KmsPolicyGuardConformancePackStack extends Stack {
  readonly ruleFunction: KmsKeyPolicyRuleFunction;
  readonly remediation: KeyPolicyRemediation;
  readonly conformancePack: config.CfnConformancePack;

  constructor(scope: Construct, id: string, props: KmsPolicyGuardConformancePackStackProps = {}) {
    super(scope, id, {
      description: 'kms-policy-guard: conformance pack with the key policy rule, KMS_KEY_POLICY_NO_PUBLIC_ACCESS and the CIS encryption checks',
      ...props,
    });
    this.ruleFunction = new KmsKeyPolicyRuleFunction(this, 'RuleFunction', { logRetention: props.logRetention });
    this.ruleFunction.grantAccountRulesCompliance(this.ruleFunction, 'PackRuleCompliancePolicy');
    this.remediation = new KeyPolicyRemediation(this, 'Remediation', {
      logRetention: props.logRetention,
      adminPrincipalArns: props.remediation?.adminPrincipalArns,
      usagePrincipalArns: props.remediation?.usagePrincipalArns,
      settingNames: REMEDIATION_PRINCIPAL_SETTINGS,
    });

    // The pack's CUSTOM_LAMBDA rule is invoked by Config in this account.
    const invokePermission = new lambda.CfnPermission(this, 'ConfigInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: this.ruleFunction.function.functionArn,
      principal: 'config.amazonaws.com',
      sourceAccount: this.account,
    });

    const template = loadConformancePackTemplate();
    this.conformancePack = new config.CfnConformancePack(this, 'ConformancePack', {
      conformancePackName: props.conformancePackName ?? 'kms-policy-guard',
      templateBody: template.body,
      conformancePackInputParameters: packInputParameters(template, {
        KmsPolicyGuardFunctionArn: this.ruleFunction.function.functionArn,
        ...rulePackParameters(props.ruleParameters ?? {}, props.maximumExecutionFrequency, this.node.path),
        ...managedRulePackParameters(props.kmsKeyPolicyNoPublicAccessRule, this.region, this.node.path),
        ...remediationPackParameters(resolveRemediationSettings(props.remediation), {
          documentName: this.remediation.document.ref,
          automationRoleArn: this.remediation.automationRole.roleArn,
        }),
      }),
    });
    this.conformancePack.node.addDependency(invokePermission, this.ruleFunction, this.remediation);

    new CfnOutput(this, 'ConformancePackName', { value: this.conformancePack.ref });
    new CfnOutput(this, 'RuleFunctionArn', { value: this.ruleFunction.function.functionArn });
    new CfnOutput(this, 'RemediationDocumentName', { value: this.remediation.document.ref });
    new CfnOutput(this, 'AutomationRoleArn', { value: this.remediation.automationRole.roleArn });
    new CfnOutput(this, 'RemediationOperatorPolicyArn', { value: this.remediation.operatorPolicy.managedPolicyArn });
  }
}
