import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KmsKeyPolicyHook, type KmsKeyPolicyHookProps } from '../constructs/key-policy-hook';

export interface KmsPolicyGuardHookStackProps extends StackProps {
  /**
   * The hook's settings, failure mode and alias.
   * @default - the hook's defaults: FAIL, every check at or above low, no exemption tag
   */
  readonly hook?: KmsKeyPolicyHookProps;
}

/**
 * The CloudFormation Lambda hook in one account and Region: every later stack operation there that creates or
 * updates a KMS key has its key policy judged first. Deploy it once per account and Region to be protected.
 */
export class KmsPolicyGuardHookStack extends Stack {
  readonly hook: KmsKeyPolicyHook;

  constructor(scope: Construct, id: string, props: KmsPolicyGuardHookStackProps = {}) {
    super(scope, id, {
      description: 'kms-policy-guard: CloudFormation hook that judges KMS key policies before provisioning (one account and Region)',
      ...props,
    });
    this.hook = new KmsKeyPolicyHook(this, 'KeyPolicyHook', props.hook);
    new CfnOutput(this, 'HookArn', { value: this.hook.hook.attrHookArn });
    new CfnOutput(this, 'HookFunctionArn', { value: this.hook.hookFunction.guard.function.functionArn });
  }
}
