/** ASFF, OCSF and CSV from check-template and scan, validated against the schemas kept in test/fixtures/schemas. */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListGrantsCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OcsfDetectionFinding } from '../../cli/output/ocsf';
import { runCli } from '../support/cli';
import { APP_ROLE, FOREIGN_ROOT, OWN, ROOT, allow, policy } from '../support/policies';
import { schemaErrors } from '../support/schemas';

const TEMPLATES = join(__dirname, '..', 'fixtures', 'templates');
const REGION = 'eu-west-1';
const arn = (id: string, region = REGION) => `arn:aws:kms:${region}:${OWN}:key/${id}`;
const awsError = (name: string) => Object.assign(new Error(`${name} (test)`), { name, $metadata: { httpStatusCode: 400 } });

const kms = mockClient(KMSClient);
const sts = mockClient(STSClient);
const org = mockClient(OrganizationsClient);
const iam = mockClient(IAMClient);

const POLICIES: Record<string, string> = {
  'key-root': JSON.stringify(policy({ Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') })),
  'key-clean': JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']))),
  'key-foreign': JSON.stringify(policy(allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt']))),
  'key-denied': '',
};

beforeEach(() => {
  for (const m of [kms, sts, org, iam]) m.reset();
  iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [], IsTruncated: false });
  org.on(DescribeOrganizationCommand).rejects(awsError('AWSOrganizationsNotInUseException'));
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/Auditor/s`, UserId: 'AROA:s' });
  kms.on(ListKeysCommand).resolves({ Keys: Object.keys(POLICIES).map((id) => ({ KeyId: id, KeyArn: arn(id) })), Truncated: false });
  kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
  kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }) => ({ KeyMetadata: { KeyId: input.KeyId, Arn: arn(input.KeyId), KeyManager: 'CUSTOMER', KeyState: 'Enabled' } }));
  kms.on(GetKeyPolicyCommand).callsFake(async (input: { KeyId: string }) => ({ Policy: POLICIES[input.KeyId] }));
  kms.on(GetKeyPolicyCommand, { KeyId: 'key-denied' }).rejects(awsError('AccessDeniedException'));
  kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
});

async function scan(format: string): Promise<{ code: number; stdout: string }> {
  return runCli(['scan', '--regions', REGION, '--format', format]);
}

describe('--format asff, ocsf and csv from scan', () => {
  it('ASFF: each key finding in the key ARN account and Region, the key as AwsKmsKey resource, the unreadable key NOT_AVAILABLE', async () => {
    const r = await scan('asff');
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as { Findings: AwsSecurityFinding[] };
    expect(schemaErrors('asff-batch-import.schema.json', body)).toEqual([]);
    const byKey = Object.fromEntries(body.Findings.map((f) => [f.Resources?.[0]?.Id, f]));
    expect(Object.keys(byKey).sort()).toEqual([arn('key-denied'), arn('key-foreign'), arn('key-root')]);
    expect(byKey[arn('key-root')]).toMatchObject({
      ProductArn: `arn:aws:securityhub:${REGION}:${OWN}:product/${OWN}/default`,
      AwsAccountId: OWN,
      Region: REGION,
      GeneratorId: 'kms-policy-guard/ACCOUNT_WIDE_FULL_ACCESS',
      Resources: [{ Type: 'AwsKmsKey', Id: arn('key-root'), Partition: 'aws', Region: REGION, Details: { AwsKmsKey: { KeyId: 'key-root', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } } }],
      Compliance: { Status: 'FAILED' },
    });
    expect(byKey[arn('key-denied')]).toMatchObject({ GeneratorId: 'kms-policy-guard/NOT_JUDGED', Compliance: { Status: 'NOT_AVAILABLE' }, Severity: { Label: 'HIGH' } });
    expect(byKey[arn('key-denied')]?.Description).toContain('AccessDeniedException');
  });

  it('ASFF ids are stable across scans and differ between keys', async () => {
    const ids = async () => (JSON.parse((await scan('asff')).stdout) as { Findings: AwsSecurityFinding[] }).Findings.map((f) => f.Id);
    const first = await ids();
    expect(await ids()).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('OCSF: valid Detection Findings, the key as resource with its account and Region', async () => {
    const events = JSON.parse((await scan('ocsf')).stdout) as OcsfDetectionFinding[];
    expect(schemaErrors('ocsf-detection-finding.schema.json', events)).toEqual([]);
    const root = events.find((e) => e.resources[0]?.uid === arn('key-root'));
    expect(root).toMatchObject({ cloud: { provider: 'AWS', account: { uid: OWN }, region: REGION }, resources: [{ type: 'AWS::KMS::Key', region: REGION, cloud_partition: 'aws' }] });
    expect(events.find((e) => e.resources[0]?.uid === arn('key-denied'))?.finding_info.analytic.uid).toBe('NOT_JUDGED');
  });

  it('CSV: a row per finding and for the unreadable key, with account and Region', async () => {
    const lines = (await scan('csv')).stdout.trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).every((l) => l.includes(`,${OWN},${REGION},`))).toBe(true);
    expect(lines.some((l) => l.startsWith('high,not judged,NOT_JUDGED,'))).toBe(true);
  });
});

describe('--format json against its schema (test/fixtures/schemas/json-report.schema.json)', () => {
  it('scan: every key, the unreadable one with its error, and the run with the accounts and Regions scanned', async () => {
    const r = await scan('json');
    const report = JSON.parse(r.stdout) as { results: { file: string; error?: string }[]; run: { accounts: string[]; regions: string[] } };
    expect(schemaErrors('json-report.schema.json', report)).toEqual([]);
    expect(report.results.map((e) => e.file).sort()).toEqual(Object.keys(POLICIES).map((id) => arn(id)).sort());
    expect(report.results.find((e) => e.file === arn('key-denied'))?.error).toContain('AccessDeniedException');
    expect(report.run).toMatchObject({ accounts: [OWN], regions: [REGION] });
  });

  it('check-template and check: valid, with their own settings in run', async () => {
    const template = join(TEMPLATES, 'cloudformation', 'kms-key-admin-and-user.json');
    const fromTemplate = JSON.parse((await runCli(['check-template', '--format', 'json', '--account-id', OWN, '--region', REGION, template])).stdout) as unknown;
    expect(schemaErrors('json-report.schema.json', fromTemplate)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'kpg-json-schema-'));
    const file = join(dir, 'key.json');
    writeFileSync(file, JSON.stringify(policy(allow({ AWS: ROOT }, 'kms:*'))));
    writeFileSync(join(dir, 'broken.json'), '{"Statement": [');
    writeFileSync(join(dir, 'package.json'), '{"name": "x"}');
    const fromCheck = JSON.parse((await runCli(['check', '--format', 'json', '--account-id', OWN, dir])).stdout) as { skipped: unknown[] };
    expect(schemaErrors('json-report.schema.json', fromCheck)).toEqual([]);
    expect(fromCheck.skipped).toHaveLength(1);
  });

  it('the schema refuses a report without run, or a finding without its fingerprint', async () => {
    const report = JSON.parse((await scan('json')).stdout) as { run?: unknown; results: { findings: { fingerprint?: string }[] }[] };
    const withFinding = report.results.find((e) => e.findings.length > 0);
    delete withFinding?.findings[0]?.fingerprint;
    expect(schemaErrors('json-report.schema.json', report)).toEqual([expect.stringContaining("must have required property 'fingerprint'")]);
    delete report.run;
    expect(schemaErrors('json-report.schema.json', report)).toContain(" must have required property 'run'");
  });
});

describe('--format asff and ocsf from check-template', () => {
  const template = join(TEMPLATES, 'cloudformation', 'kms-key-admin-and-user.json');

  it('ASFF: valid, each key named by template#logicalId as a resource of type Other', async () => {
    const r = await runCli(['check-template', '--format', 'asff', '--account-id', OWN, '--region', REGION, template]);
    const body = JSON.parse(r.stdout) as { Findings: AwsSecurityFinding[] };
    expect(schemaErrors('asff-batch-import.schema.json', body)).toEqual([]);
    const resources = [...new Set(body.Findings.map((f) => f.Resources?.[0]?.Id))];
    expect(resources.map((id) => id?.replace(/^.*\//, ''))).toEqual(['kms-key-admin-and-user.json#myKey', 'kms-key-admin-and-user.json#myReplicaKey']);
    expect(body.Findings[0]?.Resources?.[0]).toMatchObject({ Type: 'Other', Details: { Other: { LogicalId: 'myKey', ResourceType: 'AWS::KMS::Key' } } });
    expect(body.Findings.map((f) => f.ProductArn)).toEqual(body.Findings.map(() => `arn:aws:securityhub:${REGION}:${OWN}:product/${OWN}/default`));
  });

  it('OCSF: valid, the logical id and resource type on the resource', async () => {
    const r = await runCli(['check-template', '--format', 'ocsf', '--account-id', OWN, '--region', REGION, template]);
    const events = JSON.parse(r.stdout) as OcsfDetectionFinding[];
    expect(schemaErrors('ocsf-detection-finding.schema.json', events)).toEqual([]);
    expect(events[0]?.resources[0]).toMatchObject({ name: 'myKey', type: 'AWS::KMS::Key', region: REGION });
  });
});

describe('--output', () => {
  /** What differs between two runs by design: when they ran (ISO times in ASFF, epoch milliseconds in OCSF). */
  const withoutTimes = (text: string) => text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>').replace(/"(time|created_time|modified_time)": \d+/g, '"$1": 0');

  it.each(['asff', 'ocsf', 'csv'])('writes exactly what --format %s prints', async (format) => {
    const out = join(mkdtempSync(join(tmpdir(), 'kpg-formats-out-')), `report.${format}`);
    const args = ['check-template', '--format', format, '--account-id', OWN, '--region', REGION, join(TEMPLATES, 'cloudformation', 'kms-key-admin-and-user.json')];
    const printed = await runCli(args);
    const written = await runCli([...args, '--output', out], { isTty: true });
    expect(written.code).toBe(printed.code);
    expect(written.stdout).toBe('');
    expect(withoutTimes(readFileSync(out, 'utf8'))).toBe(withoutTimes(printed.stdout));
    expect(printed.stdout).toContain('ACCOUNT_WIDE_FULL_ACCESS');
  });
});

describe('the schemas kept in test/fixtures/schemas', () => {
  it('refuse a finding missing required attributes or over the BatchImportFindings limits', () => {
    const errors = schemaErrors('asff-batch-import.schema.json', { Findings: [{ SchemaVersion: '2018-10-08', Title: 'x'.repeat(257), Workflow: { Status: 'SUPPRESSED' } }] });
    expect(errors.join('\n')).toMatch(/must have required property 'Id'/);
    expect(errors.join('\n')).toMatch(/\/Title must NOT have more than 256 characters/);
    expect(errors.join('\n')).toMatch(/\/Workflow/);
  });

  it('refuse an OCSF event of another class or without finding_info', () => {
    const errors = schemaErrors('ocsf-detection-finding.schema.json', [{ class_uid: 2003, category_uid: 2, activity_id: 1, type_uid: 200301, severity_id: 1, time: 0, metadata: { version: '1.3.0', product: { vendor_name: 'x' } }, cloud: { provider: 'AWS' } }]);
    expect(errors.join('\n')).toMatch(/class_uid must be equal to constant/);
    expect(errors.join('\n')).toMatch(/required property 'finding_info'/);
  });
});
