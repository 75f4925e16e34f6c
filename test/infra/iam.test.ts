/**
 * The roles grant exactly what the code sends. The needs are not read from infra/permissions.ts (which built the
 * roles) but recorded: the rule and the remediation handlers run through their scenarios against
 * aws-sdk-client-mock, every command sent is mapped to its IAM action (service prefix from the client, action
 * from the command) and to the resource it named (the key's ARN, the rule's ARN, the backup parameter, the
 * execution role), and each synthesized role must grant those, plus the runtime needs below, with the expected
 * conditions only, and nothing else (test/infra/role-grants.ts; its own hostile table is at the end).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  PutEvaluationsCommand,
  type ConfigurationItem,
  type ResourceKey,
} from '@aws-sdk/client-config-service';
import { GetAccountAuthorizationDetailsCommand, GetPolicyCommand, GetPolicyVersionCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand, ListKeysCommand, ListResourceTagsCommand, NotFoundException, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import type { SinonSpyCall } from 'sinon';
import { createClientsFactory } from '../../aws/clients';
import { DEFAULT_EXECUTION_ROLE_NAME } from '../../infra/execution-role-template';
import { createRemediationHandler } from '../../remediation/handler';
import { createHandler } from '../../rule/handler';
import { ADMIN, fixtureText, KEY_ID, KEY_ARN, ACCOUNT as REMEDIATION_ACCOUNT, USER } from '../remediation/fixtures';
import { ACCOUNT, CapturingLogger, CapturingMetrics, fixtureEvent, fixtureJson, lambdaContext, VirtualClock, withParameters } from '../rule/support';
import { synthesize, type Synthesized } from './app-fixture';
import { functionRoleId } from './iam';
import { resourceTypeless, roleGrantProblems, type Need, type Resolution, type ResourceTypeless, type RoleExpectation } from './role-grants';

const kms = mockClient(KMSClient);
const config = mockClient(ConfigServiceClient);
const sts = mockClient(STSClient);
const ssm = mockClient(SSMClient);
const iam = mockClient(IAMClient);
const organizations = mockClient(OrganizationsClient);

/** The IAM service prefix of each client the code uses. */
const SERVICES = [
  { mock: kms, prefix: 'kms' },
  { mock: config, prefix: 'config' },
  { mock: sts, prefix: 'sts' },
  { mock: ssm, prefix: 'ssm' },
  { mock: iam, prefix: 'iam' },
  { mock: organizations, prefix: 'organizations' },
] as const;

/** Calls no IAM policy has to allow (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). */
const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

/** Where a scenario ran: the partition, Region and account its ARNs are built in. */
interface ScenarioPlace {
  partition: string;
  region: string;
  account: string;
  /** The rule the scenario reported to (rule scenarios only). */
  configRule?: { arn: string; name: string };
}

interface SentCall {
  command: string;
  action: string;
  input: Record<string, unknown>;
}

/** Every command sent since the last reset, in the order sent. */
function sentCalls(): SentCall[] {
  const calls: { call: SentCall; spy: SinonSpyCall }[] = [];
  for (const { mock, prefix } of SERVICES) {
    for (const call of mock.calls()) {
      const command = call.args[0] as unknown as { input: Record<string, unknown> };
      const name = command.constructor.name;
      if (!name.endsWith('Command')) throw new Error(`not an SDK command: ${name}`);
      calls.push({ call: { command: name, action: `${prefix}:${name.slice(0, -'Command'.length)}`, input: command.input }, spy: call as SinonSpyCall });
    }
  }
  return calls.sort((a, b) => (a.spy.calledBefore(b.spy) ? -1 : 1)).map((c) => c.call);
}

function keyArn(keyId: unknown, place: ScenarioPlace): string {
  if (typeof keyId !== 'string') throw new Error(`KeyId ${JSON.stringify(keyId)} is not a string`);
  if (keyId.startsWith('arn:')) return keyId;
  // An alias authorises on the alias and on the key it points to; the code sends key ids or key ARNs only.
  if (keyId.startsWith('alias/')) throw new Error(`KeyId ${keyId} is an alias; map its IAM resources before sending one`);
  return `arn:${place.partition}:kms:${place.region}:${place.account}:key/${keyId}`;
}

