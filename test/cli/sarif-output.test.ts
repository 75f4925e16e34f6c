/**
 * SARIF 2.1.0 as check, check-template and scan write it, validated against the subset of the SARIF schema the report
 * uses (test/fixtures/schemas/sarif-2.1.0-minimal.json): files located by line, live keys by logical location,
 * inputs not judged as tool execution notifications, the run's invocation and its category for code scanning.
 */
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListGrantsCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Location, Log, LogicalLocation, Notification, Result } from 'sarif';
import { renderSarif } from '../../cli/output/sarif';
import type { Report, RunInfo } from '../../cli/report';
import { runCli } from '../support/cli';
import { APP_ROLE, FOREIGN_ROOT, OWN, ROOT, allow, policy } from '../support/policies';

const SCHEMA = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'schemas', 'sarif-2.1.0-minimal.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
const validateSchema = ajv.compile(SCHEMA);

/** The log, after checking it against the schema and that every logical location reference agrees with the run's table. */
function validSarif(text: string): Log {
  const log = JSON.parse(text) as Log;
  const valid = validateSchema(log);
  expect(valid ? [] : validateSchema.errors).toEqual([]);
  const run = log.runs[0];
  const table = run?.logicalLocations ?? [];
  const references = [...(run?.results ?? []), ...(run?.invocations?.[0]?.toolExecutionNotifications ?? [])].flatMap((x) => x.locations ?? []).flatMap((l) => l.logicalLocations ?? []);
  for (const { index, ...properties } of references) {
    // §3.33.3: a result's logical location names its cached object by index and repeats only equal properties.
    expect(index).toBeDefined();
    expect(table[index ?? -1]).toEqual(properties);
  }
  for (const cached of table) {
    if (cached.parentIndex === undefined) expect(cached.fullyQualifiedName).toBe(cached.name);
    else expect(cached.fullyQualifiedName).toBe(`${table[cached.parentIndex]?.fullyQualifiedName ?? '?'}#${cached.name ?? ''}`);
  }
  return log;
}

function parentOf(log: Log, location: LogicalLocation | undefined): LogicalLocation | undefined {
  return location?.parentIndex === undefined ? undefined : log.runs[0]?.logicalLocations?.[location.parentIndex];
}

const firstLogical = (x: Result | Notification): LogicalLocation | undefined => x.locations?.[0]?.logicalLocations?.[0];
const physical = (x: Result | Notification): Location['physicalLocation'] => x.locations?.[0]?.physicalLocation;
const notificationsOf = (log: Log) => log.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? [];

