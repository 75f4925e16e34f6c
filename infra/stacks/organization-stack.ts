import { Aws, CfnOutput, CfnParameter, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cfn from 'aws-cdk-lib/aws-cloudformation';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { loadConformancePackTemplate, packInputParameters } from '../conformance-pack';
import { DEFAULT_HOOK_ALIAS, hookMemberTemplate, KmsKeyPolicyHookFunction, type KmsKeyPolicyHookSettings } from '../constructs/key-policy-hook';
import { KmsKeyPolicyRuleFunction } from '../constructs/kms-key-policy-rule';
import { DEFAULT_EXECUTION_ROLE_NAME, executionRoleTemplate } from '../execution-role-template';
import { ruleParameterText, type KmsPolicyGuardRuleParameters } from '../rule-parameters';
import { ACCOUNT_ID, ORG_ID } from '../../settings/parameter-spec';
import { managedRulePackParameters, rulePackParameters } from '../settings';

export interface KmsPolicyGuardOrganizationStackProps extends StackProps {
  /**
   * Rule parameters passed to the organisation conformance pack (ExecutionRoleName is set by this stack).
   * @default - the rule's defaults
   */
  readonly ruleParameters?: Omit<KmsPolicyGuardRuleParameters, 'executionRoleName'>;
  /**
   * How often the periodic sweep runs.
   * @default - the pack's default, TwentyFour_Hours
   */
  readonly maximumExecutionFrequency?: config.MaximumExecutionFrequency;
  /**
   * Name of the role the StackSet creates in every member account and the central function assumes.
   * @default 'KmsPolicyGuardExecutionRole'
   */
  readonly executionRoleName?: string;
  /**
   * The organisation (o-…) whose member accounts the central function may assume the execution role in.
   * @default - the organisation of the account this stack is deployed in (`${aws:PrincipalOrgID}`)
   */
  readonly organizationId?: string;
  /**
   * Accounts whose Config rules may invoke the central function (one `lambda:InvokeFunction` permission each);
   * at least one. An account left out gets the pack's rule, but Config there cannot invoke the function.
   */
  readonly memberAccountIds: readonly string[];
  /**
   * Accounts the organisation conformance pack leaves out.
   * @default - none
   */
  readonly excludedAccountIds?: readonly string[];
  /**
   * Region the StackSet deploys the (global) IAM role in.
   * @default - this stack's region
   */
  readonly stackSetRegion?: string;
  /**
   * Whether the stack is deployed from a delegated administrator (`DELEGATED_ADMIN`) or the management account (`SELF`).
   * @default 'DELEGATED_ADMIN'
   */
  readonly stackSetCallAs?: 'DELEGATED_ADMIN' | 'SELF';
  /**
   * Deploy AWS's managed rule KMS_KEY_POLICY_NO_PUBLIC_ACCESS with the organisation pack. AWS Config lacks it in
   * some Regions (conformance-pack/README.md), where the pack would fail in every account: there the synth
   * fails until this is set, to false.
   * @default true (in a Region known to lack the rule: must be given)
   */
  readonly kmsKeyPolicyNoPublicAccessRule?: boolean;
  /**
   * Name of the organisation conformance pack.
   * @default 'kms-policy-guard'
   */
  readonly conformancePackName?: string;
  /**
   * Log retention of the central function's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Also roll out the CloudFormation key policy hook: a central hook function in this account, and a
   * StackSet that activates a Lambda hook invoking it in every account of the target OUs, in this stack's Region.
   * @default - no hook
   */
  readonly hook?: OrganizationHookProps;
}

/** The organisation's hook: one central function, one hook per member account in this stack's Region. */
export interface OrganizationHookProps extends KmsKeyPolicyHookSettings {
  /**
   * FAIL stops a create or update whose key policy fails; WARN lets it proceed.
   * @default 'FAIL'
   */
  readonly failureMode?: 'FAIL' | 'WARN';
  /**
   * The hook's type name in each member account.
   * @default 'KmsPolicyGuard::KeyPolicy::Hook'
   */
  readonly alias?: string;
  /**
   * Also judge keys created or updated through the Cloud Control API.
   * @default false
   */
  readonly includeCloudControl?: boolean;
  /**
   * Further stack names (wildcards allowed) the member hooks never judge; the StackSet's own stack is always excluded.
   * @default - none
   */
  readonly excludedStackNames?: readonly string[];
}


/** An OU ID or the root ID, as a StackSet deployment target. */
export const ORGANIZATIONAL_UNIT_OR_ROOT_ID = '^(?:ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$';

function checkAccountIds(what: string, ids: readonly string[]): void {
  const bad = ids.filter((id) => !ACCOUNT_ID.test(id));
  if (bad.length > 0) throw new Error(`${what}: not 12-digit account IDs: ${bad.join(', ')}`);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new Error(`${what}: ${repeated} is listed more than once; list each account once`);
}

/** The stack's settings, checked, with defaults applied. */
interface OrganizationSettings {
  /** The name as the rule reads it ("/KmsAudit " is "KmsAudit"), for the StackSet's role, the AssumeRole policy and the pack alike. */
  executionRoleName: string;
  memberAccountIds: readonly string[];
  excludedAccountIds: readonly string[];
}

/** Invalid settings fail at synth, each with what to fix. */
function organizationSettings(props: KmsPolicyGuardOrganizationStackProps, path: string): OrganizationSettings {
  const executionRoleName = ruleParameterText('executionRoleName', props.executionRoleName ?? DEFAULT_EXECUTION_ROLE_NAME, path);
  const memberAccountIds = props.memberAccountIds;
  if (memberAccountIds.length === 0) {
    throw new Error(
      'memberAccountIds is empty: Config in a member account can invoke the central function only with a Lambda permission ' +
        'for that account, so without any the organisation conformance pack would fail in every account; list the member accounts',
    );
  }
  const excludedAccountIds = props.excludedAccountIds ?? [];
  checkAccountIds('memberAccountIds', memberAccountIds);
  checkAccountIds('excludedAccountIds', excludedAccountIds);
  if (props.organizationId !== undefined && !ORG_ID.test(props.organizationId)) {
    throw new Error(`organizationId: "${props.organizationId}" is not an organisation ID such as o-a1b2c3d4e5 (o- then 10 to 32 lowercase letters or digits)`);
  }
  return { executionRoleName, memberAccountIds, excludedAccountIds };
}

function targetOrganizationalUnitsParameter(stack: Stack): CfnParameter {
  return new CfnParameter(stack, 'TargetOrganizationalUnitIds', {
    type: 'CommaDelimitedList',
    description: 'Organisational units (ou-… or the root r-…) whose accounts get the execution role (and the key policy hook, when rolled out)',
    // Checked per item (https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html, API_Root.html).
    allowedPattern: ORGANIZATIONAL_UNIT_OR_ROOT_ID,
    constraintDescription: 'a comma-separated list of OU IDs (ou-…) or the root ID (r-…)',
  });
}

/** The execution role in every account of the target OUs, trusting the central function's role. */
function executionRoleStackSet(
  stack: Stack,
  ruleFunction: KmsKeyPolicyRuleFunction,
  executionRoleName: string,
  targetOus: CfnParameter,
  props: KmsPolicyGuardOrganizationStackProps,
): cfn.CfnStackSet {
  return new cfn.CfnStackSet(stack, 'ExecutionRoleStackSet', {
    stackSetName: 'kms-policy-guard-execution-role',
    description: 'kms-policy-guard: role the central rule function assumes in each member account',
    permissionModel: 'SERVICE_MANAGED',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    callAs: props.stackSetCallAs ?? 'DELEGATED_ADMIN',
    capabilities: ['CAPABILITY_NAMED_IAM'],
    managedExecution: { Active: true },
    operationPreferences: { failureTolerancePercentage: 10, maxConcurrentPercentage: 25, regionConcurrencyType: 'PARALLEL' },
    parameters: [{ parameterKey: 'CentralFunctionRoleArn', parameterValue: ruleFunction.role.roleArn }],
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: targetOus.valueAsList },
        // IAM is global: one region per account, or the named role would collide.
        regions: [props.stackSetRegion ?? Aws.REGION],
      },
    ],
    templateBody: JSON.stringify(executionRoleTemplate(executionRoleName)),
  });
}