/** The resource each action that has a resource type authorises on, from the command's input. */
const RESOURCE_OF: Record<string, (input: Record<string, unknown>, place: ScenarioPlace) => string> = {
  'kms:DescribeKey': (input, place) => keyArn(input.KeyId, place),
  'kms:GetKeyPolicy': (input, place) => keyArn(input.KeyId, place),
  'kms:ListResourceTags': (input, place) => keyArn(input.KeyId, place),
  'kms:ListGrants': (input, place) => keyArn(input.KeyId, place),
  'kms:PutKeyPolicy': (input, place) => keyArn(input.KeyId, place),
  'config:GetComplianceDetailsByConfigRule': (input, place) => {
    if (place.configRule === undefined || input.ConfigRuleName !== place.configRule.name) {
      throw new Error(`GetComplianceDetailsByConfigRule for ${String(input.ConfigRuleName)}, not the scenario's rule`);
    }
    return place.configRule.arn;
  },
  'sts:AssumeRole': (input) => String(input.RoleArn),
  'ssm:PutParameter': (input, place) => `arn:${place.partition}:ssm:${place.region}:${place.account}:parameter${String(input.Name)}`,
  'config:DescribeConfigurationRecorders': (_input, place) => recorderArn(place),
  'config:DescribeConfigurationRecorderStatus': (_input, place) => recorderArn(place),
  'iam:GetPolicy': (input) => String(input.PolicyArn),
  'iam:GetPolicyVersion': (input) => String(input.PolicyArn),
  'organizations:ListParents': (input, place) => organizationArn(String(input.ChildId), place),
  'organizations:ListPoliciesForTarget': (input, place) => organizationArn(String(input.TargetId), place),
  'organizations:DescribePolicy': (input, place) => organizationArn(String(input.PolicyId), place),
};

/** The scenarios' organisation: its management account, id, root, the account's OU, and an SCP of its own. */
const ORG = { management: '999988887777', id: 'o-exampleorgid', root: 'r-ab12', ou: 'ou-ab12-abcdefgh', scp: 'p-abcd1234' };

function recorderArn(place: ScenarioPlace): string {
  return `arn:${place.partition}:config:${place.region}:${place.account}:configuration-recorder/default/recorder-0001`;
}

/** The ARN Organizations authorises a call on, from the id the call names (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html). */
function organizationArn(id: string, place: ScenarioPlace): string {
  const base = `arn:${place.partition}:organizations::${ORG.management}`;
  if (id === place.account) return `${base}:account/${ORG.id}/${id}`;
  if (id.startsWith('ou-')) return `${base}:ou/${ORG.id}/${id}`;
  if (id.startsWith('r-')) return `${base}:root/${ORG.id}/${id}`;
  // AWS managed policies live under the account "aws", without the organisation id.
  if (id === 'p-FullAWSAccess') return `arn:${place.partition}:organizations::aws:policy/service_control_policy/${id}`;
  if (id === 'p-RCPFullAWSAccess') return `arn:${place.partition}:organizations::aws:policy/resource_control_policy/${id}`;
  if (id === ORG.scp) return `${base}:policy/${ORG.id}/service_control_policy/${id}`;
  throw new Error(`no Organizations ARN for ${id}`);
}

/** Organizations actions whose ARNs name the management account, unknown at deploy time. */
const ORGANIZATIONS_ANY_ACCOUNT = {
  'organizations:ListParents': "the organisation's management account, named in every Organizations ARN",
  'organizations:ListPoliciesForTarget': "the organisation's management account, named in every Organizations ARN",
  'organizations:DescribePolicy': "the organisation's management account, named in every Organizations ARN",
};

let typeless: ResourceTypeless;

/** The needs of the calls: each action on the resource it named, `*` for actions without a resource type. */
function needsOf(calls: readonly SentCall[], place: ScenarioPlace): Need[] {
  return calls
    .filter((c) => !NEEDS_NO_PERMISSION.has(c.action))
    .map((c) => {
      if (typeless.has(c.action.toLowerCase())) return { action: c.action, resource: '*' };
      const resourceOf = RESOURCE_OF[c.action];
      if (resourceOf === undefined) throw new Error(`${c.action} has a resource type and no entry in RESOURCE_OF`);
      return { action: c.action, resource: resourceOf(c.input, place) };
    });
}

const KEY = 'k-1';
const KEY_ARN_RULE = `arn:aws:kms:us-east-2:${ACCOUNT}:key/${KEY}`;
const ROOT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
});

