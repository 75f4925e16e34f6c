import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { executionRoleArn } from '../../aws/clients';
import { CONFORMANCE_PACK_TEMPLATE_PATH } from '../../infra/conformance-pack';
import { KmsKeyPolicyRule } from '../../infra/constructs/kms-key-policy-rule';
import { LAMBDA_BUNDLE } from '../../infra/constructs/lambda-bundle';
import { KmsPolicyGuardConformancePackStack } from '../../infra/stacks/conformance-pack-stack';
import { KmsPolicyGuardOrganizationStack } from '../../infra/stacks/organization-stack';
import { KmsPolicyGuardRuleStack } from '../../infra/stacks/rule-stack';
import { ADMIN_ARN, MEMBER_ACCOUNTS, synthesize, TEST_CONTEXT, USE_ARN, type Synthesized } from './app-fixture';
import { functionRoleId, identityStatements, roleStatements } from './iam';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const packBody = readFileSync(CONFORMANCE_PACK_TEMPLATE_PATH, 'utf8');

function parameterValue(parameters: { ParameterName: string; ParameterValue: unknown }[], name: string): unknown {
  return parameters.find((p) => p.ParameterName === name)?.ParameterValue;
}

describe('every stack', () => {
  const names = ['rule', 'pack', 'organization'] as const;

  it.each(names)('%s: no IAM statement allows "*" or kms:* (or any wildcard action)', (name) => {
    const statements = identityStatements(synth.templates[name]);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      for (const action of s.actions) {
        expect({ holder: s.holder, action }).toEqual({ holder: s.holder, action: expect.not.stringMatching(/\*/) });
      }
    }
  });

  it.each(names)('%s: Lambda functions run Node.js 24 (the target of their bundles) on arm64 with their own log group', (name) => {
    expect(LAMBDA_BUNDLE.target).toBe('node24');
    const template = synth.templates[name];
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThan(0);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: Match.objectLike({ LogGroup: Match.anyValue() }),
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it.each(names)('%s: the rule function gets the 15-minute timeout a sweep is planned for', (name) => {
    const functions = synth.templates[name].findResources('AWS::Lambda::Function', {
      Properties: { Description: 'kms-policy-guard: evaluates KMS key policies for AWS Config' },
    });
    const timeouts = Object.values(functions).map((f) => (f.Properties as { Timeout?: number }).Timeout);
    expect(timeouts).toEqual([900]);
  });

  it.each(names)('%s: no role has a managed policy other than the aggregator role', (name) => {
    const roles = synth.templates[name].findResources('AWS::IAM::Role');
    const withManaged = Object.entries(roles).filter(([, r]) => (r.Properties as { ManagedPolicyArns?: unknown }).ManagedPolicyArns !== undefined);
    expect(withManaged.map(([id]) => id).filter((id) => !id.startsWith('AggregatorRole'))).toEqual([]);
  });
});

describe('KmsPolicyGuardRule (single account)', () => {
  it('creates a custom rule scoped to AWS::KMS::Key, change-triggered and periodic, with the input parameters', () => {
    synth.templates.rule.hasResourceProperties('AWS::Config::ConfigRule', {
      ConfigRuleName: 'kms-policy-guard-key-policy',
      Scope: { ComplianceResourceTypes: ['AWS::KMS::Key'] },
      Source: {
        Owner: 'CUSTOM_LAMBDA',
        SourceIdentifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('KeyPolicyRuleFunction'), 'Arn'] },
        SourceDetails: Match.arrayEquals([
          { EventSource: 'aws.config', MessageType: 'ConfigurationItemChangeNotification' },
          { EventSource: 'aws.config', MessageType: 'OversizedConfigurationItemChangeNotification' },
          { EventSource: 'aws.config', MessageType: 'ScheduledNotification', MaximumExecutionFrequency: 'Six_Hours' },
        ]),
      },
      InputParameters: { TrustedAccountIds: '333333333333', MinimumSeverity: 'medium', DisabledChecks: 'ALLOW_WITH_NEGATION' },
    });
  });

  it('gives the rule function exactly the calls the handler makes, and no sts:AssumeRole', () => {
    const template = synth.templates.rule;
    const statements = roleStatements(template, functionRoleId(template, 'evaluates KMS key policies'));
    // Which actions: test/infra/iam.test.ts, from the calls the handler makes.
    expect(statements.flatMap((s) => s.actions)).not.toContain('sts:AssumeRole');
    const compliance = statements.find((s) => s.actions.includes('config:GetComplianceDetailsByConfigRule'));
    const ruleId = Object.keys(template.findResources('AWS::Config::ConfigRule'))[0];
    expect(compliance?.resources).toEqual([{ 'Fn::GetAtt': [ruleId, 'Arn'] }]);
    const keyReads = statements.find((s) => s.actions.includes('kms:GetKeyPolicy'));
    expect(JSON.stringify(keyReads?.resources)).toContain(':key/*');
  });

  it('keeps failed asynchronous invocations in an encrypted queue that refuses plain HTTP', () => {
    const template = synth.templates.rule;
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailedInvocations'), 'Arn'] } } },
      MaximumRetryAttempts: 2,
    });
  });

  it('deploys the Automation document (schema 0.3, aws:invokeLambdaFunction, dry run by default) taking only KeyId and DryRun', () => {
    const template = synth.templates.rule;
    template.hasResourceProperties('AWS::SSM::Document', {
      Name: 'KmsPolicyGuard-RemediateKeyPolicy',
      DocumentType: 'Automation',
      Content: Match.objectLike({
        schemaVersion: '0.3',
        // Config's automatic remediation needs {{ AutomationAssumeRole }}; allowedValues hold the deployed role only.
        assumeRole: '{{ AutomationAssumeRole }}',
        parameters: {
          KeyId: Match.objectLike({ type: 'String' }),
          DryRun: Match.objectLike({ default: 'true', allowedValues: ['true', 'false'] }),
          AutomationAssumeRole: Match.objectLike({
            allowedValues: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^RemediationAutomationRole'), 'Arn'] }],
          }),
        },
        mainSteps: [
          Match.objectLike({
            action: 'aws:invokeLambdaFunction',
            inputs: Match.objectLike({
              FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('RemediationGuard'), 'Arn'] },
              Payload: '{"KeyId":"{{ KeyId }}","DryRun":"{{ DryRun }}"}',
            }),
          }),
        ],
      }),
    });
  });

  it('fixes the principals in the remediation function environment, with its own role among the administrators', () => {
    const template = synth.templates.rule;
    const roleId = functionRoleId(template, 'rewrites account-wide');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('rewrites account-wide'),
      Environment: {
        Variables: Match.objectLike({
          KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS: { 'Fn::Join': ['', [`${ADMIN_ARN},`, { 'Fn::GetAtt': [roleId, 'Arn'] }]] },
          KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS: USE_ARN,
        }),
      },
    });
  });

  it('lets only the automation role invoke the remediation function through its resource policy', () => {
    const template = synth.templates.rule;
    const functionId = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) =>
      String((r.Properties as { Description?: string }).Description).includes('rewrites account-wide'),
    )?.[0];
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((r) => r.Properties as Record<string, unknown>);
    const onRemediation = permissions.filter((p) => JSON.stringify(p.FunctionName).includes(`"${functionId}"`));
    expect(onRemediation).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
        Principal: { 'Fn::GetAtt': [expect.stringMatching(/^RemediationAutomationRole/), 'Arn'] },
      },
    ]);
  });

  it('offers an operator policy that passes the automation role to SSM only', () => {
    const template = synth.templates.rule;
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Action: 'ssm:StartAutomationExecution' }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RemediationAutomationRole'), 'Arn'] },
            Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
          }),
        ]),
      },
    });
    const passRole = identityStatements(template).filter((s) => s.actions.includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
  });

  it('lets the remediation function only read and replace key policies and write backups', () => {
    const template = synth.templates.rule;
    const statements = roleStatements(template, functionRoleId(template, 'rewrites account-wide'));
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(
      ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:PutParameter'].sort(),
    );
    const backup = statements.find((s) => s.actions.includes('ssm:PutParameter'));
    expect(JSON.stringify(backup?.resources)).toContain(':parameter/kms-policy-guard/backup/*');
  });

  it('attaches the remediation manually, passing the key, DryRun and the deployed automation role', () => {
    const ruleId = Object.keys(synth.templates.rule.findResources('AWS::Config::ConfigRule'))[0];
    synth.templates.rule.hasResourceProperties('AWS::Config::RemediationConfiguration', {
      ConfigRuleName: { Ref: ruleId },
      TargetType: 'SSM_DOCUMENT',
      Automatic: false,
      MaximumAutomaticAttempts: 3,
      RetryAttemptSeconds: 600,
      Parameters: {
        KeyId: { ResourceValue: { Value: 'RESOURCE_ID' } },
        DryRun: { StaticValue: { Values: ['true'] } },
        AutomationAssumeRole: { StaticValue: { Values: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^RemediationAutomationRole'), 'Arn'] }] } },
      },
    });
  });

  it('lets only SSM Automation of this account assume the automation role, to invoke the function', () => {
    const template = synth.templates.rule;
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'ssm.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ],
      },
    });
  });
});