const dir = mkdtempSync(join(tmpdir(), 'kpg-sarif-'));
const bad = join(dir, 'bad.json');
const good = join(dir, 'good.json');
const broken = join(dir, 'broken.json');
const spaced = join(dir, 'key policy #1.json');
writeFileSync(bad, JSON.stringify(policy({ Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') }), null, 2));
writeFileSync(good, JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']))));
writeFileSync(broken, '{"Statement": [');
writeFileSync(spaced, JSON.stringify(policy(allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt']))));

describe('SARIF of check', () => {
  it('locates each finding in its file and records the run: command line, arguments, times, success, category', async () => {
    const args = ['check', '--format', 'sarif', '--account-id', OWN, bad, good];
    const r = await runCli(args);
    expect(r.code).toBe(1);
    const log = validSarif(r.stdout);
    const run = log.runs[0];
    expect(run?.automationDetails).toEqual({ id: 'kms-policy-guard/check/' });
    const invocation = run?.invocations?.[0];
    expect(invocation).toMatchObject({ arguments: args, commandLine: `kms-policy-guard ${args.join(' ')}`, executionSuccessful: true });
    expect(invocation?.toolExecutionNotifications).toBeUndefined();
    const result = run?.results?.[0];
    expect(physical(result as Result)).toEqual({ artifactLocation: { uri: bad }, region: { startLine: 8, startColumn: 9 } });
    expect(firstLogical(result as Result)).toMatchObject({ name: '$.Statement[0].Principal.AWS', fullyQualifiedName: '$.Statement[0].Principal.AWS', kind: 'member' });
  });

  it('makes an unreadable file a tool execution notification (error, at the file), keeps a broken policy an INVALID_POLICY result, and fails the execution', async () => {
    const missing = join(dir, 'missing.json');
    const r = await runCli(['check', '--format', 'sarif', '--account-id', OWN, missing, broken, bad]);
    expect(r.code).toBe(2);
    const log = validSarif(r.stdout);
    const results = log.runs[0]?.results ?? [];
    expect(results.map((x) => [x.ruleId, physical(x)?.artifactLocation?.uri])).toEqual([
      ['INVALID_POLICY', broken],
      ['ACCOUNT_WIDE_FULL_ACCESS', bad],
    ]);
    const [notification, ...others] = notificationsOf(log);
    expect(others).toEqual([]);
    expect(notification).toEqual({
      level: 'error',
      descriptor: { id: 'INPUT_NOT_JUDGED' },
      message: { text: `${missing}: cannot read: no such file or directory` },
      locations: [{ physicalLocation: { artifactLocation: { uri: missing } } }],
      properties: { subject: missing, reason: 'cannot read: no such file or directory' },
    });
    expect(log.runs[0]?.invocations?.[0]?.executionSuccessful).toBe(false);
  });

  it('fails the execution for a policy that could not be parsed at all, as the exit code does', async () => {
    const r = await runCli(['check', '--format', 'sarif', broken]);
    expect(r.code).toBe(2);
    expect(validSarif(r.stdout).runs[0]?.invocations?.[0]?.executionSuccessful).toBe(false);
  });

  it('writes a file name with spaces, # or non-ASCII as a valid URI reference', async () => {
    const r = await runCli(['check', '--format', 'sarif', '--account-id', OWN, spaced]);
    const log = validSarif(r.stdout);
    expect(physical(log.runs[0]?.results?.[0] as Result)?.artifactLocation?.uri).toBe(join(dir, 'key%20policy%20%231.json'));
    // The command line quotes the argument as a shell would read it back.
    expect(log.runs[0]?.invocations?.[0]?.commandLine).toBe(`kms-policy-guard check --format sarif --account-id ${OWN} '${spaced}'`);
  });
});

describe('SARIF of check-template', () => {
  const TEMPLATES = join(__dirname, '..', 'fixtures', 'templates');

  it('gives each finding of a cdk.out key the construct path (aws:cdk:path) as its logical location, its JSON path nested in it', async () => {
    const assembly = join(TEMPLATES, 'cdk-nested');
    const json = JSON.parse((await runCli(['check-template', '--format', 'json', '--account-id', OWN, assembly])).stdout) as { results: { file: string; cdkPath?: string; findings: { path: string }[] }[] };
    const r = await runCli(['check-template', '--format', 'sarif', '--account-id', OWN, assembly]);
    const log = validSarif(r.stdout);
    expect(log.runs[0]?.automationDetails).toEqual({ id: 'kms-policy-guard/check-template/' });
    const expected = json.results.flatMap((x) => x.findings.map((f) => [x.file, x.cdkPath, f.path]));
    expect(expected.filter(([, cdkPath]) => cdkPath !== undefined).length).toBeGreaterThan(0);
    const got = (log.runs[0]?.results ?? []).map((x) => {
      const member = firstLogical(x);
      return [physical(x)?.artifactLocation?.uri, parentOf(log, member)?.fullyQualifiedName, member?.name];
    });
    expect(got).toEqual(expected);
    for (const x of log.runs[0]?.results ?? []) {
      const construct = parentOf(log, firstLogical(x));
      if (construct !== undefined) expect(construct.kind).toBe('resource');
      expect(physical(x)?.region?.startLine).toBeGreaterThan(0);
    }
  });

  it('makes a key whose policy is known only at deployment a notification at the policy’s line, not a result', async () => {
    const template = join(dir, 'deploy-time.yaml');
    writeFileSync(template, ['Resources:', '  Bucket:', '    Type: AWS::S3::Bucket', '  Key:', '    Type: AWS::KMS::Key', '    Properties:', '      KeyPolicy: !GetAtt Bucket.Arn', ''].join('\n'));
    const r = await runCli(['check-template', '--format', 'sarif', '--account-id', OWN, template]);
    expect(r.code).toBe(2);
    const log = validSarif(r.stdout);
    expect(log.runs[0]?.results).toEqual([]);
    const [notification] = notificationsOf(log);
    expect(notification?.level).toBe('error');
    expect(notification?.message.text).toMatch(/known only after deployment/);
    expect(physical(notification as Notification)).toEqual({ artifactLocation: { uri: template }, region: { startLine: 7, startColumn: 7 } });
    expect(log.runs[0]?.invocations?.[0]?.executionSuccessful).toBe(false);
  });
});

describe('SARIF of scan', () => {
  const kms = mockClient(KMSClient);
  const sts = mockClient(STSClient);
  const org = mockClient(OrganizationsClient);
  const iam = mockClient(IAMClient);
  const arn = (id: string, region = 'eu-west-1') => `arn:aws:kms:${region}:${OWN}:key/${id}`;
  const denied = () => Object.assign(new Error('AccessDeniedException (test)'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
  const POLICIES: Record<string, string> = {
    'key-root': JSON.stringify(policy({ Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') })),
    'key-unreadable': JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']))),
    'key-grants-unread': JSON.stringify(policy(allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt']))),
  };

  beforeEach(() => {
    for (const client of [kms, sts, org, iam]) client.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/Auditor/s`, UserId: 'AROA:s' });
    org.on(DescribeOrganizationCommand).rejects(Object.assign(new Error('not in use'), { name: 'AWSOrganizationsNotInUseException', $metadata: {} }));
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [], IsTruncated: false });
    kms.on(ListKeysCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === 'us-east-1') throw denied();
      return { Keys: Object.keys(POLICIES).map((id) => ({ KeyId: id, KeyArn: arn(id) })), Truncated: false };
    });
    kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
    kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }) => ({ KeyMetadata: { KeyId: input.KeyId, Arn: arn(input.KeyId), KeyManager: 'CUSTOMER', KeyState: 'Enabled' } }));
    kms.on(GetKeyPolicyCommand).callsFake(async (input: { KeyId: string }) => {
      if (input.KeyId === 'key-unreadable') throw denied();
      return { Policy: POLICIES[input.KeyId], PolicyName: 'default' };
    });
    kms.on(ListGrantsCommand).callsFake(async (input: { KeyId: string }) => {
      if (input.KeyId === 'key-grants-unread') throw denied();
      return { Grants: [], Truncated: false };
    });
  });

  it('locates findings at the key by ARN (never a file URI), and makes keys, accounts and Regions not judged notifications', async () => {
    const r = await runCli(['scan', '--regions', 'us-east-1,eu-west-1', '--no-effective-access', '--format', 'sarif']);
    expect(r.code).toBe(2);
    const log = validSarif(r.stdout);
    expect(r.stdout).not.toContain('physicalLocation');
    const run = log.runs[0];
    expect(run?.automationDetails).toEqual({ id: `kms-policy-guard/scan/${OWN}/eu-west-1,us-east-1/` });
    expect(run?.invocations?.[0]?.executionSuccessful).toBe(false);

    // The findings of the key read in full, and those of the key whose grants could not be read: results at the key.
    const located = (run?.results ?? []).map((x) => {
      const member = firstLogical(x);
      return [x.ruleId, parentOf(log, member), member?.name, member?.kind];
    });
    expect(located).toEqual([
      ['UNTRUSTED_CROSS_ACCOUNT', { name: arn('key-grants-unread'), fullyQualifiedName: arn('key-grants-unread'), kind: 'resource' }, '$.Statement[0].Principal.AWS', 'member'],
      ['ACCOUNT_WIDE_FULL_ACCESS', { name: arn('key-root'), fullyQualifiedName: arn('key-root'), kind: 'resource' }, '$.Statement[0].Principal.AWS', 'member'],
    ]);
    expect(firstLogical(run?.results?.[1] as Result)?.fullyQualifiedName).toBe(`${arn('key-root')}#$.Statement[0].Principal.AWS`);

    // What could not be judged, in part or at all: notifications, located at the key or the account and Region.
    const notJudged = notificationsOf(log).filter((n) => n.descriptor?.id === 'INPUT_NOT_JUDGED');
    expect(notJudged.map((n) => [n.level, firstLogical(n)?.kind, firstLogical(n)?.fullyQualifiedName, (n.message.text ?? '').split(' failed')[0]])).toEqual([
      ['error', 'resource', arn('key-grants-unread'), `${arn('key-grants-unread')}: incomplete: kms:ListGrants`],
      ['error', 'resource', arn('key-unreadable'), `${arn('key-unreadable')}: unreadable: kms:GetKeyPolicy`],
      ['error', 'namespace', `${OWN}/us-east-1`, `${OWN}/us-east-1: kms:ListKeys`],
    ]);
    expect((run?.results ?? []).map((x) => x.ruleId)).not.toContain('INVALID_POLICY');
  });

  it('gives every scope its own category, the same whatever order the accounts and Regions come in', () => {
    const report = (accounts: string[], regions: string[]): Report => ({
      tool: { name: 'kms-policy-guard', version: '1.0.0' },
      results: [],
      notes: [],
      run: { command: 'scan', arguments: ['scan'], startedAt: '2031-01-01T00:00:00.000Z', finishedAt: '2031-01-01T00:00:05.000Z', accounts, regions, settings: {} as RunInfo['settings'] },
    });
    const id = (accounts: string[], regions: string[]) => (JSON.parse(renderSarif(report(accounts, regions))) as Log).runs[0]?.automationDetails?.id;
    const many = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'];
    expect(id(many, ['eu-west-1'])).toMatch(/^kms-policy-guard\/scan\/5-accounts-[0-9a-f]{8}\/eu-west-1\/$/);
    expect(id([...many].reverse(), ['eu-west-1'])).toBe(id(many, ['eu-west-1']));
    expect(id(many.slice(1), ['eu-west-1'])).not.toBe(id(many, ['eu-west-1']));
    expect(id([OWN], ['us-east-1', 'eu-west-1'])).toBe(`kms-policy-guard/scan/${OWN}/eu-west-1,us-east-1/`);
    expect(id([OWN], ['us-east-1'])).not.toBe(id([OWN], ['eu-west-1']));
  });
});

describe('SARIF of a report built outside the command line', () => {
  it('still has its invocation and a category, without a command line or times it does not know', () => {
    const log = validSarif(renderSarif({ tool: { name: 'kms-policy-guard', version: '1.0.0' }, results: [{ subject: 'a.json', findings: [], warnings: [] }], notes: [] }));
    expect(log.runs[0]?.invocations).toEqual([{ executionSuccessful: true }]);
    expect(log.runs[0]?.automationDetails).toEqual({ id: 'kms-policy-guard/' });
  });

  it('quotes an argument with a quote in it as a shell reads it back', () => {
    const report: Report = {
      tool: { name: 'kms-policy-guard', version: '1.0.0' },
      results: [],
      notes: [],
      run: { command: 'check', arguments: ['check', "it's.json"], startedAt: '2031-01-01T00:00:00.000Z', finishedAt: '2031-01-01T00:00:01.000Z', settings: {} as RunInfo['settings'] },
    };
    expect((JSON.parse(renderSarif(report)) as Log).runs[0]?.invocations?.[0]?.commandLine).toBe("kms-policy-guard check 'it'\\''s.json'");
  });
});
