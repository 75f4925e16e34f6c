import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { executionRoleArnPattern, resourcesOf, RULE_PERMISSIONS, type ArnParts } from '../permissions';
import { ruleInputParameters, ruleParameterText, type KmsPolicyGuardRuleParameters } from '../rule-parameters';
import { GuardFunction } from './guard-function';
import { DEFAULT_RULE_NAME } from '../names';

/** The permissions of the reads that name who can use a key (rule/account-access.ts). */
const EFFECTIVE_ACCESS_SIDS = new Set(['ReadConfigurationRecorders', 'ReadIamAuthorizationDetails', 'ReadManagedPolicies', 'DescribeOrganization', 'ReadOrganizationPath', 'ListOrganizationPolicies', 'ReadOrganizationPolicies']);

/** Default timeout of the rule's function: Lambda's maximum, which docs/config-rule.md assumes for sweeps. */
const DEFAULT_RULE_FUNCTION_TIMEOUT = Duration.minutes(15);

/** Props of the rule's Lambda function. */
export interface KmsKeyPolicyRuleFunctionProps {
  /**
   * Role the function assumes in the evaluated account for every KMS and Config call. When set, the
   * function's own role may only assume that role (plus write its logs and failure queue).
   * @default - no execution role: the function reads keys of its own account with its own role
   */
  readonly executionRoleName?: string;
  /**
   * With `executionRoleName`: the organisation whose accounts the execution role may be assumed in (an
   * `aws:ResourceOrgID` condition on sts:AssumeRole). Without it, the function's own organisation
   * (`${aws:PrincipalOrgID}`).
   * @default '${aws:PrincipalOrgID}'
   */
  readonly executionRoleOrganizationId?: string;
  /**
   * Log retention of the function's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Function timeout; a periodic sweep reads every key of the account and stops starting keys 30 s before it.
   * @default Duration.minutes(15) - Lambda's maximum, so a sweep covers as many keys as one run can
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB.
   * @default 512
   */
  readonly memorySize?: number;
}

/**
 * The Config rule function alone, for stacks where the rule itself is created by a conformance pack
 * (single-account or organisation). `KmsKeyPolicyRule` wraps it with a `config.CustomRule`.
 */
export class KmsKeyPolicyRuleFunction extends Construct {
  readonly guard: GuardFunction;
  private readonly executionRoleName?: string;