/** AWS as the rule meets it: one key with an account-wide policy and an exemption tag, one stale evaluation. */
function answerAsAws(configRecordsKeys: boolean): void {
  for (const { mock } of SERVICES) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/rule/session`, Account: ACCOUNT });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2099-01-01T00:00:00Z') },
  });
  kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: KEY, KeyArn: KEY_ARN_RULE }] });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY, Arn: KEY_ARN_RULE, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: ROOT_POLICY });
  kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: 'security:exemption', TagValue: 'SEC-1' }] });
  config.on(ListDiscoveredResourcesCommand).resolves({
    resourceIdentifiers: configRecordsKeys ? [{ resourceType: 'AWS::KMS::Key', resourceId: KEY }] : [],
  });
  config.on(BatchGetResourceConfigCommand, { resourceKeys: [{ resourceType: 'AWS::KMS::Key', resourceId: KEY }] }).resolves({
    baseConfigurationItems: [
      {
        version: '1.3',
        accountId: ACCOUNT,
        configurationItemCaptureTime: new Date('2026-11-20T10:00:00.000Z'),
        configurationItemStatus: 'OK',
        resourceType: 'AWS::KMS::Key',
        resourceId: KEY,
        arn: KEY_ARN_RULE,
        awsRegion: 'us-east-2',
        // No keyManager nor policy in the record: the rule completes them from KMS.
        configuration: JSON.stringify({ keyId: KEY, arn: KEY_ARN_RULE }),
        supplementaryConfiguration: {},
      },
    ],
  });
  answerIamAndOrganizations(configRecordsKeys);
  config.on(GetResourceConfigHistoryCommand).resolves(fixtureJson<{ configurationItems: ConfigurationItem[] }>('api-get-resource-config-history.json'));
  config.on(GetComplianceDetailsByConfigRuleCommand).resolves({
    EvaluationResults: [{ EvaluationResultIdentifier: { EvaluationResultQualifier: { ResourceType: 'AWS::KMS::Key', ResourceId: 'k-stale' } } }],
  });
  config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
}

/**
 * Who can use the key: where Config records keys it records IAM too (a role with AWS managed AdministratorAccess,
 * which Config does not record, so it is read from IAM); elsewhere IAM is read with GetAccountAuthorizationDetails
 * (a role whose boundary, a policy of the account, the listing lacks). The account is in an organisation whose
 * path, SCPs and RCPs the calls can read.
 */
function answerIamAndOrganizations(configRecordsIam: boolean): void {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/app`;
  const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
  const boundary = `arn:aws:iam::${ACCOUNT}:policy/boundary`;
  const document = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
  config.on(DescribeConfigurationRecordersCommand).resolves({
    ConfigurationRecorders: [{ name: 'default', recordingGroup: { allSupported: true, includeGlobalResourceTypes: configRecordsIam } }],
  });
  config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: true }] });
  config.on(ListDiscoveredResourcesCommand, { resourceType: 'AWS::IAM::Role' }).resolves({ resourceIdentifiers: [{ resourceType: 'AWS::IAM::Role', resourceId: 'AROAAPP' }] });
  for (const resourceType of ['AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::Policy'] as const) config.on(ListDiscoveredResourcesCommand, { resourceType }).resolves({ resourceIdentifiers: [] });
  config.on(BatchGetResourceConfigCommand).callsFake(async ({ resourceKeys }: { resourceKeys: ResourceKey[] }) => ({
    baseConfigurationItems: resourceKeys
      .filter((k) => k.resourceType === 'AWS::IAM::Role')
      .map((k) => ({
        resourceType: 'AWS::IAM::Role',
        resourceId: k.resourceId,
        resourceName: 'app',
        configurationItemStatus: 'OK',
        configuration: JSON.stringify({ path: '/', roleName: 'app', roleId: k.resourceId, arn: roleArn, rolePolicyList: [], attachedManagedPolicies: [{ policyName: 'AdministratorAccess', policyArn: admin }] }),
      })),
  }));
  iam.on(GetAccountAuthorizationDetailsCommand).resolves({
    RoleDetailList: [{ RoleName: 'app', RoleId: 'AROAAPP', Arn: roleArn, Path: '/', RolePolicyList: [], AttachedManagedPolicies: [], PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: boundary } }],
    IsTruncated: false,
  });
  iam.on(GetPolicyCommand).callsFake(async ({ PolicyArn }: { PolicyArn: string }) => ({ Policy: { PolicyName: PolicyArn.split('/').pop(), Arn: PolicyArn, DefaultVersionId: 'v1' } }));
  iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { VersionId: 'v1', IsDefaultVersion: true, Document: document } });
  organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: ORG.id, MasterAccountId: ORG.management, FeatureSet: 'ALL' } });
  organizations.on(ListRootsCommand).resolves({
    Roots: [{ Id: ORG.root, PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }, { Type: 'RESOURCE_CONTROL_POLICY', Status: 'ENABLED' }] }],
  });
  organizations.on(ListParentsCommand, { ChildId: ACCOUNT }).resolves({ Parents: [{ Id: ORG.ou, Type: 'ORGANIZATIONAL_UNIT' }] });
  organizations.on(ListParentsCommand, { ChildId: ORG.ou }).resolves({ Parents: [{ Id: ORG.root, Type: 'ROOT' }] });
  organizations.on(ListPoliciesForTargetCommand, { Filter: 'SERVICE_CONTROL_POLICY' }).resolves({ Policies: [{ Id: 'p-FullAWSAccess' }, { Id: ORG.scp }] });
  organizations.on(ListPoliciesForTargetCommand, { Filter: 'RESOURCE_CONTROL_POLICY' }).resolves({ Policies: [{ Id: 'p-RCPFullAWSAccess' }] });
  organizations.on(DescribePolicyCommand).callsFake(async ({ PolicyId }: { PolicyId: string }) => ({
    Policy: { PolicySummary: { Id: PolicyId, Name: PolicyId }, Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) },
  }));
}

/** KMS answers NotFoundException to GetKeyPolicy, as it briefly may right after CreateKey; DescribeKey still finds the key. */
function policyNotFound(): void {
  kms.on(GetKeyPolicyCommand).rejects(new NotFoundException({ message: 'Key not found', $metadata: {} }));
}

interface RuleScenario {
  name: string;
  event: Record<string, unknown>;
  configRecordsKeys: boolean;
  answer?: () => void;
}