describe('KmsPolicyGuardConformancePack', () => {
  it('deploys the pack template read from conformance-pack/, unchanged', () => {
    synth.templates.pack.hasResourceProperties('AWS::Config::ConformancePack', { TemplateBody: packBody });
  });

  it('wires the function ARN, rule parameters and remediation into pack parameters', () => {
    const packs = synth.templates.pack.findResources('AWS::Config::ConformancePack');
    const pack = Object.values(packs)[0] as { Properties: { ConformancePackInputParameters: { ParameterName: string; ParameterValue: unknown }[] } };
    const params = pack.Properties.ConformancePackInputParameters;
    expect(parameterValue(params, 'KmsPolicyGuardFunctionArn')).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RuleFunction/), 'Arn'] });
    expect(parameterValue(params, 'TrustedAccountIds')).toBe('333333333333');
    expect(parameterValue(params, 'MinimumSeverity')).toBe('medium');
    expect(parameterValue(params, 'KmsPolicyGuardMaximumExecutionFrequency')).toBe('Six_Hours');
    expect(parameterValue(params, 'RemediationDocumentName')).toEqual({ Ref: expect.stringMatching(/^RemediationDocument/) });
    expect(params.map((p) => p.ParameterName).filter((n) => /Principal/.test(n))).toEqual([]);
    // The role the pack's remediation passes as AutomationAssumeRole: the automation role of this stack,
    // the only value the document it deploys accepts.
    expect(parameterValue(params, 'RemediationAutomationRoleArn')).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RemediationAutomationRole/), 'Arn'] });
    expect(parameterValue(params, 'RemediationAutomatic')).toBe('false');
    expect(parameterValue(params, 'ExecutionRoleName')).toBeUndefined();
    const declared = Object.keys((parse(packBody) as { Parameters: Record<string, unknown> }).Parameters);
    for (const p of params) expect(declared).toContain(p.ParameterName);
  });

  it('lets Config of this account invoke the rule function', () => {
    synth.templates.pack.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'config.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('scopes compliance reads to the Config rules of the account', () => {
    const template = synth.templates.pack;
    const statements = roleStatements(template, functionRoleId(template, 'evaluates KMS key policies'));
    const compliance = statements.find((s) => s.actions.includes('config:GetComplianceDetailsByConfigRule'));
    expect(JSON.stringify(compliance?.resources)).toContain(':config-rule/*');
  });
});

