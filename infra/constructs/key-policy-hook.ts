/**
 * The CloudFormation Lambda hook (hook/handler.ts) as constructs: the function, the role CloudFormation Hooks
 * assume to invoke it, and the `AWS::CloudFormation::LambdaHook` that activates it. A hook acts in the account
 * and Region it is deployed in only: deploy one per account and Region, or use the organisation stack's hook
 * StackSet (`KmsPolicyGuardOrganizationStack` prop `hook`).
 */
import { Aws, Duration, Token } from 'aws-cdk-lib';
import * as cfn from 'aws-cdk-lib/aws-cloudformation';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CheckId, Severity } from '../../engine';
import { ruleInputParameters } from '../rule-parameters';
import { GuardFunction } from './guard-function';

/** The hook's alias (type name) unless one is given. */
export const DEFAULT_HOOK_ALIAS = 'KmsPolicyGuard::KeyPolicy::Hook';

/** The resource types the hook judges; hook/judge.ts answers SUCCESS for any other. */
export const HOOK_TARGET_TYPES = ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'] as const;

/**
 * An alias: three parts of 2 to 64 letters or digits joined by `::`, not beginning with "AWS" in any case
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-lambdahook.html).
 */
const ALIAS = /^(?!aws)[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$/i;
/** A stack name pattern of StackFilters (the wildcards `*` and `?` allowed). */
const STACK_NAME_FILTER = /^[a-zA-Z*?][-a-zA-Z0-9*?]{0,127}$/;

/** What the hook judges by; the same settings, parsed by the same spec, as the Config rule's parameters. */
export interface KmsKeyPolicyHookSettings {
  /**
   * Accounts trusted to use the keys: principals from them raise no UNTRUSTED_CROSS_ACCOUNT finding.
   * @default - no trusted account
   */
  readonly trustedAccountIds?: readonly string[];
  /**
   * Organisations (`o-…`) whose principals are trusted.
   * @default - no trusted organisation
   */
  readonly trustedOrgIds?: readonly string[];
  /**
   * Findings below this severity do not fail the operation.
   * @default 'low'
   */
  readonly minimumSeverity?: Severity;
  /**
   * Checks to ignore (INVALID_POLICY cannot be disabled).
   * @default - every check runs
   */
  readonly disabledChecks?: readonly CheckId[];
  /**
   * Tag key whose non-empty value on a key (its `Tags` property in the template) accepts the key's findings,
   * the value being the reason; the operation then succeeds and says so.
   * @default - findings cannot be accepted: every finding fails the operation
   */
  readonly exemptionTagKey?: string;
  /**
   * Checks the exemption tag can never accept. An empty list lets the tag accept every check.
   * @default ['PUBLIC_ACCESS'] (suppress/ DEFAULT_NON_SUPPRESSIBLE_CHECKS)
   */
  readonly nonSuppressibleChecks?: readonly CheckId[];
}

/** The hook's settings as the function's environment variables (named as the rule's parameters), each checked by the spec; throws `<where>: …`. */
export function hookEnvironment(settings: KmsKeyPolicyHookSettings, where: string): Record<string, string> {
  return { ...ruleInputParameters(settings, where) };
}

/** Checks an alias at synth; returns it. */
export function checkHookAlias(alias: string, where: string): string {
  if (!Token.isUnresolved(alias) && !ALIAS.test(alias)) {
    throw new Error(`${where}: alias "${alias}" is not a hook type name: three parts of 2 to 64 letters or digits joined by "::", not beginning with AWS (e.g. ${DEFAULT_HOOK_ALIAS})`);
  }
  return alias;
}

/** The hook's targets: creation and update of every judged type, before provisioning. */
export function hookTargets(): cfn.CfnLambdaHook.HookTargetProperty[] {
  // TargetFilters takes either Actions/InvocationPoints/TargetNames or Targets (one of the two, per the resource
  // schema); the typed L1 requires Targets, which spells out each type and action.
  return HOOK_TARGET_TYPES.flatMap((targetName) => ['CREATE', 'UPDATE'].map((action) => ({ targetName, action, invocationPoint: 'PRE_PROVISION' })));
}

/**
 * The conditions of the execution role's trust policy (confused-deputy protection): only a hook of this account,
 * and only this alias's hook type. A hook's type ARN is `arn:<partition>:cloudformation:<region>:<account>:type/hook/<alias
 * with "::" as "-">`, the form the Hooks user guide gives for `aws:SourceArn` in a hook execution role's trust policy
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/registry-public.html, "Trust relationship"); the
 * second pattern also admits a version suffix.
 */
export function hookTrustConditions(alias: string, parts: { partition: string; region: string; account: string }): Record<string, Record<string, unknown>> {
  const typeArn = `arn:${parts.partition}:cloudformation:${parts.region}:${parts.account}:type/hook/${alias.split('::').join('-')}`;
  return { StringEquals: { 'aws:SourceAccount': parts.account }, ArnLike: { 'aws:SourceArn': [typeArn, `${typeArn}/*`] } };
}

export interface KmsKeyPolicyHookFunctionProps extends KmsKeyPolicyHookSettings {
  /**
   * Log retention of the function's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The hook's function alone: judges the request it is given, makes no AWS call, and so holds no permission but
 * its logs. Used by `KmsKeyPolicyHook`, and by the organisation stack, whose member accounts' hooks invoke it.
 */
export class KmsKeyPolicyHookFunction extends Construct {
  readonly guard: GuardFunction;

  constructor(scope: Construct, id: string, props: KmsKeyPolicyHookFunctionProps = {}) {
    super(scope, id);
    const { logRetention, ...settings } = props;
    const environment = hookEnvironment(settings, this.node.path);
    this.guard = new GuardFunction(this, 'Guard', {
      handler: 'hook',
      description: 'kms-policy-guard: CloudFormation hook judging KMS key policies before provisioning',
      logRetention,
      // CloudFormation waits up to 30 s for a Lambda hook; judging one policy takes milliseconds.
      timeout: Duration.seconds(20),
    });
    for (const [name, value] of Object.entries(environment)) this.guard.function.addEnvironment(name, value);
  }
}

export interface KmsKeyPolicyHookProps extends KmsKeyPolicyHookFunctionProps {
  /**
   * FAIL stops a create or update whose key policy fails; WARN lets it proceed and reports the failure in the
   * stack events only.
   * @default 'FAIL'
   */
  readonly failureMode?: 'FAIL' | 'WARN';
  /**
   * The hook's type name in this account and Region (`Name1::Name2::Name3`, not beginning with AWS).
   * @default 'KmsPolicyGuard::KeyPolicy::Hook'
   */
  readonly alias?: string;
  /**
   * Whether the hook runs. A disabled hook judges nothing.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Also judge keys created or updated through the Cloud Control API (CLOUD_CONTROL target operations).
   * @default false - CloudFormation stack operations only
   */
  readonly includeCloudControl?: boolean;
  /**
   * Further stack names (wildcards `*` and `?` allowed) the hook never judges. The stack that holds the hook is
   * always excluded, so a broken hook can never block its own repair or removal.
   * @default - only the hook's own stack
   */
  readonly excludedStackNames?: readonly string[];
}

/**
 * A CloudFormation Lambda hook that judges the key policy of every AWS::KMS::Key and AWS::KMS::ReplicaKey before
 * CloudFormation creates or updates it, and stops the operation (FailureMode FAIL) when the policy fails a check.
 * Per account and Region: the hook sees only the stacks of the account and Region it is deployed in. It cannot
 * see KMS API calls made outside CloudFormation (see docs/hook.md for the organisation policies that close them).
 */
export class KmsKeyPolicyHook extends Construct {
  readonly hookFunction: KmsKeyPolicyHookFunction;
  /** The role CloudFormation Hooks assume to invoke the function. */
  readonly executionRole: iam.Role;
  readonly hook: cfn.CfnLambdaHook;

  constructor(scope: Construct, id: string, props: KmsKeyPolicyHookProps = {}) {
    super(scope, id);
    const { failureMode, alias: givenAlias, enabled, includeCloudControl, excludedStackNames, ...functionProps } = props;
    const alias = checkHookAlias(givenAlias ?? DEFAULT_HOOK_ALIAS, this.node.path);
    const excluded = checkStackNames(excludedStackNames ?? [], this.node.path);
    this.hookFunction = new KmsKeyPolicyHookFunction(this, 'Function', functionProps);
    const fn = this.hookFunction.guard.function;

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      description: 'kms-policy-guard: assumed by CloudFormation Hooks to invoke the key policy hook function',
      assumedBy: new iam.ServicePrincipal('hooks.cloudformation.amazonaws.com').withConditions(
        hookTrustConditions(alias, { partition: Aws.PARTITION, region: Aws.REGION, account: Aws.ACCOUNT_ID }),
      ),
      inlinePolicies: {
        InvokeHookFunction: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ sid: 'InvokeHookFunction', actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] })],
        }),
      },
    });

    this.hook = new cfn.CfnLambdaHook(this, 'Hook', {
      alias,
      lambdaFunction: fn.functionArn,
      executionRole: this.executionRole.roleArn,
      failureMode: failureMode ?? 'FAIL',
      hookStatus: enabled === false ? 'DISABLED' : 'ENABLED',
      targetOperations: includeCloudControl === true ? ['RESOURCE', 'CLOUD_CONTROL'] : ['RESOURCE'],
      targetFilters: { targets: hookTargets() },
      stackFilters: { filteringCriteria: 'ALL', stackNames: { exclude: [Aws.STACK_NAME, ...excluded] } },
    });
    // The hook is usable only once its function exists and its role may invoke it.
    this.hook.node.addDependency(this.hookFunction, this.executionRole);
  }
}