const SCHEDULED = withParameters(fixtureEvent('scheduled.json'), { ExemptionTagKey: 'security:exemption' });
/** Each way Config invokes the rule. */
const RULE_SCENARIOS: RuleScenario[] = [
  { name: 'change notification, policy in the item', event: fixtureEvent('change-root-full-access.json'), configRecordsKeys: false },
  {
    name: 'change notification, policy read from KMS, exemption tag',
    event: withParameters(fixtureEvent('change-policy-not-in-item.json'), { ExemptionTagKey: 'security:exemption' }),
    configRecordsKeys: false,
  },
  {
    name: 'change notification, GetKeyPolicy NotFound, confirmed by DescribeKey',
    event: fixtureEvent('change-policy-not-in-item.json'),
    configRecordsKeys: false,
    answer: policyNotFound,
  },
  { name: 'oversized item fetched from Config', event: fixtureEvent('oversized.json'), configRecordsKeys: false },
  { name: "scheduled sweep through Config's records, with stale clean-up", event: SCHEDULED, configRecordsKeys: true },
  { name: 'scheduled sweep through KMS, with stale clean-up', event: SCHEDULED, configRecordsKeys: false },
];

/** The partition, Region, account and rule a Config event names. */
function placeOf(event: Record<string, unknown>): ScenarioPlace {
  const arn = String(event.configRuleArn);
  const [, partition, , region, account] = arn.split(':');
  if (partition === undefined || region === undefined || account === undefined) throw new Error(`configRuleArn ${arn} is not an ARN`);
  return { partition, region, account, configRule: { arn, name: String(event.configRuleName) } };
}

interface Recorded {
  calls: SentCall[];
  place: ScenarioPlace;
}

/** The calls of each rule scenario, with or without an execution role. */
async function ruleCalls(executionRoleName: string | undefined): Promise<Map<string, Recorded>> {
  const recorded = new Map<string, Recorded>();
  for (const scenario of RULE_SCENARIOS) {
    answerAsAws(scenario.configRecordsKeys);
    scenario.answer?.();
    const handler = createHandler({
      clients: createClientsFactory(),
      clock: new VirtualClock(),
      logger: new CapturingLogger().asLogger(),
      metrics: new CapturingMetrics().asMetrics(),
    });
    const parameters = JSON.parse(String(scenario.event.ruleParameters ?? '{}')) as Record<string, string>;
    const event = executionRoleName === undefined ? scenario.event : withParameters(scenario.event, { ...parameters, ExecutionRoleName: executionRoleName });
    const sent = await handler(event, lambdaContext());
    if (sent.length === 0) throw new Error(`scenario "${scenario.name}" sent no evaluation`);
    recorded.set(scenario.name, { calls: sentCalls(), place: placeOf(event) });
  }
  return recorded;
}