describe('KmsPolicyGuardOrganization', () => {
  it('deploys the organisation conformance pack from conformance-pack/ with the execution role name', () => {
    const template = synth.templates.organization;
    template.hasResourceProperties('AWS::Config::OrganizationConformancePack', {
      OrganizationConformancePackName: 'kms-policy-guard',
      TemplateBody: packBody,
      ConformancePackInputParameters: Match.arrayWith([
        { ParameterName: 'KmsPolicyGuardFunctionArn', ParameterValue: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RuleFunction'), 'Arn'] } },
        { ParameterName: 'ExecutionRoleName', ParameterValue: 'KmsPolicyGuardExecutionRole' },
      ]),
    });
  });

  it('gives the central function only sts:AssumeRole on the execution role (plus logs and its failure queue)', () => {
    const template = synth.templates.organization;
    const statements = roleStatements(template, functionRoleId(template, 'evaluates KMS key policies'));
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage', 'sts:AssumeRole']);
    const assume = statements.find((s) => s.actions.includes('sts:AssumeRole'));
    expect(assume?.resources).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/KmsPolicyGuardExecutionRole']] }]);
  });

  it('lets the central function assume the execution role only in accounts of its own organisation', () => {
    synth.templates.organization.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AssumeExecutionRole',
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } },
          }),
        ]),
      },
    });
  });

  it('uses the organisation ID from the settings when given, and refuses a malformed one at synth', () => {
    const withOrg = synthesize({ ...TEST_CONTEXT, organizationId: 'o-a1b2c3d4e5' });
    withOrg.templates.organization.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AssumeExecutionRole', Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } } }),
        ]),
      },
    });
    expect(() => synthesize({ ...TEST_CONTEXT, organizationId: 'org-1' })).toThrow(/organizationId: "org-1" is not an organisation ID/);
  });

  it('rolls the execution role out with a service-managed, auto-deploying StackSet trusting the central role', () => {
    const template = synth.templates.organization;
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      CallAs: 'DELEGATED_ADMIN',
      Parameters: [{ ParameterKey: 'CentralFunctionRoleArn', ParameterValue: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RuleFunction'), 'Arn'] } }],
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: { Ref: 'TargetOrganizationalUnitIds' } }, Regions: [{ Ref: 'AWS::Region' }] },
      ],
    });
    const stackSet = Object.values(template.findResources('AWS::CloudFormation::StackSet'))[0] as { Properties: { TemplateBody: string } };
    const inner = Template.fromJSON(JSON.parse(stackSet.Properties.TemplateBody) as Record<string, unknown>);
    inner.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'KmsPolicyGuardExecutionRole',
      AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: { Ref: 'CentralFunctionRoleArn' } }, Action: 'sts:AssumeRole' }] },
    });
    // Which actions: test/infra/iam.test.ts, from the calls the handler makes.
    const actions = identityStatements(inner).flatMap((s) => s.actions);
    expect(actions.some((a) => a.includes('*'))).toBe(false);
  });

  it('lets Config of each member account from context invoke the central function', () => {
    const permissions = synth.templates.organization.findResources('AWS::Lambda::Permission', {
      Properties: { Principal: 'config.amazonaws.com', Action: 'lambda:InvokeFunction' },
    });
    const accounts = Object.values(permissions).map((p) => (p.Properties as { SourceAccount: string }).SourceAccount);
    expect(accounts.sort()).toEqual(MEMBER_ACCOUNTS);
  });

  it('creates an organisation-wide aggregator with the AWSConfigRoleForOrganizations role', () => {
    const template = synth.templates.organization;
    template.hasResourceProperties('AWS::Config::ConfigurationAggregator', {
      OrganizationAggregationSource: { AllAwsRegions: true, RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AggregatorRole'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'config.amazonaws.com' } })] },
      ManagedPolicyArns: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSConfigRoleForOrganizations']] },
      ],
    });
  });

  it('refuses an account listed twice, naming the setting', () => {
    expect(() => synthesize({ ...TEST_CONTEXT, memberAccountIds: '111111111111,222222222222,111111111111' })).toThrow(
      /^memberAccountIds: 111111111111 is listed more than once/,
    );
    expect(() => synthesize({ ...TEST_CONTEXT, excludedAccountIds: ['333333333333', '333333333333'] })).toThrow(
      /^excludedAccountIds: 333333333333 is listed more than once/,
    );
  });

  it('refuses member account IDs that are not 12 digits', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new KmsPolicyGuardOrganizationStack(app, 'Bad', { memberAccountIds: ['12345'] })).toThrow(/12-digit/);
  });
});

