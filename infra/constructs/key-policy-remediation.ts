import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { GuardFunction } from './guard-function';

export const DEFAULT_REMEDIATION_DOCUMENT_NAME = 'KmsPolicyGuard-RemediateKeyPolicy';
/** Backups of replaced key policies live under this SSM parameter path (see remediation/handler.ts). */
export const BACKUP_PARAMETER_PATH = '/kms-policy-guard/backup';

export interface KeyPolicyRemediationProps {
  /**
   * Name of the SSM Automation document.
   * @default 'KmsPolicyGuard-RemediateKeyPolicy'
   */
  readonly documentName?: string;
  /**
   * Log retention of the remediation function's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Principal lists are interpolated into the Lambda payload: no quote, brace or backslash may get through. */
const PRINCIPAL_LIST_PATTERN = '^[A-Za-z0-9:/_+=,.@\\- ]*$';

/**
 * The remediation: an SSM Automation document (schemaVersion 0.3) whose single step invokes the
 * remediation Lambda (remediation/handler.ts), the Lambda with a role that may only read and replace key
 * policies and write backups under /kms-policy-guard/backup/, and the role Automation assumes to invoke it.
 */
export class KeyPolicyRemediation extends Construct {
  readonly guard: GuardFunction;
  readonly document: ssm.CfnDocument;
  /** Role passed as AutomationAssumeRole; it may only invoke the remediation function. */
  readonly automationRole: iam.Role;
  readonly documentName: string;

  constructor(scope: Construct, id: string, props: KeyPolicyRemediationProps = {}) {
    super(scope, id);
    this.documentName = props.documentName ?? DEFAULT_REMEDIATION_DOCUMENT_NAME;

    this.guard = new GuardFunction(this, 'Guard', {
      entry: 'remediation/handler.ts',
      description: 'kms-policy-guard: rewrites account-wide KMS key policy grants (dry run by default)',
      logRetention: props.logRetention,
      timeout: Duration.minutes(1),
    });
    const role = this.guard.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAndReplaceKeyPolicies',
        actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'],
        resources: [`arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteKeyPolicyBackups',
        actions: ['ssm:PutParameter'],
        resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${BACKUP_PARAMETER_PATH}/*`],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      reason:
        'The key to fix arrives as an Automation parameter (any non-compliant key of the account); the function refuses AWS ' +
        'managed keys, rewrites that would lock the key, and writes a backup first.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/kms-policy-guard/backup/*]',
      reason: 'Backups get a new name per key and time (/kms-policy-guard/backup/<keyId>/<timestamp>); the path is the narrowest prefix.',
    });

    this.automationRole = new iam.Role(this, 'AutomationRole', {
      description: 'kms-policy-guard: assumed by SSM Automation to run the key policy remediation',
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com').withConditions({
        // Confused-deputy protection (https://docs.aws.amazon.com/systems-manager/latest/userguide/cross-service-confused-deputy-prevention.html).
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ssm:*:${Aws.ACCOUNT_ID}:automation-execution/*` },
      }),
    });
    this.automationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeRemediationFunction',
        actions: ['lambda:InvokeFunction'],
        resources: [this.guard.function.functionArn],
      }),
    );

    this.document = new ssm.CfnDocument(this, 'Document', {
      name: this.documentName,
      documentType: 'Automation',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: this.documentContent(),
    });
  }

  get function() {
    return this.guard.function;
  }

  private documentContent(): Record<string, unknown> {
    // The function's own role joins the administrators: KMS accepts a new key policy only if the principal
    // sending it could still change it (PutKeyPolicy with BypassPolicyLockoutSafetyCheck false). Its IAM
    // policy still limits it to reading and replacing key policies.
    const payload =
      `{"KeyId":"{{ KeyId }}","AdminPrincipalArns":"{{ AdminPrincipalArns }},${this.guard.role.roleArn}",` +
      '"UsagePrincipalArns":"{{ UsagePrincipalArns }}","DryRun":"{{ DryRun }}"}';
    return {
      schemaVersion: '0.3',
      description:
        '# kms-policy-guard: rewrite account-wide KMS key policy grants\n\n' +
        'Replaces grants to the whole account (arn:aws:iam::<account>:root) by the named administration and usage ' +
        'principals, keeps everything else, refuses rewrites that would leave nobody able to call kms:PutKeyPolicy, and backs ' +
        `the old policy up under ${BACKUP_PARAMETER_PATH}/<keyId>/ before writing. **DryRun defaults to true**: the output ` +
        'shows the diff and nothing is written.',
      assumeRole: '{{ AutomationAssumeRole }}',
      parameters: {
        KeyId: {
          type: 'String',
          description: 'Key ID or key ARN of the KMS key to fix (Config passes the resource ID).',
          allowedPattern: '^[A-Za-z0-9:/_-]{1,2048}$',
        },
        AdminPrincipalArns: {
          type: 'String',
          description:
            'Comma-separated IAM role or user ARNs that receive the administration part of account-wide grants. The remediation ' +
            "function's own role is added to them, since KMS only accepts a policy its sender can still change.",
          allowedPattern: PRINCIPAL_LIST_PATTERN,
        },
        UsagePrincipalArns: {
          type: 'String',
          description: 'Comma-separated IAM role or user ARNs that receive the usage (cryptographic) part of account-wide grants.',
          allowedPattern: PRINCIPAL_LIST_PATTERN,
        },
        DryRun: {
          type: 'String',
          description: 'true: return the diff and write nothing. false: back up the old policy, then apply the new one.',
          default: 'true',
          allowedValues: ['true', 'false'],
        },
        AutomationAssumeRole: {
          type: 'String',
          description: 'ARN of the role Automation assumes (the stack output AutomationRoleArn).',
          default: '',
          allowedPattern: '^$|^arn:aws[a-z0-9-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
        },
      },
      mainSteps: [
        {
          name: 'RewriteKeyPolicy',
          action: 'aws:invokeLambdaFunction',
          onFailure: 'Abort',
          isEnd: true,
          inputs: {
            FunctionName: this.guard.function.functionArn,
            InvocationType: 'RequestResponse',
            Payload: payload,
          },
        },
      ],
      // aws:invokeLambdaFunction exposes the function's response as its Payload output.
      outputs: ['RewriteKeyPolicy.Payload'],
    };
  }
}