/** The calls of the remediation: a dry run, then a write. */
async function remediationCalls(): Promise<Recorded> {
  for (const { mock } of SERVICES) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${REMEDIATION_ACCOUNT}:assumed-role/KeyAdmin/session`, Account: REMEDIATION_ACCOUNT });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, AWSAccountId: REMEDIATION_ACCOUNT, KeyManager: 'CUSTOMER' } });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: fixtureText('seed-bad-policy'), PolicyName: 'default' });
  kms.on(PutKeyPolicyCommand).resolves({});
  ssm.on(PutParameterCommand).resolves({ Version: 1, Tier: 'Standard' });
  const handler = createRemediationHandler({
    kms: new KMSClient({}),
    ssm: new SSMClient({}),
    sts: new STSClient({}),
    principals: { administration: [ADMIN], use: [USER] },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const dryRun = await handler({ KeyId: KEY_ID });
  const applied = await handler({ KeyId: KEY_ID, DryRun: false });
  expect([dryRun.status, applied.status]).toEqual(['DRY_RUN', 'APPLIED']);
  const [, partition, , region, account] = KEY_ARN.split(':');
  return { calls: sentCalls(), place: { partition: partition ?? '', region: region ?? '', account: account ?? '' } };
}

type Json = Record<string, unknown>;
const resourcesOf = (template: Template): Record<string, Json> => (template.toJSON() as { Resources: Record<string, Json> }).Resources;
const propertiesOf = (resource: Json | undefined): Json => (resource?.Properties ?? {}) as Json;

/** The function whose Description contains `text`: its role, its log group and its on-failure queue. */
function functionParts(template: Template, text: string): { roleId: string; logGroupId: string; queueId?: string } {
  const resources = resourcesOf(template);
  const entry = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && String(propertiesOf(r).Description).includes(text));
  if (entry === undefined) throw new Error(`no function described as ${text}`);
  const logGroupId = ((propertiesOf(entry[1]).LoggingConfig as Json | undefined)?.LogGroup as Json | undefined)?.Ref;
  if (typeof logGroupId !== 'string') throw new Error(`function ${entry[0]} names no log group of the template`);
  const invokeConfig = Object.values(resources).find(
    (r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && (propertiesOf(r).FunctionName as Json | undefined)?.Ref === entry[0],
  );
  const destination = (((propertiesOf(invokeConfig).DestinationConfig as Json | undefined)?.OnFailure as Json | undefined)?.Destination as Json | undefined)?.[
    'Fn::GetAtt'
  ] as [string, string] | undefined;
  return { roleId: functionRoleId(template, text), logGroupId, ...(destination === undefined ? {} : { queueId: destination[0] }) };
}

/**
 * What the Lambda service does with a function's role, not the code: write its logs to the function's log
 * group (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html) and, for the rule invoked
 * asynchronously by Config, send failed invocations to its on-failure queue. The log group ARN CloudFormation
 * returns ends in `:*`, which covers the group's streams.
 */
function runtimeNeeds(parts: ReturnType<typeof functionParts>, place: ScenarioPlace): { needs: Need[]; arns: Record<string, string> } {
  const logGroup = `arn:${place.partition}:logs:${place.region}:${place.account}:log-group:${parts.logGroupId}`;
  const stream = `${logGroup}:log-stream:2026/12/05/[$LATEST]0123456789abcdef`;
  const needs: Need[] = [
    { action: 'logs:CreateLogStream', resource: stream },
    { action: 'logs:PutLogEvents', resource: stream },
  ];
  const arns: Record<string, string> = { [parts.logGroupId]: `${logGroup}:*` };
  if (parts.queueId !== undefined) {
    const queue = `arn:${place.partition}:sqs:${place.region}:${place.account}:${parts.queueId}`;
    needs.push({ action: 'sqs:SendMessage', resource: queue });
    arns[parts.queueId] = queue;
  }
  return { needs, arns };
}

const resolutionOf = (place: ScenarioPlace, arns: Record<string, string> = {}): Resolution => ({
  partition: place.partition,
  region: place.region,
  account: place.account,
  arns,
});

let synth: Synthesized;
let singleAccount: Map<string, Recorded>;
let organisation: Map<string, Recorded>;
let remediation: Recorded;
beforeAll(async () => {
  synth = synthesize();
  singleAccount = await ruleCalls(undefined);
  organisation = await ruleCalls(DEFAULT_EXECUTION_ROLE_NAME);
  remediation = await remediationCalls();
  const all = [...singleAccount.values(), ...organisation.values(), remediation].flatMap((r) => r.calls.map((c) => c.action));
  typeless = await resourceTypeless([...all, 'logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'].filter((a) => !NEEDS_NO_PERMISSION.has(a)));
});

const needsOfAll = (recorded: Iterable<Recorded>, keep: (action: string) => boolean = () => true): Need[] =>
  [...recorded].flatMap((r) => needsOf(r.calls.filter((c) => keep(c.action)), r.place));
const theOnePlace = (recorded: Map<string, Recorded>): ScenarioPlace => {
  const places = new Set([...recorded.values()].map((r) => JSON.stringify(r.place)));
  if (places.size !== 1) throw new Error(`the scenarios ran in ${places.size} places`);
  return JSON.parse([...places][0] ?? '{}') as ScenarioPlace;
};

/** The grant problems of the rule function's role in a stack where the function works in its own account. */
function singleAccountRuleProblems(template: Template): string[] {
  const place = theOnePlace(singleAccount);
  const parts = functionParts(template, 'evaluates KMS key policies');
  const runtime = runtimeNeeds(parts, place);
  // Where CDK creates the rule, the role names it by Fn::GetAtt: it resolves to the rule the scenarios reported to.
  const ruleIds = Object.entries(resourcesOf(template)).filter(([, r]) => r.Type === 'AWS::Config::ConfigRule').map(([id]) => id);
  const arns = { ...runtime.arns, ...Object.fromEntries(ruleIds.map((id) => [id, place.configRule?.arn ?? ''])) };
  const expected: RoleExpectation = { needs: [...needsOfAll(singleAccount.values()), ...runtime.needs], anyAccount: ORGANIZATIONS_ANY_ACCOUNT };
  return roleGrantProblems(template.toJSON(), parts.roleId, expected, resolutionOf(place, arns), typeless);
}

describe('IAM derived from the calls the code makes', () => {
  it('the NotFound scenario confirms with DescribeKey after GetKeyPolicy failed', () => {
    const actions = singleAccount.get('change notification, GetKeyPolicy NotFound, confirmed by DescribeKey')?.calls.map((c) => c.action) ?? [];
    const failedRead = actions.indexOf('kms:GetKeyPolicy');
    expect(failedRead).toBeGreaterThanOrEqual(0);
    expect(actions.slice(failedRead + 1)).toContain('kms:DescribeKey');
  });

  it('the single-account rule function (rule stack) is granted exactly what the rule sends, on what it sends it to', () => {
    expect(singleAccountRuleProblems(synth.templates.rule)).toEqual([]);
  });

  it('the conformance-pack rule function is granted exactly what the rule sends, on what it sends it to', () => {
    expect(singleAccountRuleProblems(synth.templates.pack)).toEqual([]);
  });

  it('the central rule function (organisation) is granted only the assume of the execution role, inside the organisation', () => {
    const place = theOnePlace(organisation);
    const template = synth.templates.organization;
    const parts = functionParts(template, 'evaluates KMS key policies');
    const runtime = runtimeNeeds(parts, place);
    const expected: RoleExpectation = {
      needs: [...needsOfAll(organisation.values(), (a) => a.startsWith('sts:')), ...runtime.needs],
      conditions: { 'sts:AssumeRole': { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } } },
      anyAccount: { 'sts:AssumeRole': 'the execution role of whichever member account Config invokes the function for' },
    };
    expect(roleGrantProblems(template.toJSON(), parts.roleId, expected, resolutionOf(place, runtime.arns), typeless)).toEqual([]);
  });

  it('the execution role rolled out to member accounts is granted exactly what the rule sends through it', () => {
    const place = theOnePlace(organisation);
    const stackSet = Object.values(resourcesOf(synth.templates.organization)).find((r) => r.Type === 'AWS::CloudFormation::StackSet');
    const inner = JSON.parse(String(propertiesOf(stackSet).TemplateBody)) as Json;
    const expected: RoleExpectation = { needs: needsOfAll(organisation.values(), (a) => !a.startsWith('sts:')), anyAccount: ORGANIZATIONS_ANY_ACCOUNT };
    expect(roleGrantProblems(inner, 'ExecutionRole', expected, resolutionOf(place), typeless)).toEqual([]);
  });

  it('the remediation function is granted exactly what the remediation sends, on what it sends it to', () => {
    const template = synth.templates.rule;
    expect([...new Set(needsOf(remediation.calls, remediation.place).map((n) => n.action))].sort()).toEqual(
      ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'ssm:PutParameter'].sort(),
    );
    const parts = functionParts(template, 'rewrites account-wide');
    const runtime = runtimeNeeds(parts, remediation.place);
    const expected: RoleExpectation = { needs: [...needsOf(remediation.calls, remediation.place), ...runtime.needs] };
    expect(roleGrantProblems(template.toJSON(), parts.roleId, expected, resolutionOf(remediation.place, runtime.arns), typeless)).toEqual([]);
  });
});

/** Roles no handler runs with, each checked here for what it may do. */
describe('the other roles of the app', () => {
  const roleIds = (template: Template, keep: (role: Json) => boolean = () => true): string[] =>
    Object.entries(resourcesOf(template))
      .filter(([, r]) => r.Type === 'AWS::IAM::Role' && keep(r))
      .map(([id]) => id)
      .sort();
  const trustedService = (role: Json): unknown => ((propertiesOf(role).AssumeRolePolicyDocument as { Statement: Json[] }).Statement[0]?.Principal as Json | undefined)?.Service;

  it.each(['rule', 'pack'] as const)('the automation role of the %s stack may only invoke the remediation function', (name) => {
    const template = synth.templates[name];
    const [automationRoleId, ...others] = roleIds(template, (r) => trustedService(r) === 'ssm.amazonaws.com');
    expect(others).toEqual([]);
    const functionId = Object.entries(resourcesOf(template)).find(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && String(propertiesOf(r).Description).includes('rewrites account-wide'),
    )?.[0];
    const place = remediation.place;
    const functionArn = `arn:${place.partition}:lambda:${place.region}:${place.account}:function:${String(functionId)}`;
    const expected: RoleExpectation = { needs: [{ action: 'lambda:InvokeFunction', resource: functionArn }] };
    expect(roleGrantProblems(template.toJSON(), String(automationRoleId), expected, resolutionOf(place, { [String(functionId)]: functionArn }), typeless)).toEqual([]);
  });

  it('every role is one checked in this file, or the Config aggregator role with its one AWS managed policy and nothing else', () => {
    for (const name of ['rule', 'pack'] as const) {
      const t = synth.templates[name];
      const checked = [functionParts(t, 'evaluates KMS key policies').roleId, functionParts(t, 'rewrites account-wide').roleId, ...roleIds(t, (r) => trustedService(r) === 'ssm.amazonaws.com')];
      expect(roleIds(t)).toEqual(checked.sort());
    }
    const template = synth.templates.organization;
    const [aggregatorId, ...others] = roleIds(template, (r) => trustedService(r) === 'config.amazonaws.com');
    expect([aggregatorId, ...others]).toHaveLength(1);
    expect(roleIds(template)).toEqual([functionParts(template, 'evaluates KMS key policies').roleId, String(aggregatorId)].sort());
    // Config aggregates an organisation through this AWS managed policy
    // (https://docs.aws.amazon.com/config/latest/developerguide/set-up-aggregator-cli.html): the one problem the
    // check finds is that policy, so the role holds no statement of its own.
    const managed = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSConfigRoleForOrganizations']] };
    expect(roleGrantProblems(template.toJSON(), String(aggregatorId), { needs: [] }, resolutionOf(theOnePlace(organisation)), typeless)).toEqual([
      `${String(aggregatorId)}: managed policy ${JSON.stringify(managed)} attached (ManagedPolicyArns); the role's grants must be in the template`,
    ]);
  });
});

