import { Aws, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { accountOfArn, partitionOfArn } from '../../engine';
import { DEFAULT_DRY_RUN, REQUEST_FIELDS } from '../../remediation/parameters';
import { ADMINISTRATION_PRINCIPALS_ENV, BACKUP_PARAMETER_PREFIX, principalArnProblem, USE_PRINCIPALS_ENV } from '../../remediation/settings';
import { GuardFunction } from './guard-function';

/** The document parameter Config's remediation fills with the automation role (the only value it accepts). */
export const AUTOMATION_ASSUME_ROLE_PARAMETER = 'AutomationAssumeRole';
const DEFAULT_REMEDIATION_DOCUMENT_NAME = 'KmsPolicyGuard-RemediateKeyPolicy';

export interface KeyPolicyRemediationProps {
  /**
   * IAM role or user ARNs (of the stack's account) that receive the administration part of account-wide
   * grants. Fixed here, in the function's environment: no invocation can name other principals. The
   * function's own role is added, since KMS only accepts a policy its sender can still change.
   * @default - none: the function refuses every invocation until both lists are set
   */
  readonly adminPrincipalArns?: readonly string[];
  /**
   * IAM role or user ARNs (of the stack's account) that receive the use part of account-wide grants.
   * @default - none: the function refuses every invocation until both lists are set
   */
  readonly usagePrincipalArns?: readonly string[];
  /**
   * Names of the settings the principal lists come from, for error messages at synth.
   * @default - the construct props' names
   */
  readonly settingNames?: { readonly admin: string; readonly usage: string };
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

/** Refuse at synth, with the setting's name, what the function would refuse at every invocation. */
function checkPrincipalArns(scope: Construct, setting: string, arns: readonly string[]): void {
  const account = Stack.of(scope).account;
  // A token (AWS::Partition) unless the region is known and partition literals are enabled.
  const stackPartition = Stack.of(scope).partition;
  for (const arn of arns) {
    const problem = principalArnProblem(arn);
    if (problem !== undefined) throw new Error(`${setting}: ${problem}`);
    const partition = partitionOfArn(arn);
    if (!Token.isUnresolved(stackPartition) && partition !== stackPartition) {
      throw new Error(
        `${setting}: "${arn}" is of partition ${partition ?? '?'}, not the stack's partition ${stackPartition}; a key policy can only name principals of its own partition`,
      );
    }
    const owner = accountOfArn(arn);
    if (!Token.isUnresolved(account) && owner !== account) {
      throw new Error(`${setting}: "${arn}" belongs to account ${owner ?? '?'}, not to the stack's account ${account}; the remediation only names principals of the key's own account`);
    }
  }
}

/** The two principal lists, each checked (see checkPrincipalArns). */
interface DeployedPrincipals {
  readonly administration: readonly string[];
  readonly use: readonly string[];
}

/**
 * The principal lists when both are given, undefined when neither is (the remediation is deployed unused);
 * one list without the other fails the synth, naming the settings.
 */
function checkedPrincipals(scope: Construct, props: KeyPolicyRemediationProps): DeployedPrincipals | undefined {
  const names = props.settingNames ?? { admin: 'adminPrincipalArns', usage: 'usagePrincipalArns' };
  const administration = props.adminPrincipalArns ?? [];
  const use = props.usagePrincipalArns ?? [];
  checkPrincipalArns(scope, names.admin, administration);
  checkPrincipalArns(scope, names.usage, use);
  if ((administration.length === 0) !== (use.length === 0)) {
    throw new Error(
      `${administration.length === 0 ? names.admin : names.usage} is empty while ${administration.length === 0 ? names.usage : names.admin} is set: ` +
        'give both principal lists (or neither, to deploy the remediation unused)',
    );
  }
  return administration.length > 0 ? { administration, use } : undefined;
}

/** The function's role may read and replace key policies of its account, and write backups under BACKUP_PARAMETER_PREFIX. */
function grantKeyPolicyRewrite(role: iam.IRole): void {
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
      resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${BACKUP_PARAMETER_PREFIX}/*`],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
    reason:
      'The key to fix arrives as an Automation parameter (any non-compliant key of the account); the function refuses AWS ' +
      'managed keys, rewrites that would lock the key, and writes a backup first.',
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${BACKUP_PARAMETER_PREFIX}/*]`,
    reason: `Backups get a new name per key and time (${BACKUP_PARAMETER_PREFIX}/<keyId>/<timestamp>); the path is the narrowest prefix.`,
  });
}

/** The role SSM Automation assumes to run the document; it may only invoke the remediation function. */
function automationRoleFor(scope: Construct, fn: lambda.IFunction): iam.Role {
  const role = new iam.Role(scope, 'AutomationRole', {
    description: 'kms-policy-guard: assumed by SSM Automation to run the key policy remediation',
    assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com').withConditions({
      // Confused-deputy protection (https://docs.aws.amazon.com/systems-manager/latest/userguide/cross-service-confused-deputy-prevention.html).
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ssm:*:${Aws.ACCOUNT_ID}:automation-execution/*` },
    }),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'InvokeRemediationFunction',
      actions: ['lambda:InvokeFunction'],
      resources: [fn.functionArn],
    }),
  );
  // The function's resource policy names the automation role and nothing else: no service principal, no
  // account. A resource policy cannot hold a Deny, so an identity of this account whose own IAM policy
  // allows lambda:InvokeFunction on the function can still call it; the function then only applies the
  // deployed rewrite (docs/deployment.md, trust model).
  new lambda.CfnPermission(scope, 'AutomationInvoke', {
    action: 'lambda:InvokeFunction',
    functionName: fn.functionArn,
    principal: role.roleArn,
  });
  return role;
}

/**
 * The remediation: an SSM Automation document (schemaVersion 0.3) whose single step invokes the
 * remediation Lambda (remediation/handler.ts), the Lambda with a role that may only read and replace key
 * policies and write backups under BACKUP_PARAMETER_PREFIX, and the role Automation assumes to invoke it.
 */
export class KeyPolicyRemediation extends Construct {
  readonly guard: GuardFunction;
  readonly document: ssm.CfnDocument;
  /** The role the Automation document runs with (its AutomationAssumeRole accepts no other); it may only invoke the remediation function. */
  readonly automationRole: iam.Role;
  /**
   * For the people (or pipelines) who start the remediation by hand: start this document, read its
   * executions, and pass the automation role to SSM only. Attach it to their roles; nothing here attaches it.
   */
  readonly operatorPolicy: iam.ManagedPolicy;
  readonly documentName: string;
  /** Whether both principal lists were given (the function can rewrite policies). */
  readonly configured: boolean;

  constructor(scope: Construct, id: string, props: KeyPolicyRemediationProps = {}) {
    super(scope, id);
    this.documentName = props.documentName ?? DEFAULT_REMEDIATION_DOCUMENT_NAME;
    const principals = checkedPrincipals(this, props);
    this.configured = principals !== undefined;
    this.guard = new GuardFunction(this, 'Guard', {
      handler: 'remediation',
      description: 'kms-policy-guard: rewrites account-wide KMS key policy grants (dry run by default)',
      logRetention: props.logRetention,
      timeout: Duration.minutes(1),
    });
    if (principals !== undefined) this.deployPrincipals(principals);
    grantKeyPolicyRewrite(this.guard.role);
    this.automationRole = automationRoleFor(this, this.guard.function);
    this.document = new ssm.CfnDocument(this, 'Document', {
      name: this.documentName,
      documentType: 'Automation',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: this.documentContent(),
    });
    this.operatorPolicy = this.createOperatorPolicy();
  }

  get function() {
    return this.guard.function;
  }

  /**
   * The principals go into the function's environment, the one place it reads them from. The function's own
   * role joins the administrators: KMS accepts a new key policy only if the principal sending it could still
   * change it (PutKeyPolicy with BypassPolicyLockoutSafetyCheck false). Its IAM policy still limits it to
   * reading and replacing key policies.
   */
  private deployPrincipals(principals: DeployedPrincipals): void {
    this.guard.function.addEnvironment(ADMINISTRATION_PRINCIPALS_ENV, [...principals.administration, this.guard.role.roleArn].join(','));
    this.guard.function.addEnvironment(USE_PRINCIPALS_ENV, principals.use.join(','));
  }

  /** Start this document, read its executions, and pass the automation role to SSM only. */
  private createOperatorPolicy(): iam.ManagedPolicy {
    const documentArn = `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:automation-definition/${this.documentName}:*`;
    const policy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: 'kms-policy-guard: start the key policy remediation and pass its automation role to SSM only',
      statements: [
        new iam.PolicyStatement({
          sid: 'StartRemediation',
          actions: ['ssm:StartAutomationExecution'],
          resources: [documentArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadRemediationExecutions',
          actions: ['ssm:GetAutomationExecution'],
          resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:automation-execution/*`],
        }),
        // Passing the role is what lets a caller run the document with it; iam:PassedToService keeps the
        // role from being handed to any other service (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
        new iam.PolicyStatement({
          sid: 'PassAutomationRoleToSsm',
          actions: ['iam:PassRole'],
          resources: [this.automationRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
        }),
      ],
    });
    policy.node.addDependency(this.document);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-definition/${this.documentName}:*]`,
      reason: 'Every version of this one document ($DEFAULT, $LATEST or a number); the version is chosen when the execution starts.',
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-execution/*]',
      reason: 'Execution ids are generated at start; reading an execution shows its output (the diff), nothing else.',
    });
    return policy;
  }

  private documentContent(): Record<string, unknown> {
    // The payload carries the key and DryRun only (remediation/parameters.ts refuses anything else); who is
    // written into the policy is in the function's environment.
    const payload = `{${REQUEST_FIELDS.map((f) => `"${f}":"{{ ${f} }}"`).join(',')}}`;
    return {
      schemaVersion: '0.3',
      description:
        '# kms-policy-guard: rewrite account-wide KMS key policy grants\n\n' +
        'Replaces grants to the whole account (arn:aws:iam::<account>:root) by the administration and usage principals ' +
        'fixed when the remediation was deployed, keeps everything else, refuses rewrites that would leave nobody able to ' +
        `call kms:PutKeyPolicy, and backs the old policy up under ${BACKUP_PARAMETER_PREFIX}/<keyId>/ before writing. ` +
        '**DryRun defaults to true**: the output shows the diff and nothing is written.',
      // Config's automatic remediation runs a document only through an AutomationAssumeRole parameter
      // (https://docs.aws.amazon.com/config/latest/APIReference/API_PutRemediationConfigurations.html). Its
      // allowedValues hold the deployed automation role alone, and SSM checks them when an execution starts,
      // so a caller still cannot run the document with a role of their choosing.
      assumeRole: `{{ ${AUTOMATION_ASSUME_ROLE_PARAMETER} }}`,
      parameters: {
        [AUTOMATION_ASSUME_ROLE_PARAMETER]: {
          type: 'String',
          description: 'The role the document runs with. Only the automation role deployed with this document is accepted.',
          default: this.automationRole.roleArn,
          allowedValues: [this.automationRole.roleArn],
        },
        KeyId: {
          type: 'String',
          description: 'Key ID or key ARN of the KMS key to fix (Config passes the resource ID).',
          allowedPattern: '^[A-Za-z0-9:/_-]{1,2048}$',
        },
        DryRun: {
          type: 'String',
          description: 'true: return the diff and write nothing. false: back up the old policy, then apply the new one.',
          default: String(DEFAULT_DRY_RUN),
          allowedValues: ['true', 'false'],
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
