/**
 * The key policy hook's constructs: the LambdaHook's targets and filters, the execution role's trust and
 * permissions, the settings written to the function (checked at synth by the rule's spec), cdk-nag and cfn-lint
 * on the hook stack and on the organisation's member template, and the organisation roll-out.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_HOOK_ALIAS, hookMemberTemplate, KmsKeyPolicyHook, KmsPolicyGuardHookStack, KmsPolicyGuardOrganizationStack, type KmsKeyPolicyHookProps } from '../../infra';
import { requireLambdaBundle } from '../../infra/constructs/lambda-bundle';
import { organizationStackOf, synthesize, TEST_CONTEXT } from './app-fixture';

const BARE = { 'aws:cdk:bundling-stacks': [] };
const MEMBERS = ['111111111111', '222222222222'];

function hookStack(hook?: KmsKeyPolicyHookProps): KmsPolicyGuardHookStack {
  return new KmsPolicyGuardHookStack(new App({ context: BARE }), 'KmsPolicyGuardHook', hook === undefined ? {} : { hook });
}

function template(hook?: KmsKeyPolicyHookProps): Template {
  return Template.fromStack(hookStack(hook));
}

function only<T>(record: Record<string, T>): T {
  const values = Object.values(record);
  expect(values).toHaveLength(1);
  return values[0] as T;
}

const TARGETS = [
  { TargetName: 'AWS::KMS::Key', Action: 'CREATE', InvocationPoint: 'PRE_PROVISION' },
  { TargetName: 'AWS::KMS::Key', Action: 'UPDATE', InvocationPoint: 'PRE_PROVISION' },
  { TargetName: 'AWS::KMS::ReplicaKey', Action: 'CREATE', InvocationPoint: 'PRE_PROVISION' },
  { TargetName: 'AWS::KMS::ReplicaKey', Action: 'UPDATE', InvocationPoint: 'PRE_PROVISION' },
];

function typeArn(suffix: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudformation:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:type/hook/KmsPolicyGuard-KeyPolicy-Hook${suffix}`]] };
}

describe('KmsKeyPolicyHook', () => {
  it('activates a Lambda hook on KMS key creation and update, before provisioning, failing by default, never on its own stack', () => {
    const t = template();
    const hook = only(t.findResources('AWS::CloudFormation::LambdaHook')) as { Properties: Record<string, unknown>; DependsOn?: string[] };
    expect(hook.Properties).toEqual({
      Alias: DEFAULT_HOOK_ALIAS,
      LambdaFunction: { 'Fn::GetAtt': [expect.stringMatching(/^KeyPolicyHookFunctionGuardFunction/), 'Arn'] },
      ExecutionRole: { 'Fn::GetAtt': [expect.stringMatching(/^KeyPolicyHookExecutionRole/), 'Arn'] },
      FailureMode: 'FAIL',
      HookStatus: 'ENABLED',
      TargetOperations: ['RESOURCE'],
      TargetFilters: { Targets: TARGETS },
      StackFilters: { FilteringCriteria: 'ALL', StackNames: { Exclude: [{ Ref: 'AWS::StackName' }] } },
    });
    expect(hook.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^KeyPolicyHookExecutionRole/), expect.stringMatching(/^KeyPolicyHookFunctionGuardFunction/)]));
  });

  it('WARN, a disabled hook, Cloud Control, another alias and further excluded stacks are props', () => {
    const t = template({ failureMode: 'WARN', enabled: false, includeCloudControl: true, alias: 'Acme::Kms::PolicyGuard', excludedStackNames: ['sandbox-*'] });
    t.hasResourceProperties('AWS::CloudFormation::LambdaHook', {
      Alias: 'Acme::Kms::PolicyGuard',
      FailureMode: 'WARN',
      HookStatus: 'DISABLED',
      TargetOperations: ['RESOURCE', 'CLOUD_CONTROL'],
      StackFilters: { FilteringCriteria: 'ALL', StackNames: { Exclude: [{ Ref: 'AWS::StackName' }, 'sandbox-*'] } },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':type/hook/Acme-Kms-PolicyGuard'])]) })]) } }) })] },
    });
  });

  it('the execution role trusts CloudFormation Hooks for this account and this hook type only, and may only invoke the function', () => {
    const t = template();
    const roles = t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'hooks.cloudformation.amazonaws.com' } })] } } });
    const role = only(roles) as { Properties: { AssumeRolePolicyDocument: { Statement: unknown[] }; Policies: { PolicyDocument: { Statement: unknown[] } }[]; ManagedPolicyArns?: unknown } };
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'hooks.cloudformation.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': [typeArn(''), typeArn('/*')] } },
      },
    ]);
    expect(role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      { Sid: 'InvokeHookFunction', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeyPolicyHookFunctionGuardFunction/), 'Arn'] } },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    // No other policy attaches to it.
    for (const policy of Object.values(t.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[] } }[]) {
      expect(policy.Properties.Roles.map((r) => r.Ref).join()).not.toMatch(/ExecutionRole/);
    }
  });

  it('the function may only write its own logs: it makes no AWS call', () => {
    const t = template();
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: unknown }[] } } }).Properties.PolicyDocument.Statement);
    expect(statements.map((s) => s.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents']]);
    t.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs24.x', Timeout: 20 });
  });

  it('writes the settings as the function environment, in the form the rule parameters take', () => {
    const t = template({ trustedAccountIds: ['333333333333'], trustedOrgIds: ['o-a1b2c3d4e5'], minimumSeverity: 'high', disabledChecks: ['ALLOW_WITH_NEGATION'], exemptionTagKey: 'kpg-exempt', nonSuppressibleChecks: ['PUBLIC_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT'] });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          TrustedAccountIds: '333333333333',
          TrustedOrgIds: 'o-a1b2c3d4e5',
          MinimumSeverity: 'high',
          DisabledChecks: 'ALLOW_WITH_NEGATION',
          ExemptionTagKey: 'kpg-exempt',
          NonSuppressibleChecks: 'PUBLIC_ACCESS,UNTRUSTED_CROSS_ACCOUNT',
        },
      },
    });
    template({ nonSuppressibleChecks: [] }).hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { NonSuppressibleChecks: 'NONE' } } });
    expect(JSON.stringify(template().findResources('AWS::Lambda::Function'))).not.toContain('Environment');
  });

  it.each([
    [{ minimumSeverity: 'severe' as never }, /KeyPolicyHook.*MinimumSeverity: must be one of/],
    [{ trustedAccountIds: ['12345'] }, /TrustedAccountIds: "12345" is not a 12-digit account id/],
    [{ disabledChecks: ['INVALID_POLICY' as never] }, /cannot be disabled/],
    [{ nonSuppressibleChecks: ['PUBLIC' as never] }, /NonSuppressibleChecks: unknown check "PUBLIC"/],
    [{ alias: 'AWS::Kms::Hook' }, /alias "AWS::Kms::Hook" is not a hook type name/],
    [{ alias: 'KmsHook' }, /is not a hook type name/],
    [{ excludedStackNames: ['my stack'] }, /excludedStackNames: "my stack" not stack names/],
  ])('refuses %j at synth', (props, message) => {
    expect(() => new KmsKeyPolicyHook(new Stack(new App({ context: BARE }), 'S'), 'KeyPolicyHook', props)).toThrow(message);
  });
});

describe('hook stack checks', () => {
  it('cdk-nag AwsSolutions: no finding, nothing acknowledged', () => {
    const stack = hookStack({ exemptionTagKey: 'kpg-exempt' });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });
});

type OrganizationHook = ConstructorParameters<typeof KmsPolicyGuardOrganizationStack>[2]['hook'];

function organizationStack(hook: OrganizationHook | 'none' = { exemptionTagKey: 'kpg-exempt' }): KmsPolicyGuardOrganizationStack {
  return new KmsPolicyGuardOrganizationStack(new App({ context: BARE }), 'KmsPolicyGuardOrganization', { memberAccountIds: MEMBERS, ...(hook === 'none' ? {} : { hook }) });
}

describe('organisation roll-out', () => {
  it('without the hook prop, no hook function, permission or StackSet', () => {
    const t = Template.fromStack(organizationStack('none'));
    t.resourceCountIs('AWS::CloudFormation::StackSet', 1);
    expect(JSON.stringify(t.toJSON())).not.toContain('LambdaHook');
  });

  it('a central hook function, an invoke permission per member account, and a StackSet activating the hook in the target OUs, this Region', () => {
    const stack = organizationStack({ exemptionTagKey: 'kpg-exempt', failureMode: 'WARN' });
    const t = Template.fromStack(stack);
    const functionArn = { 'Fn::GetAtt': [expect.stringMatching(/^HookFunctionGuardFunction/), 'Arn'] };
    const permissions = Object.values(t.findResources('AWS::Lambda::Permission')).map((p) => (p as { Properties: Record<string, unknown> }).Properties).filter((p) => p.Principal !== 'config.amazonaws.com');
    expect(permissions).toEqual(MEMBERS.map((account) => ({ Action: 'lambda:InvokeFunction', FunctionName: functionArn, Principal: account })));
    const stackSets = Object.entries(t.findResources('AWS::CloudFormation::StackSet')).filter(([, r]) => (r as { Properties: { StackSetName: string } }).Properties.StackSetName === 'kms-policy-guard-hook');
    const [id, resource] = stackSets[0] as [string, { Properties: Record<string, unknown>; DependsOn: string[] }];
    expect(stackSets).toHaveLength(1);
    expect(resource.Properties).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'HookFunctionArn', ParameterValue: functionArn }],
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: { Ref: 'TargetOrganizationalUnitIds' } }, Regions: [{ Ref: 'AWS::Region' }] }],
    });
    expect(JSON.parse(resource.Properties.TemplateBody as string)).toEqual(hookMemberTemplate({ alias: DEFAULT_HOOK_ALIAS, failureMode: 'WARN', includeCloudControl: false, excludedStackNames: [] }));
    expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^HookInvoke111111111111/), expect.stringMatching(/^HookInvoke222222222222/), expect.stringMatching(/^HookFunctionGuardFunction/)]));
    t.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('CloudFormation hook'), Environment: { Variables: { ExemptionTagKey: 'kpg-exempt' } } });
    expect(id).toMatch(/^HookStackSet/);
  });

  it('the member template: a role trusted by the member account\'s hook only, invoking the central function only, and the hook', () => {
    const member = Template.fromJSON(hookMemberTemplate({ alias: DEFAULT_HOOK_ALIAS, failureMode: 'FAIL', includeCloudControl: false, excludedStackNames: [] }));
    const arn = (suffix: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:cloudformation:\${AWS::Region}:\${AWS::AccountId}:type/hook/KmsPolicyGuard-KeyPolicy-Hook${suffix}` });
    member.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Principal: { Service: 'hooks.cloudformation.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': [arn(''), arn('/*')] } } }],
      },
      Policies: [{ PolicyName: 'InvokeHookFunction', PolicyDocument: { Statement: [{ Sid: 'InvokeHookFunction', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { Ref: 'HookFunctionArn' } }] } }],
    });
    member.hasResourceProperties('AWS::CloudFormation::LambdaHook', {
      LambdaFunction: { Ref: 'HookFunctionArn' },
      FailureMode: 'FAIL',
      TargetFilters: { Targets: TARGETS },
      StackFilters: { FilteringCriteria: 'ALL', StackNames: { Exclude: [{ Ref: 'AWS::StackName' }] } },
    });
  });

  it('cdk-nag AwsSolutions on the organisation stack with the hook: no finding beyond the stack\'s known acknowledgements', () => {
    const report = new AwsSolutionsChecks().validateScope(organizationStack());
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('the hook bundle', () => {
  it('dist/lambda/hook/index.js loads on its own and answers a request', async () => {
    const alone = mkdtempSync(join(tmpdir(), 'kpg-hook-bundle-'));
    const level = process.env.POWERTOOLS_LOG_LEVEL;
    // The bundle's logger is created when it loads; its decision log is not what this test reads.
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    try {
      copyFileSync(join(requireLambdaBundle('hook'), 'index.js'), join(alone, 'index.js'));
      const bundle = (await import(join(alone, 'index.js'))) as { handler: (event: unknown) => Promise<Record<string, unknown>> };
      const event = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'hook-events', 'create-key.json'), 'utf8')) as unknown;
      const response = await bundle.handler(event);
      expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant', clientRequestToken: '4b90a7e4-b790-456b-a937-0cfdfa211dfe' });
      expect(String(response.message)).toContain('PUBLIC_ACCESS');
    } finally {
      if (level === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      else process.env.POWERTOOLS_LOG_LEVEL = level;
      rmSync(alone, { recursive: true, force: true });
    }
  });
});

describe('the repository app', () => {
  it('builds no hook stack unless asked', () => {
    expect(synthesize().hookStack).toBeUndefined();
  });

  it('-c hook=true builds KmsPolicyGuardHook with the rule parameters the hook judges by and hookFailureMode', () => {
    const synth = synthesize({ ...TEST_CONTEXT, hook: 'true', hookFailureMode: 'WARN', exemptionTagKey: 'kpg-exempt', nonSuppressibleChecks: 'PUBLIC_ACCESS,UNTRUSTED_CROSS_ACCOUNT' });
    const t = Template.fromStack(synth.hookStack as KmsPolicyGuardHookStack);
    t.hasResourceProperties('AWS::CloudFormation::LambdaHook', { FailureMode: 'WARN' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          TrustedAccountIds: '333333333333',
          MinimumSeverity: 'medium',
          DisabledChecks: 'ALLOW_WITH_NEGATION',
          ExemptionTagKey: 'kpg-exempt',
          NonSuppressibleChecks: 'PUBLIC_ACCESS,UNTRUSTED_CROSS_ACCOUNT',
        },
      },
    });
  });

  it('-c organizationHook=true rolls the hook out with the organisation stack, judging by the same settings', () => {
    const t = Template.fromStack(organizationStackOf(synthesize({ ...TEST_CONTEXT, organizationHook: true, nonSuppressibleChecks: 'NONE' })));
    t.hasResourceProperties('AWS::CloudFormation::StackSet', { StackSetName: 'kms-policy-guard-hook' });
    t.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('CloudFormation hook'), Environment: { Variables: Match.objectLike({ NonSuppressibleChecks: 'NONE' }) } });
  });

  it.each([
    [{ hookFailureMode: 'WARN' }, /hookFailureMode given without hook=true or organizationHook=true/],
    [{ hook: 'true', hookFailureMode: 'warn' }, /context hookFailureMode must be FAIL or WARN, got warn/],
    [{ hook: 'yes' }, /context hook must be true or false/],
    [{ organizationHook: 'true', memberAccountIds: '' }, /organizationHook given without memberAccountIds/],
  ])('refuses %j at synth', (context, message) => {
    expect(() => synthesize({ ...TEST_CONTEXT, ...context })).toThrow(message);
  });
});
