/**
 * The roles grant exactly what the code sends. The expected actions are not read from infra/permissions.ts (which
 * built the roles) but recorded: the rule and the remediation handlers run through their scenarios against
 * aws-sdk-client-mock, every command sent is mapped to its IAM action (service prefix from the client, action
 * from the command), and each synthesized role must grant that set, plus the runtime needs listed below, and
 * nothing else.
 */
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  PutEvaluationsCommand,
  type ConfigurationItem,
} from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListKeysCommand, ListResourceTagsCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { createClientsFactory } from '../../aws/clients';
import { DEFAULT_EXECUTION_ROLE_NAME } from '../../infra/execution-role-template';
import { createRemediationHandler } from '../../remediation/handler';
import { createHandler } from '../../rule/handler';
import { ACCOUNT as REMEDIATION_ACCOUNT, ADMIN, fixtureText, KEY_ID, KEY_ARN, USER } from '../remediation/fixtures';
import { ACCOUNT, CapturingLogger, CapturingMetrics, fixtureEvent, fixtureJson, lambdaContext, VirtualClock, withParameters } from '../rule/support';
import { synthesize, type Synthesized } from './app-fixture';
import { functionRoleId, identityStatements, roleStatements } from './iam';

const kms = mockClient(KMSClient);
const config = mockClient(ConfigServiceClient);
const sts = mockClient(STSClient);
const ssm = mockClient(SSMClient);

/** The IAM service prefix of each client the code uses. */
const SERVICES = [
  { mock: kms, prefix: 'kms' },
  { mock: config, prefix: 'config' },
  { mock: sts, prefix: 'sts' },
  { mock: ssm, prefix: 'ssm' },
] as const;

/** Calls no IAM policy has to allow (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). */
const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

/**
 * What the Lambda service does with a function's role, not the code: write its logs
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html) and, for the rule invoked
 * asynchronously by Config, keep failed invocations in its queue (an on-failure destination).
 */
const RUNTIME = {
  logs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  failureQueue: ['sqs:SendMessage'],
};

/** The IAM action of every command sent since the last reset, e.g. `kms:GetKeyPolicy` for GetKeyPolicyCommand. */
function sentActions(): Set<string> {
  const actions = new Set<string>();
  for (const { mock, prefix } of SERVICES) {
    for (const call of mock.calls()) {
      const command = call.args[0] as object;
      const name = command.constructor.name;
      if (!name.endsWith('Command')) throw new Error(`not an SDK command: ${name}`);
      actions.add(`${prefix}:${name.slice(0, -'Command'.length)}`);
    }
  }
  return actions;
}

const needingPermission = (actions: Iterable<string>): string[] => [...actions].filter((a) => !NEEDS_NO_PERMISSION.has(a)).sort();
const sorted = (actions: Iterable<string>): string[] => [...new Set(actions)].sort();

function resetMocks(): void {
  for (const { mock } of SERVICES) mock.reset();
}

const KEY = 'k-1';
const KEY_ARN_RULE = `arn:aws:kms:us-east-2:${ACCOUNT}:key/${KEY}`;
const ROOT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
});