/** The execution role as the StackSet creates it, and the ARN the central function may assume. */
function executionRoleOf(template: Template): { role: Record<string, unknown>; assumable: unknown; packRoleName: unknown } {
  const stackSet = Object.values(template.findResources('AWS::CloudFormation::StackSet'))[0] as { Properties: { TemplateBody: string } };
  const inner = Template.fromJSON(JSON.parse(stackSet.Properties.TemplateBody) as Record<string, unknown>);
  const role = Object.values(inner.findResources('AWS::IAM::Role'))[0] as { Properties: Record<string, unknown> };
  const statements = roleStatements(template, functionRoleId(template, 'evaluates KMS key policies'));
  const pack = Object.values(template.findResources('AWS::Config::OrganizationConformancePack'))[0] as {
    Properties: { ConformancePackInputParameters: { ParameterName: string; ParameterValue: unknown }[] };
  };
  return {
    role: role.Properties,
    assumable: statements.find((s) => s.actions.includes('sts:AssumeRole'))?.resources,
    packRoleName: parameterValue(pack.Properties.ConformancePackInputParameters, 'ExecutionRoleName'),
  };
}

const assumableRole = (nameWithPath: string) => [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::*:role/${nameWithPath}`]] }];

describe('the execution role name, with or without a path', () => {
  it('splits a path into the role\'s Path, so the StackSet creates the role the rule assumes', () => {
    const { role, assumable, packRoleName } = executionRoleOf(synthesize({ ...TEST_CONTEXT, executionRoleName: 'audit/KmsPolicyGuardAudit' }).templates.organization);
    // IAM role names may not contain "/": the path is its own property, beginning and ending with "/".
    expect(role).toMatchObject({ RoleName: 'KmsPolicyGuardAudit', Path: '/audit/' });
    // arn:<partition>:iam::<account>:role/audit/KmsPolicyGuardAudit, the ARN the rule builds from the parameter.
    expect(assumable).toEqual(assumableRole('audit/KmsPolicyGuardAudit'));
    expect(packRoleName).toBe('audit/KmsPolicyGuardAudit');
    // The role's ARN is arn:…:role<Path><RoleName>; the rule assumes the one it builds from the pack's parameter.
    const scope = { partition: 'aws', accountId: '111111111111', region: 'us-east-1', executionRoleName: packRoleName as string };
    expect(`arn:aws:iam::111111111111:role${role.Path as string}${role.RoleName as string}`).toBe(executionRoleArn(scope));
  });

  it('gives a role without a path no Path (IAM\'s default "/")', () => {
    const { role } = executionRoleOf(synth.templates.organization);
    expect(role.RoleName).toBe('KmsPolicyGuardExecutionRole');
    expect(role).not.toHaveProperty('Path');
  });

  it('uses the name as the rule reads it (leading "/" and spaces dropped) for the StackSet, the policy and the pack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new KmsPolicyGuardOrganizationStack(app, 'Org', { memberAccountIds: MEMBER_ACCOUNTS, executionRoleName: '/KmsAudit ' });
    const { role, assumable, packRoleName } = executionRoleOf(Template.fromStack(stack));
    expect(role.RoleName).toBe('KmsAudit');
    expect(assumable).toEqual(assumableRole('KmsAudit'));
    expect(packRoleName).toBe('KmsAudit');
  });

  it('refuses a name the rule would refuse, naming the stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new KmsPolicyGuardOrganizationStack(app, 'Org', { memberAccountIds: MEMBER_ACCOUNTS, executionRoleName: 'arn:aws:iam::111111111111:role/A' })).toThrow(
      /^Org: invalid rule parameter ExecutionRoleName: .*not the ARN/,
    );
  });

  it('KmsKeyPolicyRule gives Config and the AssumeRole policy the same normalised name', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Single');
    new KmsKeyPolicyRule(stack, 'Rule', { executionRoleName: '/Audit' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Config::ConfigRule', { InputParameters: { ExecutionRoleName: 'Audit' } });
    const statements = roleStatements(template, functionRoleId(template, 'evaluates KMS key policies'));
    expect(statements.find((s) => s.actions.includes('sts:AssumeRole'))?.resources).toEqual(assumableRole('Audit'));
  });
});

describe('remediation settings are validated at synth', () => {
  it.each([
    [{ remediationAdminPrincipalArns: ['arn:aws:iam::123456789012:root'] }, /remediationAdminPrincipalArns: .*account principal/],
    [{ remediationUsagePrincipalArns: 'arn:aws:iam::123456789012:role/*' }, /remediationUsagePrincipalArns: .*not an IAM role or user ARN/],
    [{ remediationAdminPrincipalArns: 'KeyAdmin' }, /remediationAdminPrincipalArns: "KeyAdmin" is not an IAM role or user ARN/],
    [{ remediationUsagePrincipalArns: [] }, /remediationUsagePrincipalArns is empty while remediationAdminPrincipalArns is set/],
    [{ remediationMaximumAutomaticAttempts: '0' }, /remediationMaximumAutomaticAttempts: must be a whole number from 1 to 25 \(AWS Config's limit\), got 0/],
    [{ remediationMaximumAutomaticAttempts: '26' }, /remediationMaximumAutomaticAttempts: must be a whole number from 1 to 25/],
    [{ remediationRetryAttemptSeconds: '2678001' }, /remediationRetryAttemptSeconds: must be a whole number from 1 to 2678000/],
  ])('%p fails the synth', (override, message) => {
    expect(() => synthesize({ ...TEST_CONTEXT, ...override })).toThrow(message);
  });

  it.each([
    [{ remediationAdminPrincipalArns: ADMIN_ARN }, /remediationUsagePrincipalArns is empty while remediationAdminPrincipalArns is set/],
    [{ remediationUsagePrincipalArns: USE_ARN }, /remediationAdminPrincipalArns is empty while remediationUsagePrincipalArns is set/],
  ])('only one principal list (%p) fails the synth naming the missing one', (context, message) => {
    expect(() => synthesize({ 'aws:cdk:bundling-stacks': [], ...context })).toThrow(message);
  });

  it.each([
    [{ remediationAutomatic: 'true' }, /remediationAutomatic given, but the remediation is not attached without remediationAdminPrincipalArns and remediationUsagePrincipalArns/],
    [{ remediationDryRun: 'false', remediationRetryAttemptSeconds: '60' }, /remediationRetryAttemptSeconds, remediationDryRun given, but the remediation is not attached/],
  ])('remediation options without the principal lists (%p) fail the synth instead of being dropped', (context, message) => {
    expect(() => synthesize({ 'aws:cdk:bundling-stacks': [], ...context })).toThrow(message);
  });

  it('passes the remediation options given to both the rule stack and the pack', () => {
    const custom = synthesize({ ...TEST_CONTEXT, remediationAutomatic: 'true', remediationMaximumAutomaticAttempts: '5', remediationRetryAttemptSeconds: '120', remediationDryRun: 'false' });
    custom.templates.rule.hasResourceProperties('AWS::Config::RemediationConfiguration', {
      Automatic: true,
      MaximumAutomaticAttempts: 5,
      RetryAttemptSeconds: 120,
      Parameters: Match.objectLike({ DryRun: { StaticValue: { Values: ['false'] } } }),
    });
    const pack = Object.values(custom.templates.pack.findResources('AWS::Config::ConformancePack'))[0] as {
      Properties: { ConformancePackInputParameters: { ParameterName: string; ParameterValue: unknown }[] };
    };
    const params = pack.Properties.ConformancePackInputParameters;
    expect(['RemediationAutomatic', 'RemediationMaximumAutomaticAttempts', 'RemediationRetryAttemptSeconds', 'RemediationDryRun'].map((n) => parameterValue(params, n))).toEqual([
      'true',
      '5',
      '120',
      'false',
    ]);
  });

  it.each([
    ['cn-north-1', 'aws', ADMIN_ARN],
    ['us-east-1', 'aws-cn', ADMIN_ARN.replace(/^arn:aws:/, 'arn:aws-cn:')],
  ])('refuses principals of another partition than the stack when its region is known (%s, %s ARN)', (region, _partition, admin) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:enablePartitionLiterals': true } });
    const account = /:iam::(\d{12}):/.exec(ADMIN_ARN)?.[1] ?? '';
    expect(
      () =>
        new KmsPolicyGuardRuleStack(app, 'OtherPartition', {
          env: { account, region },
          remediation: { adminPrincipalArns: [admin], usagePrincipalArns: [USE_ARN] },
        }),
    ).toThrow(/remediationAdminPrincipalArns: .*partition aws(-cn)?, not the stack's partition aws(-cn)?/);
  });

  it.each([['arn:aws:iam::123456789012:role//'], ['arn:aws:iam::123456789012:user/a/'], ['arn:aws-foo:iam::123456789012:role/KeyAdmin']])(
    '%s fails the synth',
    (arn) => {
      expect(() => synthesize({ ...TEST_CONTEXT, remediationAdminPrincipalArns: arn })).toThrow(/remediationAdminPrincipalArns: /);
    },
  );

  it('refuses principals of another account than the stack when the account is known', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(
      () =>
        new KmsPolicyGuardRuleStack(app, 'Other', {
          env: { account: '999999999999', region: 'us-east-1' },
          remediation: { adminPrincipalArns: [ADMIN_ARN], usagePrincipalArns: [USE_ARN] },
        }),
    ).toThrow(/remediationAdminPrincipalArns: .*123456789012, not to the stack's account 999999999999/);
  });
});

describe('without remediation principals', () => {
  it('deploys the remediation but attaches it nowhere', () => {
    const bare = synthesize({ 'aws:cdk:bundling-stacks': [] });
    bare.templates.rule.resourceCountIs('AWS::Config::RemediationConfiguration', 0);
    bare.templates.rule.resourceCountIs('AWS::SSM::Document', 1);
    // Deployed unconfigured: the function has no principals and refuses every invocation.
    const remediationFunction = Object.values(bare.templates.rule.findResources('AWS::Lambda::Function')).find((r) =>
      String((r.Properties as { Description?: string }).Description).includes('rewrites account-wide'),
    );
    expect(JSON.stringify(remediationFunction)).not.toContain('PRINCIPAL_ARNS');
    const pack = Object.values(bare.templates.pack.findResources('AWS::Config::ConformancePack'))[0] as {
      Properties: { ConformancePackInputParameters: { ParameterName: string }[] };
    };
    expect(pack.Properties.ConformancePackInputParameters.map((p) => p.ParameterName)).toEqual(['KmsPolicyGuardFunctionArn']);
    bare.templates.rule.hasResourceProperties('AWS::Config::ConfigRule', { InputParameters: Match.absent() });
  });
});

describe('the organisation stack needs its member accounts', () => {
  it('is not built without memberAccountIds, so plain cdk synth gives the single-account stacks only', () => {
    const bare = synthesize({ 'aws:cdk:bundling-stacks': [] });
    expect(bare.organizationStack).toBeUndefined();
    expect(bare.app.node.children.map((c) => c.node.id).filter((id) => id.startsWith('KmsPolicyGuard'))).toEqual([
      'KmsPolicyGuardRule',
      'KmsPolicyGuardConformancePack',
    ]);
  });

  it.each([
    [{ executionRoleName: 'Audit' }, /executionRoleName given without memberAccountIds/],
    [{ organizationId: 'o-a1b2c3d4e5', stackSetCallAs: 'SELF' }, /organizationId, stackSetCallAs given without memberAccountIds: .*add -c memberAccountIds=/],
    [{ excludedAccountIds: '444455556666' }, /excludedAccountIds given without memberAccountIds/],
  ])('refuses organisation settings without memberAccountIds (%p)', (context, message) => {
    expect(() => synthesize({ 'aws:cdk:bundling-stacks': [], ...context })).toThrow(message);
  });

  it('refuses an empty member account list when built as a construct', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new KmsPolicyGuardOrganizationStack(app, 'NoMembers', { memberAccountIds: [] })).toThrow(
      /memberAccountIds is empty: Config in a member account can invoke the central function only with a Lambda permission/,
    );
  });
});

describe('CloudFormation parameters of the organisation stack', () => {
  it('accept only OU IDs and the root ID as StackSet targets', () => {
    const parameter = synth.templates.organization.toJSON().Parameters?.TargetOrganizationalUnitIds as { AllowedPattern: string };
    const allowed = new RegExp(parameter.AllowedPattern);
    expect(['ou-abcd-11111111', 'r-abcd'].filter((id) => allowed.test(id))).toEqual(['ou-abcd-11111111', 'r-abcd']);
    expect(['o-a1b2c3d4e5', '111122223333', 'ou-abcd'].filter((id) => allowed.test(id))).toEqual([]);
  });
});

describe('the managed rule KMS_KEY_POLICY_NO_PUBLIC_ACCESS, a deployment setting', () => {
  const bare = { 'aws:cdk:bundling-stacks': [] };
  const packParameters = (template: Template, type: string) =>
    (Object.values(template.findResources(type))[0] as { Properties: { ConformancePackInputParameters: { ParameterName: string; ParameterValue: unknown }[] } })
      .Properties.ConformancePackInputParameters;

  it('is left to the pack default (deployed) unless set, and passed to both packs from context', () => {
    expect(parameterValue(packParameters(synth.templates.pack, 'AWS::Config::ConformancePack'), 'KmsKeyPolicyNoPublicAccessRule')).toBeUndefined();
    const off = synthesize({ ...TEST_CONTEXT, kmsKeyPolicyNoPublicAccessRule: 'false' });
    expect(parameterValue(packParameters(off.templates.pack, 'AWS::Config::ConformancePack'), 'KmsKeyPolicyNoPublicAccessRule')).toBe('false');
    expect(parameterValue(packParameters(off.templates.organization, 'AWS::Config::OrganizationConformancePack'), 'KmsKeyPolicyNoPublicAccessRule')).toBe('false');
  });

  it('refuses a value other than true or false, naming the setting', () => {
    expect(() => synthesize({ ...bare, kmsKeyPolicyNoPublicAccessRule: 'no' })).toThrow('context kmsKeyPolicyNoPublicAccessRule must be true or false, got no');
  });

  it('refuses the pack parameter name as a context key, pointing at the setting', () => {
    expect(() => synthesize({ ...bare, KmsKeyPolicyNoPublicAccessRule: 'false' })).toThrow('did you mean kmsKeyPolicyNoPublicAccessRule?');
  });

  it.each(['ca-west-1', 'ap-southeast-5', 'us-gov-west-1'])('must be given in %s, where AWS Config lacks the rule, for either pack', (region) => {
    const message = new RegExp(`does not offer the managed rule KMS_KEY_POLICY_NO_PUBLIC_ACCESS in ${region} .*set -c kmsKeyPolicyNoPublicAccessRule=false`);
    expect(() => new KmsPolicyGuardConformancePackStack(new App({ context: bare }), 'Pack', { env: { region } })).toThrow(message);
    expect(() => new KmsPolicyGuardOrganizationStack(new App({ context: bare }), 'Org', { env: { region }, memberAccountIds: MEMBER_ACCOUNTS })).toThrow(message);
    const off = new KmsPolicyGuardOrganizationStack(new App({ context: bare }), 'Org', { env: { region }, memberAccountIds: MEMBER_ACCOUNTS, kmsKeyPolicyNoPublicAccessRule: false });
    expect(parameterValue(packParameters(Template.fromStack(off), 'AWS::Config::OrganizationConformancePack'), 'KmsKeyPolicyNoPublicAccessRule')).toBe('false');
  });

  it('is deployed by default in a Region that has the rule', () => {
    const stack = new KmsPolicyGuardConformancePackStack(new App({ context: bare }), 'Pack', { env: { region: 'eu-west-1' } });
    expect(parameterValue(packParameters(Template.fromStack(stack), 'AWS::Config::ConformancePack'), 'KmsKeyPolicyNoPublicAccessRule')).toBeUndefined();
  });
});