function checkStackNames(names: readonly string[], where: string): string[] {
  const bad = names.filter((n) => !Token.isUnresolved(n) && !STACK_NAME_FILTER.test(n));
  if (bad.length > 0) throw new Error(`${where}: excludedStackNames: ${bad.map((n) => `"${n}"`).join(', ')} not stack names (letters, digits, "-", wildcards * and ?; 1-128 characters, a letter or wildcard first)`);
  // StackFilters allows at most 50 names, the hook's own stack among them.
  if (names.length > 49) throw new Error(`${where}: excludedStackNames: ${names.length} names; a hook excludes at most 49 besides its own stack`);
  return [...names];
}

/** What a member account's hook is configured with, in the organisation StackSet template. */
export interface HookMemberTemplateOptions {
  readonly alias: string;
  readonly failureMode: 'FAIL' | 'WARN';
  readonly includeCloudControl: boolean;
  readonly excludedStackNames: readonly string[];
}

/**
 * The template the organisation StackSet deploys in each member account: the execution role and the
 * `AWS::CloudFormation::LambdaHook`, invoking the central hook function by its ARN (parameter HookFunctionArn).
 * The function's code stays in the central account (a StackSet template cannot carry a CDK asset); the member
 * role may invoke that one function only, and the central function's resource policy admits the member accounts.
 */