/** AWS as the rule meets it: one key with an account-wide policy and an exemption tag, one stale evaluation. */
function answerAsAws(configRecordsKeys: boolean): void {
  resetMocks();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/rule/session`, Account: ACCOUNT });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2099-01-01T00:00:00Z') },
  });
  kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: KEY, KeyArn: KEY_ARN_RULE }] });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY, Arn: KEY_ARN_RULE, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: ROOT_POLICY });
  kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: 'security:exemption', TagValue: 'SEC-1' }] });
  config.on(ListDiscoveredResourcesCommand).resolves({
    resourceIdentifiers: configRecordsKeys ? [{ resourceType: 'AWS::KMS::Key', resourceId: KEY }] : [],
  });
  config.on(BatchGetResourceConfigCommand).resolves({
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
  config.on(GetResourceConfigHistoryCommand).resolves(fixtureJson<{ configurationItems: ConfigurationItem[] }>('api-get-resource-config-history.json'));
  config.on(GetComplianceDetailsByConfigRuleCommand).resolves({
    EvaluationResults: [{ EvaluationResultIdentifier: { EvaluationResultQualifier: { ResourceType: 'AWS::KMS::Key', ResourceId: 'k-stale' } } }],
  });
  config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
}

/** Each way Config invokes the rule: [name, event, whether Config records the keys]. */
const RULE_SCENARIOS: [string, Record<string, unknown>, boolean][] = [
  ['change notification, policy in the item', fixtureEvent('change-root-full-access.json'), false],
  ['change notification, policy read from KMS, exemption tag', withParameters(fixtureEvent('change-policy-not-in-item.json'), { ExemptionTagKey: 'security:exemption' }), false],
  ['oversized item fetched from Config', fixtureEvent('oversized.json'), false],
  ["scheduled sweep through Config's records, with stale clean-up", withParameters(fixtureEvent('scheduled.json'), { ExemptionTagKey: 'security:exemption' }), true],
  ['scheduled sweep through KMS, with stale clean-up', withParameters(fixtureEvent('scheduled.json'), { ExemptionTagKey: 'security:exemption' }), false],
];

/** The actions the rule sent over every scenario, with or without an execution role. */
async function ruleActions(executionRoleName: string | undefined): Promise<Set<string>> {
  const all = new Set<string>();
  for (const [name, event, configRecordsKeys] of RULE_SCENARIOS) {
    answerAsAws(configRecordsKeys);
    const handler = createHandler({
      clients: createClientsFactory(),
      clock: new VirtualClock(),
      logger: new CapturingLogger().asLogger(),
      metrics: new CapturingMetrics().asMetrics(),
    });
    const parameters = JSON.parse(String(event.ruleParameters ?? '{}')) as Record<string, string>;
    const sent = await handler(
      executionRoleName === undefined ? event : withParameters(event, { ...parameters, ExecutionRoleName: executionRoleName }),
      lambdaContext(),
    );
    if (sent.length === 0) throw new Error(`scenario "${name}" sent no evaluation`);
    for (const action of sentActions()) all.add(action);
  }
  return all;
}

/** The actions the remediation sent: a dry run, then a write. */
async function remediationActions(): Promise<Set<string>> {
  resetMocks();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${REMEDIATION_ACCOUNT}:assumed-role/KeyAdmin/session`, Account: REMEDIATION_ACCOUNT });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, AWSAccountId: REMEDIATION_ACCOUNT, KeyManager: 'CUSTOMER' } });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: fixtureText('seed-bad-policy'), PolicyName: 'default' });
  kms.on(PutKeyPolicyCommand).resolves({});
  ssm.on(PutParameterCommand).resolves({ Version: 1, Tier: 'Standard' });
  const handler = createRemediationHandler({
    kms: new KMSClient({}),
    ssm: new SSMClient({}),
    sts: new STSClient({}),
    principals: { admin: [ADMIN], usage: [USER] },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const dryRun = await handler({ KeyId: KEY_ID });
  const applied = await handler({ KeyId: KEY_ID, DryRun: false });
  expect([dryRun.status, applied.status]).toEqual(['DRY_RUN', 'APPLIED']);
  return sentActions();
}

let synth: Synthesized;
let singleAccount: Set<string>;
let organisation: Set<string>;
let remediation: Set<string>;
beforeAll(async () => {
  synth = synthesize();
  singleAccount = await ruleActions(undefined);
  organisation = await ruleActions(DEFAULT_EXECUTION_ROLE_NAME);
  remediation = await remediationActions();
});

const actionsOf = (template: Template, roleId: string): string[] => sorted(roleStatements(template, roleId).flatMap((s) => s.actions));
const ruleRoleActions = (template: Template): string[] => actionsOf(template, functionRoleId(template, 'evaluates KMS key policies'));

describe('IAM derived from the calls the code makes', () => {
  it('the single-account rule function (rule stack) is granted exactly what the rule sends', () => {
    expect(ruleRoleActions(synth.templates.rule)).toEqual(sorted([...needingPermission(singleAccount), ...RUNTIME.logs, ...RUNTIME.failureQueue]));
  });

  it('the conformance-pack rule function is granted exactly what the rule sends', () => {
    expect(ruleRoleActions(synth.templates.pack)).toEqual(sorted([...needingPermission(singleAccount), ...RUNTIME.logs, ...RUNTIME.failureQueue]));
  });

  it('the central rule function (organisation) is granted only the assume of the execution role', () => {
    const central = needingPermission([...organisation].filter((a) => a.startsWith('sts:')));
    expect(ruleRoleActions(synth.templates.organization)).toEqual(sorted([...central, ...RUNTIME.logs, ...RUNTIME.failureQueue]));
  });

  it('the execution role rolled out to member accounts is granted exactly what the rule sends through it', () => {
    const throughRole = needingPermission([...organisation].filter((a) => !a.startsWith('sts:')));
    const stackSet = Object.values(synth.templates.organization.findResources('AWS::CloudFormation::StackSet'))[0] as { Properties: { TemplateBody: string } };
    const inner = Template.fromJSON(JSON.parse(stackSet.Properties.TemplateBody) as Record<string, unknown>);
    expect(sorted(identityStatements(inner).flatMap((s) => s.actions))).toEqual(throughRole);
  });

  it('the remediation function is granted exactly what the remediation sends', () => {
    const template = synth.templates.rule;
    expect(needingPermission(remediation)).toEqual(sorted(['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'ssm:PutParameter']));
    expect(actionsOf(template, functionRoleId(template, 'rewrites account-wide'))).toEqual(sorted([...needingPermission(remediation), ...RUNTIME.logs]));
  });
});
