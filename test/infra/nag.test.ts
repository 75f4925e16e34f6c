/**
 * cdk-nag AwsSolutions on every stack: no unacknowledged finding, and every acknowledgement carries a
 * reason. The acknowledged rule ids are listed here on purpose, so that a new one is a visible change.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { organizationStackOf, synthesize, TEST_CONTEXT, type Synthesized } from './app-fixture';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

function stacks(): [string, Stack][] {
  return [
    ['rule', synth.ruleStack],
    ['pack', synth.conformancePackStack],
    ['organization', organizationStackOf(synth)],
  ];
}

function acknowledgements(stack: Stack): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason: String(reason) });
      }
    }
  }
  return found;
}

const FUNCTION_ACKS = ['AwsSolutions-SQS3'];
const OWN_ACCOUNT_RULE_ACKS = [
  'AwsSolutions-IAM5[Resource::*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
  // Who can use a key: the Config recorder, managed policies, and the account's organisation path and policies.
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:config:<AWS::Region>:<AWS::AccountId>:configuration-recorder/*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::aws:policy/*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:policy/*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:account/o-*/<AWS::AccountId>]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:ou/o-*/ou-*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:root/o-*/r-*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:policy/o-*/*/p-*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::aws:policy/*/p-*]',
];
const REMEDIATION_ACKS = [
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/kms-policy-guard/backup/*]',
  // The operator policy: every version of the one document, and the executions it starts.
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-definition/KmsPolicyGuard-RemediateKeyPolicy:*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-execution/*]',
];

const EXPECTED: Record<string, string[]> = {
  rule: [...FUNCTION_ACKS, ...OWN_ACCOUNT_RULE_ACKS, ...REMEDIATION_ACKS],
  pack: [
    ...FUNCTION_ACKS,
    ...OWN_ACCOUNT_RULE_ACKS,
    ...REMEDIATION_ACKS,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:config:<AWS::Region>:<AWS::AccountId>:config-rule/*]',
  ],
  organization: [
    ...FUNCTION_ACKS,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/KmsPolicyGuardExecutionRole]',
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSConfigRoleForOrganizations]',
  ],
};

describe('cdk-nag AwsSolutions', () => {
  it.each(['rule', 'pack', 'organization'])('%s stack: no unacknowledged finding', (name) => {
    const stack = stacks().find(([n]) => n === name)?.[1];
    if (stack === undefined) throw new Error(name);
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it.each(['rule', 'pack', 'organization'])('%s stack: each acknowledgement is expected and has a reason', (name) => {
    const stack = stacks().find(([n]) => n === name)?.[1];
    if (stack === undefined) throw new Error(name);
    const acks = acknowledgements(stack);
    expect([...new Set(acks.map((a) => a.id))].sort()).toEqual([...new Set(EXPECTED[name])].sort());
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(40);
  });
});

it('organization stack with an execution role path (audit/…): no unacknowledged finding', () => {
  const stack = organizationStackOf(synthesize({ ...TEST_CONTEXT, executionRoleName: '/audit/KmsPolicyGuardAudit' }));
  const report = new AwsSolutionsChecks().validateScope(stack);
  expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  expect(acknowledgements(stack).map((a) => a.id)).toContain('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/audit/KmsPolicyGuardAudit]');
});