/**
 * Config in each member account invokes the central function for the pack's rule. A Lambda permission for a
 * service principal cannot be scoped to an organisation (PrincipalOrgID only applies to account principals),
 * hence one permission per account (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_nodejs.html).
 */
function configInvokePermissions(stack: Stack, ruleFunction: KmsKeyPolicyRuleFunction, memberAccountIds: readonly string[]): lambda.CfnPermission[] {
  return memberAccountIds.map(
    (accountId) =>
      new lambda.CfnPermission(stack, `ConfigInvoke${accountId}`, {
        action: 'lambda:InvokeFunction',
        functionName: ruleFunction.function.functionArn,
        principal: 'config.amazonaws.com',
        sourceAccount: accountId,
      }),
  );
}

function organizationConformancePack(
  stack: Stack,
  ruleFunction: KmsKeyPolicyRuleFunction,
  settings: OrganizationSettings,
  props: KmsPolicyGuardOrganizationStackProps,
): config.CfnOrganizationConformancePack {
  const template = loadConformancePackTemplate();
  return new config.CfnOrganizationConformancePack(stack, 'OrganizationConformancePack', {
    organizationConformancePackName: props.conformancePackName ?? 'kms-policy-guard',
    templateBody: template.body,
    conformancePackInputParameters: packInputParameters(template, {
      KmsPolicyGuardFunctionArn: ruleFunction.function.functionArn,
      ...rulePackParameters({ ...props.ruleParameters, executionRoleName: settings.executionRoleName }, props.maximumExecutionFrequency, stack.node.path),
      ...managedRulePackParameters(props.kmsKeyPolicyNoPublicAccessRule, stack.region, stack.node.path),
    }),
    ...(settings.excludedAccountIds.length > 0 ? { excludedAccounts: [...settings.excludedAccountIds] } : {}),
  });
}