/** Source folders whose code runs in the deployed functions. */
const DEPLOYED_SOURCES = ['rule', 'aws', 'remediation', 'runtime'];
const ROOT = path.resolve(__dirname, '..', '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('every command the deployed code can send is sent by a scenario', () => {
  it('each `new <X>Command(` of rule/, aws/, remediation/ and runtime/ was recorded', () => {
    const constructed = new Map<string, string>();
    for (const file of DEPLOYED_SOURCES.flatMap(sourceFiles)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/new\s+([A-Z]\w*Command)\s*\(/g)) {
        constructed.set(match[1] ?? '', path.relative(ROOT, file));
      }
    }
    const sent = new Set([...singleAccount.values(), ...organisation.values(), remediation].flatMap((r) => r.calls.map((c) => c.command)));
    expect(constructed.size).toBeGreaterThan(0);
    const unsent = [...constructed].filter(([command]) => !sent.has(command)).map(([command, file]) => `${command} (${file})`);
    expect(unsent).toEqual([]);
  });
});

/** The checker itself, on hand-built role documents: a clean one passes, and each hostile change must fail it. */
describe('roleGrantProblems refuses every way a role can grant more, less or elsewhere', () => {
  const place: ScenarioPlace = { partition: 'aws', region: 'us-east-2', account: '111122223333' };
  const ruleArn = 'arn:aws:config:us-east-2:111122223333:config-rule/config-rule-x';
  const expected: RoleExpectation = {
    needs: [
      { action: 'kms:ListKeys', resource: '*' },
      { action: 'kms:DescribeKey', resource: 'arn:aws:kms:us-east-2:111122223333:key/k-1' },
      { action: 'kms:GetKeyPolicy', resource: 'arn:aws:kms:us-east-2:111122223333:key/k-1' },
      { action: 'config:GetComplianceDetailsByConfigRule', resource: ruleArn },
      { action: 'sts:AssumeRole', resource: 'arn:aws:iam::222222222222:role/Exec' },
    ],
    conditions: { 'sts:AssumeRole': { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } } },
    anyAccount: { 'sts:AssumeRole': 'member accounts' },
  };
  const accountKeys = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':key/*']] };

  /** A role granting exactly the needs, the way CDK writes it: an inline policy and an attached AWS::IAM::Policy. */
  function cleanTemplate(): { Resources: Record<string, { Type: string; Properties: Json & { PolicyDocument?: { Statement: Json[] } } }> } {
    return {
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
            Policies: [{ PolicyName: 'inline', PolicyDocument: { Statement: [{ Sid: 'ListKeys', Effect: 'Allow', Action: 'kms:ListKeys', Resource: '*' }] } }],
          },
        },
        Rule: { Type: 'AWS::Config::ConfigRule', Properties: {} },
        Policy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'attached',
            Roles: [{ Ref: 'Role' }],
            PolicyDocument: {
              Statement: [
                { Sid: 'ReadKeys', Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GetKeyPolicy'], Resource: accountKeys },
                { Sid: 'Compliance', Effect: 'Allow', Action: 'config:GetComplianceDetailsByConfigRule', Resource: { 'Fn::GetAtt': ['Rule', 'Arn'] } },
                {
                  Sid: 'Assume',
                  Effect: 'Allow',
                  Action: 'sts:AssumeRole',
                  Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/Exec' },
                  Condition: { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } },
                },
              ],
            },
          },
        },
      },
    };
  }
  type Hostile = ReturnType<typeof cleanTemplate>;
  const statements = (t: Hostile): Json[] => t.Resources.Policy?.Properties.PolicyDocument?.Statement ?? [];
  const statement = (t: Hostile, sid: string): Json => {
    const found = statements(t).find((s) => s.Sid === sid);
    if (found === undefined) throw new Error(`no statement ${sid}`);
    return found;
  };
  const attach = (t: Hostile, id: string, type: string, properties: Json): void => {
    t.Resources[id] = { Type: type, Properties: properties };
  };
  const kmsStar = { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };

  let hostileTypeless: ResourceTypeless;
  beforeAll(async () => {
    hostileTypeless = await resourceTypeless([...expected.needs.map((n) => n.action), 'kms:Decrypt', 's3:GetObject']);
  });
  const problems = (t: Hostile): string[] =>
    roleGrantProblems(t as unknown as Json, 'Role', expected, resolutionOf(place, { Rule: ruleArn }), hostileTypeless);

  it('passes the role that grants exactly the needs', () => {
    expect(problems(cleanTemplate())).toEqual([]);
  });

  const HOSTILE: [string, (t: Hostile) => void, RegExp][] = [
    ['AdministratorAccess in ManagedPolicyArns', (t) => {
      (t.Resources.Role as { Properties: Json }).Properties.ManagedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    }, /managed policy "arn:aws:iam::aws:policy\/AdministratorAccess" attached/],
    ['an AWS::IAM::ManagedPolicy granting kms:* attached through Roles', (t) => {
      attach(t, 'Managed', 'AWS::IAM::ManagedPolicy', { Roles: [{ Ref: 'Role' }], PolicyDocument: kmsStar });
    }, /managed policy Managed \(AWS::IAM::ManagedPolicy\) attached/],
    ['an AWS::IAM::ManagedPolicy attached through ManagedPolicyArns', (t) => {
      attach(t, 'Managed', 'AWS::IAM::ManagedPolicy', { PolicyDocument: kmsStar });
      (t.Resources.Role as { Properties: Json }).Properties.ManagedPolicyArns = [{ Ref: 'Managed' }];
    }, /managed policy \{"Ref":"Managed"\} attached/],
    ['another AWS::IAM::Policy granting kms:Decrypt on the keys', (t) => {
      attach(t, 'Extra', 'AWS::IAM::Policy', { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: accountKeys }] } });
    }, /Extra statement 0: grants kms:Decrypt, which no recorded call needs/],
    ['an AWS::IAM::RolePolicy granting s3:GetObject', (t) => {
      attach(t, 'Extra', 'AWS::IAM::RolePolicy', { RoleName: { Ref: 'Role' }, PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } });
    }, /grants s3:GetObject, which no recorded call needs/],
    ['a policy attached by a role name the check cannot identify', (t) => {
      attach(t, 'Extra', 'AWS::IAM::Policy', { Roles: ['SomeRoleName'], PolicyDocument: kmsStar });
    }, /Extra: names role "SomeRoleName", which the check cannot identify/],
    ['Deny kms:GetKeyPolicy', (t) => {
      statements(t).push({ Effect: 'Deny', Action: 'kms:GetKeyPolicy', Resource: '*' });
    }, /Effect "Deny" on "kms:GetKeyPolicy"/],
    ['a statement without Effect', (t) => {
      delete statement(t, 'ReadKeys').Effect;
    }, /Effect undefined/],
    ['DescribeKey scoped to another account\'s key ARN', (t) => {
      statement(t, 'ReadKeys').Action = 'kms:GetKeyPolicy';
      statements(t).push({ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: 'arn:aws:kms:us-east-2:999999999999:key/k-1' });
    }, /does not grant kms:DescribeKey on arn:aws:kms:us-east-2:111122223333:key\/k-1/],
    ['an extra Resource of another account beside the right one', (t) => {
      statement(t, 'ReadKeys').Resource = [accountKeys, 'arn:aws:kms:us-east-2:999999999999:key/*'];
    }, /grants kms:DescribeKey on arn:aws:kms:us-east-2:999999999999:key\/\*, which no recorded call used/],
    ['the keys of every account', (t) => {
      statement(t, 'ReadKeys').Resource = 'arn:aws:kms:us-east-2:*:key/*';
    }, /Resource arn:aws:kms:us-east-2:\*:key\/\* for kms:DescribeKey names any account/],
    ['Resource "*" for DescribeKey, which has a resource type', (t) => {
      statement(t, 'ReadKeys').Resource = '*';
    }, /Resource "\*" for kms:DescribeKey, which has a resource type/],
    ['compliance of another rule', (t) => {
      statement(t, 'Compliance').Resource = 'arn:aws:config:us-east-2:111122223333:config-rule/other';
    }, /does not grant config:GetComplianceDetailsByConfigRule/],
    ['a Resource the check cannot resolve', (t) => {
      statement(t, 'Compliance').Resource = { 'Fn::GetAtt': ['Unknown', 'Arn'] };
    }, /cannot resolve Resource/],
    ['kms:* instead of the named actions', (t) => {
      statement(t, 'ReadKeys').Action = 'kms:*';
    }, /wildcard action kms:\*/],
    ['Action "*"', (t) => {
      statements(t).push({ Effect: 'Allow', Action: '*', Resource: '*' });
    }, /wildcard action \*/],
    ['an Allow with NotAction', (t) => {
      statements(t).push({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    }, /NotAction is refused/],
    ['an Allow with NotResource', (t) => {
      statement(t, 'ReadKeys').NotResource = 'arn:aws:kms:us-east-2:111122223333:key/other';
    }, /NotResource is refused/],
    ['a condition nobody expects', (t) => {
      statement(t, 'ReadKeys').Condition = { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } };
    }, /Condition \{"IpAddress".* on kms:DescribeKey, expected undefined/],
    ['the expected condition missing', (t) => {
      delete statement(t, 'Assume').Condition;
    }, /does not grant sts:AssumeRole on arn:aws:iam::222222222222:role\/Exec with the expected Condition/],
    ['the expected condition weakened', (t) => {
      statement(t, 'Assume').Condition = { StringLike: { 'aws:ResourceOrgID': '*' } };
    }, /Condition \{"StringLike".* on sts:AssumeRole/],
    ['a needed action missing', (t) => {
      (t.Resources.Role as { Properties: Json }).Properties.Policies = [];
    }, /Role: does not grant kms:ListKeys on \*/],
    ['a needed action granted on a resource-level ARN only', (t) => {
      (t.Resources.Role as { Properties: Json }).Properties.Policies = [];
      statements(t).push({ Effect: 'Allow', Action: 'kms:ListKeys', Resource: accountKeys });
    }, /does not grant kms:ListKeys on \*/],
  ];

  it.each(HOSTILE)('fails the role with %s', (_name, mutate, problem) => {
    const template = cleanTemplate();
    mutate(template);
    const found = problems(template);
    expect(found.some((p) => problem.test(p)) ? problem : found).toEqual(problem);
  });
});
