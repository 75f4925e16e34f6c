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
  /** One Resource, or several when the calls name resources of several types. */
  readonly resource: (p: ArnParts) => string | readonly string[];
  /** Why the Resource is what it is (shown in docs and cdk-nag acknowledgements). */
  readonly why: string;
}

const ORGANIZATIONS_WHY =
  "The account's own organisation path (its OUs and root) and the SCPs and RCPs attached along it. Organizations ARNs name the " +
  'management account and the organisation id, unknown at deploy time; the calls answer only in the management account or a ' +
  'delegated administrator for AWS Organizations, elsewhere they are denied and annotations say the SCPs are unknown.';

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
    sid: 'ReadConfigurationRecorders',
    actions: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus'],
    resource: (p) => `arn:${p.partition}:config:${p.region}:${p.account}:configuration-recorder/*`,
    why:
      "Whether this Region's recorder records IAM (global resources), before Config's IAM items are used; the recorder's name and " +
      'generated id are unknown at deploy time, so the Resource is every recorder of the account and region.',
  },
  {
    sid: 'ReadIamAuthorizationDetails',
    actions: ['iam:GetAccountAuthorizationDetails'],
    resource: () => '*',
    why: 'iam:GetAccountAuthorizationDetails (who can use keys, where Config does not record IAM) has no resource type, so IAM only accepts Resource "*".',
  },
  {
    sid: 'ReadManagedPolicies',
    actions: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
    resource: (p) => [`arn:${p.partition}:iam::aws:policy/*`, `arn:${p.partition}:iam::${p.account}:policy/*`],
    why:
      'Managed policies roles and users attach but Config does not record (AWS managed ones), or used only as permissions boundaries: ' +
      'AWS managed policies and those of the account, nothing else.',
  },
  {
    sid: 'DescribeOrganization',
    actions: ['organizations:DescribeOrganization', 'organizations:ListRoots'],
    resource: () => '*',
    why: 'organizations:DescribeOrganization and ListRoots have no resource type, so IAM only accepts Resource "*".',
  },
  {
    sid: 'ReadOrganizationPath',
    actions: ['organizations:ListParents'],
    resource: (p) => [`arn:${p.partition}:organizations::*:account/o-*/${p.account}`, `arn:${p.partition}:organizations::*:ou/o-*/ou-*`],
    why: ORGANIZATIONS_WHY,
  },
  {
    sid: 'ListOrganizationPolicies',
    actions: ['organizations:ListPoliciesForTarget'],
    resource: (p) => [
      `arn:${p.partition}:organizations::*:account/o-*/${p.account}`,
      `arn:${p.partition}:organizations::*:ou/o-*/ou-*`,
      `arn:${p.partition}:organizations::*:root/o-*/r-*`,
    ],
    why: ORGANIZATIONS_WHY,
  },
  {
    sid: 'ReadOrganizationPolicies',
    actions: ['organizations:DescribePolicy'],
    resource: (p) => [`arn:${p.partition}:organizations::*:policy/o-*/*/p-*`, `arn:${p.partition}:organizations::aws:policy/*/p-*`],
    why: "The content of the SCPs and RCPs attached along the account's path: the organisation's own policies and AWS managed ones (FullAWSAccess).",
  },
  {
    sid: 'ReadRuleCompliance',
    actions: ['config:GetComplianceDetailsByConfigRule'],
    resource: (p) => p.configRuleArn,
    why: 'Scoped to the rule: its own ARN where CDK creates it, config-rule/* of the account where a conformance pack names it.',
  },
];

/** The Resource of a permission, always as a list. */
export function resourcesOf(spec: PermissionSpec, parts: ArnParts): string[] {
  const resource = spec.resource(parts);
  return typeof resource === 'string' ? [resource] : [...resource];
}

/** `arn:<partition>:iam::*:role/<name>`: the execution role in any member account, nothing else. */
export function executionRoleArnPattern(partition: string, roleName: string): string {
  return `arn:${partition}:iam::*:role/${roleName}`;
}