/**
 * The hook roll-out: the central hook function, a Lambda permission per member account (the member accounts'
 * hook execution roles invoke it across accounts: their own identity policy names the function, and this
 * resource policy admits their account), and the StackSet that activates the hook in every member account of
 * the target OUs. A Lambda hook invokes its function by ARN; the StackSet deploys it in this stack's Region only,
 * the function's own, since a hook's function is expected in the hook's Region.
 */
function hookRollOut(stack: Stack, hook: OrganizationHookProps, memberAccountIds: readonly string[], targetOus: CfnParameter, props: KmsPolicyGuardOrganizationStackProps): OrganizationHook {
  const { failureMode, alias, includeCloudControl, excludedStackNames, ...settings } = hook;
  const hookFunction = new KmsKeyPolicyHookFunction(stack, 'HookFunction', { ...settings, logRetention: props.logRetention });
  // The function makes no AWS call and holds no permission but its logs: a principal of a member account that
  // invokes it outside a hook learns only how a policy it sent would be judged.
  const permissions = memberAccountIds.map(
    (accountId) =>
      new lambda.CfnPermission(stack, `HookInvoke${accountId}`, {
        action: 'lambda:InvokeFunction',
        functionName: hookFunction.guard.function.functionArn,
        principal: accountId,
      }),
  );
  const stackSet = new cfn.CfnStackSet(stack, 'HookStackSet', {
    stackSetName: 'kms-policy-guard-hook',
    description: 'kms-policy-guard: CloudFormation hook judging KMS key policies in each member account',
    permissionModel: 'SERVICE_MANAGED',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    callAs: props.stackSetCallAs ?? 'DELEGATED_ADMIN',
    capabilities: ['CAPABILITY_IAM'],
    managedExecution: { Active: true },
    operationPreferences: { failureTolerancePercentage: 10, maxConcurrentPercentage: 25, regionConcurrencyType: 'PARALLEL' },
    parameters: [{ parameterKey: 'HookFunctionArn', parameterValue: hookFunction.guard.function.functionArn }],
    stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: targetOus.valueAsList }, regions: [Aws.REGION] }],
    templateBody: JSON.stringify(
      hookMemberTemplate({
        alias: alias ?? DEFAULT_HOOK_ALIAS,
        failureMode: failureMode ?? 'FAIL',
        includeCloudControl: includeCloudControl === true,
        excludedStackNames: excludedStackNames ?? [],
      }),
    ),
  });
  // The function and its permissions first: a member hook that cannot invoke it fails every key operation.
  stackSet.node.addDependency(hookFunction);
  for (const permission of permissions) stackSet.node.addDependency(permission);
  return { hookFunction, stackSet, permissions };
}