  constructor(scope: Construct, id: string, props: KmsKeyPolicyRuleFunctionProps = {}) {
    super(scope, id);
    // The name as the rule reads it ("/Audit " is "Audit"): the policy must allow the role the rule assumes.
    const executionRoleName =
      props.executionRoleName === undefined ? undefined : ruleParameterText('executionRoleName', props.executionRoleName, this.node.path);
    this.executionRoleName = executionRoleName;
    this.guard = new GuardFunction(this, 'Guard', {
      handler: 'rule',
      description: 'kms-policy-guard: evaluates KMS key policies for AWS Config',
      logRetention: props.logRetention,
      timeout: props.timeout ?? DEFAULT_RULE_FUNCTION_TIMEOUT,
      memorySize: props.memorySize ?? 512,
      asyncFailureQueue: true,
    });
    const role = this.guard.role;

    if (executionRoleName === undefined) {
      for (const spec of RULE_PERMISSIONS) {
        if (spec.sid === 'ReadRuleCompliance') continue; // added per rule, see grantRuleCompliance
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ sid: spec.sid, actions: [...spec.actions], resources: resourcesOf(spec, this.arnParts('*')) }),
        );
      }
    } else {
      // The role name exists in every account that deploys it, inside the organisation or not: only a role
      // owned by an account of the organisation may be assumed. aws:ResourceOrgID is the organisation of the
      // account that owns the resource (here the role), and ${aws:PrincipalOrgID} the caller's own, so the
      // pair means "same organisation" without naming it; an account outside any organisation has no
      // aws:ResourceOrgID and the condition fails closed
      // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceorgid).
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AssumeExecutionRole',
          actions: ['sts:AssumeRole'],
          resources: [executionRoleArnPattern(Aws.PARTITION, executionRoleName)],
          conditions: { StringEquals: { 'aws:ResourceOrgID': props.executionRoleOrganizationId ?? '${aws:PrincipalOrgID}' } },
        }),
      );
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${executionRoleName}]`,
        reason:
          'The central function assumes the execution role in whichever member account Config invokes it for; the account ' +
          'is only known at run time, so the Resource names the role in every account and nothing else.',
      });
    }
    this.acknowledgeWildcards(executionRoleName === undefined);
  }

  /** The Lambda function Config invokes. */
  get function() {
    return this.guard.function;
  }

  get role(): iam.Role {
    return this.guard.role;
  }

  private arnParts(configRuleArn: string): ArnParts {
    return { partition: Aws.PARTITION, region: Aws.REGION, account: Aws.ACCOUNT_ID, configRuleArn };
  }

  /**
   * Allow config:GetComplianceDetailsByConfigRule on the given rule ARN(s). A separate policy, so the rule
   * (which depends on the function) can be referenced without a dependency cycle.
   * Does nothing when the function works through an execution role.
   */
  grantRuleCompliance(scope: Construct, id: string, configRuleArn: string): void {
    if (this.executionRoleName !== undefined) return;
    const spec = RULE_PERMISSIONS.find((p) => p.sid === 'ReadRuleCompliance');
    if (spec === undefined) throw new Error('RULE_PERMISSIONS lost its ReadRuleCompliance entry');
    new iam.Policy(scope, id, {
      roles: [this.guard.role],
      statements: [
        new iam.PolicyStatement({ sid: spec.sid, actions: [...spec.actions], resources: resourcesOf(spec, this.arnParts(configRuleArn)) }),
      ],
    });
  }

  /** The same statements for a rule created elsewhere (conformance pack): every rule of the account and region. */
  grantAccountRulesCompliance(scope: Construct, id: string): void {
    this.grantRuleCompliance(scope, id, `arn:${Aws.PARTITION}:config:${Aws.REGION}:${Aws.ACCOUNT_ID}:config-rule/*`);
    if (this.executionRoleName === undefined) {
      Validations.of(scope).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:config:<AWS::Region>:<AWS::AccountId>:config-rule/*]',
        reason:
          'The rule is created by a conformance pack, which gives it a generated id (config-rule/config-rule-xxxx) unknown at ' +
          'deploy time; the Resource is limited to Config rules of this account and region.',
      });
    }
  }

  private acknowledgeWildcards(ownAccount: boolean): void {
    if (!ownAccount) return;
    const role = this.guard.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only for calls that have no resource type (kms:ListKeys, config:ListDiscoveredResources, ' +
        'config:BatchGetResourceConfig, config:GetResourceConfigHistory, config:PutEvaluations, iam:GetAccountAuthorizationDetails, ' +
        'organizations:DescribeOrganization, organizations:ListRoots): IAM accepts nothing but "*" for them.',
    });
    // The read-only IAM, Config recorder and Organizations resources of the effective-access reads, each with its reason.
    const nagParts: ArnParts = { partition: '<AWS::Partition>', region: '<AWS::Region>', account: '<AWS::AccountId>', configRuleArn: '' };
    for (const spec of RULE_PERMISSIONS) {
      if (!EFFECTIVE_ACCESS_SIDS.has(spec.sid)) continue;
      for (const resource of resourcesOf(spec, nagParts)) {
        if (resource !== '*') Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason: spec.why });
      }
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      reason:
        'The rule evaluates every KMS key of the account; the read-only calls (DescribeKey, GetKeyPolicy, ListResourceTags) are ' +
        'limited to keys of this account and region.',
    });
  }
}

/** Props of `KmsKeyPolicyRule`: the rule parameters, the schedule, and the function settings. */
export interface KmsKeyPolicyRuleProps extends KmsPolicyGuardRuleParameters {
  /**
   * Name of the Config rule.
   * @default 'kms-policy-guard-key-policy'
   */
  readonly ruleName?: string;
  /**
   * How often the periodic sweep re-evaluates every key (it also runs on every configuration change).
   * @default config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS
   */
  readonly maximumExecutionFrequency?: config.MaximumExecutionFrequency;
  /**
   * Log retention of the function's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Function timeout.
   * @default Duration.minutes(15) - Lambda's maximum, so a sweep covers as many keys as one run can
   */
  readonly timeout?: Duration;
}

/** How often the periodic sweep runs unless told otherwise; the pack's default too (a test holds them equal). */
export const DEFAULT_MAXIMUM_EXECUTION_FREQUENCY = config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS;

/**
 * The kms-policy-guard AWS Config custom rule: a Lambda function evaluating `AWS::KMS::Key` configuration
 * items on every change and on a schedule, with a least-privilege role.
 */
export class KmsKeyPolicyRule extends Construct {
  readonly rule: config.CustomRule;
  readonly ruleFunction: KmsKeyPolicyRuleFunction;

  constructor(scope: Construct, id: string, props: KmsKeyPolicyRuleProps = {}) {
    super(scope, id);
    // Before anything is built: a value the rule would refuse at every invocation fails the synth here.
    const inputParameters = ruleInputParameters(props, this.node.path);
    this.ruleFunction = new KmsKeyPolicyRuleFunction(this, 'Function', {
      executionRoleName: props.executionRoleName,
      logRetention: props.logRetention,
      timeout: props.timeout,
    });
    this.rule = new config.CustomRule(this, 'Rule', {
      configRuleName: props.ruleName ?? DEFAULT_RULE_NAME,
      description: 'Flags KMS keys whose key policy grants dangerous access (account-wide, public, untrusted accounts).',
      lambdaFunction: this.ruleFunction.function,
      configurationChanges: true,
      periodic: true,
      maximumExecutionFrequency: props.maximumExecutionFrequency ?? DEFAULT_MAXIMUM_EXECUTION_FREQUENCY,
      ruleScope: config.RuleScope.fromResources([config.ResourceType.KMS_KEY]),
      ...(Object.keys(inputParameters).length > 0 ? { inputParameters } : {}),
    });
    this.ruleFunction.grantRuleCompliance(this, 'RuleCompliancePolicy', this.rule.configRuleArn);
  }

  get function() {
    return this.ruleFunction.function;
  }
}