export function hookMemberTemplate(options: HookMemberTemplateOptions): Record<string, unknown> {
  const alias = checkHookAlias(options.alias, 'hook member template');
  const excluded = checkStackNames(options.excludedStackNames, 'hook member template');
  const trust = hookTrustConditions(alias, { partition: '${AWS::Partition}', region: '${AWS::Region}', account: '${AWS::AccountId}' });
  const sub = (text: string) => ({ 'Fn::Sub': text });
  const arnLike = (trust.ArnLike as { 'aws:SourceArn': string[] })['aws:SourceArn'];
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'kms-policy-guard: CloudFormation hook that judges KMS key policies before provisioning, invoking the central hook function',
    Parameters: {
      HookFunctionArn: {
        Type: 'String',
        Description: 'ARN of the central kms-policy-guard hook function (delegated administrator account, same Region)',
        AllowedPattern: '^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:function:[A-Za-z0-9_-]+$',
      },
    },
    Resources: {
      HookExecutionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'kms-policy-guard: assumed by CloudFormation Hooks to invoke the central key policy hook function',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'hooks.cloudformation.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': arnLike.map(sub) } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'InvokeHookFunction',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Sid: 'InvokeHookFunction', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { Ref: 'HookFunctionArn' } }],
              },
            },
          ],
        },
      },
      KeyPolicyHook: {
        Type: 'AWS::CloudFormation::LambdaHook',
        Properties: {
          Alias: alias,
          LambdaFunction: { Ref: 'HookFunctionArn' },
          ExecutionRole: { 'Fn::GetAtt': ['HookExecutionRole', 'Arn'] },
          FailureMode: options.failureMode,
          HookStatus: 'ENABLED',
          TargetOperations: options.includeCloudControl ? ['RESOURCE', 'CLOUD_CONTROL'] : ['RESOURCE'],
          TargetFilters: { Targets: hookTargets().map((t) => ({ TargetName: t.targetName, Action: t.action, InvocationPoint: t.invocationPoint })) },
          StackFilters: { FilteringCriteria: 'ALL', StackNames: { Exclude: [{ Ref: 'AWS::StackName' }, ...excluded] } },
        },
      },
    },
    Outputs: {
      HookArn: { Value: { 'Fn::GetAtt': ['KeyPolicyHook', 'HookArn'] } },
    },
  };
}