interface OrganizationHook {
  hookFunction: KmsKeyPolicyHookFunction;
  stackSet: cfn.CfnStackSet;
  permissions: lambda.CfnPermission[];
}

/** An organisation-wide configuration aggregator, with the role Config reads the organisation as. */
function organizationAggregator(stack: Stack): config.CfnConfigurationAggregator {
  const aggregatorRole = new iam.Role(stack, 'AggregatorRole', {
    description: 'kms-policy-guard: lets AWS Config read the organisation to aggregate compliance',
    assumedBy: new iam.ServicePrincipal('config.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSConfigRoleForOrganizations')],
  });
  Validations.of(aggregatorRole).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSConfigRoleForOrganizations]',
    reason:
      'AWS documents this managed policy for organisation aggregators; it only allows the Organizations read calls ' +
      '(DescribeOrganization, ListAccounts, ListAWSServiceAccessForOrganization) that Config needs, and AWS keeps it current.',
  });
  return new config.CfnConfigurationAggregator(stack, 'OrganizationAggregator', {
    configurationAggregatorName: 'kms-policy-guard-organization',
    organizationAggregationSource: { roleArn: aggregatorRole.roleArn, allAwsRegions: true },
  });
}

/**
 * Organisation roll-out, deployed in the Config delegated administrator account: the central rule function,
 * the execution role in every member account (service-managed StackSet with auto-deployment), invoke
 * permissions for the member accounts, the organisation conformance pack, and an organisation-wide
 * configuration aggregator.
 */
export class KmsPolicyGuardOrganizationStack extends Stack {
  readonly ruleFunction: KmsKeyPolicyRuleFunction;
  readonly executionRoleStackSet: cfn.CfnStackSet;
  readonly conformancePack: config.CfnOrganizationConformancePack;
  readonly aggregator: config.CfnConfigurationAggregator;
  readonly invokePermissions: lambda.CfnPermission[];
  /** With the `hook` prop: the central hook function, the member accounts' invoke permissions and the hook StackSet. */
  readonly hook?: OrganizationHook;

  constructor(scope: Construct, id: string, props: KmsPolicyGuardOrganizationStackProps) {
    super(scope, id, {
      description: 'kms-policy-guard: organisation roll-out (central rule function, conformance pack, aggregator)',
      ...props,
    });
    const settings = organizationSettings(props, this.node.path);
    const targetOus = targetOrganizationalUnitsParameter(this);
    this.ruleFunction = new KmsKeyPolicyRuleFunction(this, 'RuleFunction', {
      executionRoleName: settings.executionRoleName,
      executionRoleOrganizationId: props.organizationId,
      logRetention: props.logRetention,
    });
    this.executionRoleStackSet = executionRoleStackSet(this, this.ruleFunction, settings.executionRoleName, targetOus, props);
    this.invokePermissions = configInvokePermissions(this, this.ruleFunction, settings.memberAccountIds);
    this.conformancePack = organizationConformancePack(this, this.ruleFunction, settings, props);
    // Roles and permissions first, so the first evaluations can assume the role and invoke the function.
    this.conformancePack.node.addDependency(this.executionRoleStackSet);
    for (const permission of this.invokePermissions) this.conformancePack.node.addDependency(permission);
    this.conformancePack.node.addDependency(this.ruleFunction);
    this.aggregator = organizationAggregator(this);
    if (props.hook !== undefined) {
      this.hook = hookRollOut(this, props.hook, settings.memberAccountIds, targetOus, props);
      new CfnOutput(this, 'HookFunctionArn', { value: this.hook.hookFunction.guard.function.functionArn });
    }

    new CfnOutput(this, 'RuleFunctionArn', { value: this.ruleFunction.function.functionArn });
    new CfnOutput(this, 'RuleFunctionRoleArn', { value: this.ruleFunction.role.roleArn });
    new CfnOutput(this, 'AggregatorName', { value: this.aggregator.ref });
  }
}
