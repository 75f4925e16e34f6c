/**
 * The IAM permissions of the rule, described once and rendered twice: as CDK statements for the function's
 * own role, and as raw template JSON for the per-account execution role rolled out by the StackSet.
 *
 * Exactly the calls rule/handler.ts makes (test/infra/iam.test.ts records them), each with the narrowest Resource
 * the Service Authorization Reference allows (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsconfig.html).
 */

/** How to spell the parts of an ARN: CDK tokens in a stack, `${AWS::…}` placeholders in a raw template. */
export interface ArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** ARN of the rule(s) the function reports on. */
  readonly configRuleArn: string;
}

export interface PermissionSpec {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resource: (p: ArnParts) => string;
  /** Why the Resource is what it is (shown in docs and cdk-nag acknowledgements). */
  readonly why: string;
}

export const RULE_PERMISSIONS: readonly PermissionSpec[] = [
  {
    sid: 'ListKeys',
    actions: ['kms:ListKeys'],
    resource: () => '*',
    why: 'kms:ListKeys has no resource type, so IAM only accepts Resource "*".',
  },
  {
    sid: 'ReadKeys',
    actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListResourceTags', 'kms:ListGrants'],
    resource: (p) => `arn:${p.partition}:kms:${p.region}:${p.account}:key/*`,
    why: 'Every key of the account is evaluated, so the Resource is all keys of the account (key/*), not one key.',
  },
  {
    sid: 'ReadConfigurationItems',
    actions: ['config:ListDiscoveredResources', 'config:BatchGetResourceConfig', 'config:GetResourceConfigHistory'],
    resource: () => '*',
    why: 'These Config read calls have no resource type, so IAM only accepts Resource "*".',
  },
  {
    sid: 'PutEvaluations',
    actions: ['config:PutEvaluations'],
    resource: () => '*',
    why: 'config:PutEvaluations has no resource type, so IAM only accepts Resource "*".',
  },
  {
    sid: 'ReadRuleCompliance',
    actions: ['config:GetComplianceDetailsByConfigRule'],
    resource: (p) => p.configRuleArn,
    why: 'Scoped to the rule: its own ARN where CDK creates it, config-rule/* of the account where a conformance pack names it.',
  },
];

/** `arn:<partition>:iam::*:role/<name>`: the execution role in any member account, nothing else. */
export function executionRoleArnPattern(partition: string, roleName: string): string {
  return `arn:${partition}:iam::*:role/${roleName}`;
}
