import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { CHECKS, SEVERITIES } from '../../engine';
import { ASFF_GENERATOR_PREFIX, asffFindingId, asffFindings, asffProductArn, asffSeverityLabel } from '../../cli/output/asff';
import { truncate } from '../../cli/output/finding-list';
import type { Report } from '../../cli/report';
import { runCli } from '../support/cli';
import { APP_ROLE, FOREIGN_ROOT, ROOT, allow, policy } from '../support/policies';
import { schemaErrors } from '../support/schemas';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const dir = mkdtempSync(join(tmpdir(), 'kpg-asff-'));
const write = (name: string, value: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
};
const rootStatement = { Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') };
const foreignStatement = { Sid: 'Foreign', ...allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt']) };
const bad = write('bad.json', policy(rootStatement, foreignStatement));
// The same statements in another order, with one more before them: what a fingerprint ignores.
const moved = write('moved.json', policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']), foreignStatement, rootStatement));
const broken = write('broken.json', '{"Statement": [');

async function asff(args: string[]): Promise<{ code: number; findings: AwsSecurityFinding[]; body: unknown; stderr: string }> {
  const r = await runCli(['check', '--format', 'asff', '--account-id', ACCOUNT, '--region', REGION, ...args]);
  const body = JSON.parse(r.stdout) as { Findings: AwsSecurityFinding[] };
  return { code: r.code, findings: body.Findings, body, stderr: r.stderr };
}

describe('--format asff (check)', () => {
  it('writes a BatchImportFindings request that the ASFF schema accepts, one finding per report finding', async () => {
    const { code, body, findings } = await asff([bad]);
    expect(code).toBe(1);
    expect(schemaErrors('asff-batch-import.schema.json', body)).toEqual([]);
    expect(findings.map((f) => f.GeneratorId).sort()).toEqual([`${ASFF_GENERATOR_PREFIX}ACCOUNT_WIDE_FULL_ACCESS`, `${ASFF_GENERATOR_PREFIX}UNTRUSTED_CROSS_ACCOUNT`]);
    const first = findings.find((f) => f.GeneratorId === `${ASFF_GENERATOR_PREFIX}ACCOUNT_WIDE_FULL_ACCESS`);
    expect(first).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
      AwsAccountId: ACCOUNT,
      Region: REGION,
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Severity: { Label: 'HIGH', Original: 'high' },
      FindingProviderFields: { Severity: { Label: 'HIGH', Original: 'high' } },
    });
    expect(first?.Id).toMatch(/^kms-policy-guard\/kpg2:[0-9a-f]{64}$/);
    expect(first?.Resources).toEqual([expect.objectContaining({ Type: 'Other', Partition: 'aws', Region: REGION })]);
    expect(first?.Resources?.[0]?.Id).toMatch(/bad\.json$/);
    expect(first?.Remediation?.Recommendation?.Url).toMatch(/^https:\/\//);
    expect(first?.ProductFields).toMatchObject({ 'kms-policy-guard/CheckId': 'ACCOUNT_WIDE_FULL_ACCESS', 'kms-policy-guard/StatementSids': 'Root', 'kms-policy-guard/Status': 'new' });
    expect(first?.ProductFields?.['kms-policy-guard/Fingerprint']).toBe(first?.Id?.slice('kms-policy-guard/'.length));
    // Times are the run's: CreatedAt and UpdatedAt are when its findings were concluded.
    expect(first?.CreatedAt).toBe(first?.UpdatedAt);
    expect(Number.isNaN(Date.parse(first?.CreatedAt ?? ''))).toBe(false);
    // Workflow belongs to the customer: never sent.
    expect(first).not.toHaveProperty('Workflow');
  });

  it('keeps a finding Id when its statement moves, and changes it for another key', async () => {
    const ids = async (file: string) => Object.fromEntries((await asff([file])).findings.map((f) => [f.GeneratorId, f.Id]));
    const original = await ids(bad);
    // The same file, its statements moved and another added before them: same ids.
    writeFileSync(bad, JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']), foreignStatement, rootStatement)));
    expect(await ids(bad)).toEqual(original);
    writeFileSync(bad, JSON.stringify(policy(rootStatement, foreignStatement), null, 2));
    // Another file is another key: other ids.
    const other = await ids(moved);
    expect(Object.keys(other)).toEqual(Object.keys(original));
    for (const generator of Object.keys(original)) expect(other[generator]).not.toBe(original[generator]);
  });

  it('reports an unreadable file as a NOT_JUDGED finding, never as nothing, and a broken one as INVALID_POLICY', async () => {
    const { code, body, findings } = await asff([join(dir, 'missing.json'), broken]);
    expect(code).toBe(2);
    expect(schemaErrors('asff-batch-import.schema.json', body)).toEqual([]);
    expect(findings.map((f) => [f.GeneratorId, f.Compliance?.Status, f.Severity?.Label])).toEqual([
      [`${ASFF_GENERATOR_PREFIX}NOT_JUDGED`, 'NOT_AVAILABLE', 'HIGH'],
      [`${ASFF_GENERATOR_PREFIX}INVALID_POLICY`, 'FAILED', 'CRITICAL'],
    ]);
    expect(findings[0]?.Description).toMatch(/missing\.json/);
    expect(findings[0]?.ProductFields?.['kms-policy-guard/Judged']).toBe('false');
  });

  it('keeps an accepted finding FAILED and says how it was accepted in ProductFields', async () => {
    const baseline = join(dir, 'baseline.json');
    await runCli(['check', '--account-id', ACCOUNT, '--write-baseline', baseline, bad]);
    const { code, findings } = await asff(['--baseline', baseline, bad]);
    expect(code).toBe(0);
    expect(findings.map((f) => f.Compliance?.Status)).toEqual(['FAILED', 'FAILED']);
    expect(findings[0]?.Severity?.Label).not.toBe('INFORMATIONAL');
    expect(findings[0]?.ProductFields).toMatchObject({ 'kms-policy-guard/Status': 'accepted', 'kms-policy-guard/AcceptanceKind': 'baseline' });
    expect(findings[0]).not.toHaveProperty('Workflow');
  });

  it('names the controls a check maps to in Compliance.RelatedRequirements, and none where nothing maps', async () => {
    const open = write('public.json', policy({ Sid: 'Anyone', ...allow({ AWS: '*' }, 'kms:Decrypt') }));
    const { findings } = await asff([open, bad]);
    const related = Object.fromEntries(findings.map((f) => [f.GeneratorId, f.Compliance?.RelatedRequirements]));
    expect(related[`${ASFF_GENERATOR_PREFIX}PUBLIC_ACCESS`]).toEqual(['AWS Foundational Security Best Practices v1.0.0/KMS.5']);
    // CIS has no key-policy control: nothing is invented.
    expect(related[`${ASFF_GENERATOR_PREFIX}UNTRUSTED_CROSS_ACCOUNT`]).toBeUndefined();
  });

  it.each([
    [['check', '--format', 'asff', '--region', REGION], '--account-id'],
    [['check', '--format', 'asff', '--account-id', ACCOUNT], '--region'],
    [['check-template', '--format', 'asff', '--region', REGION], '--account-id'],
    [['check-template', '--format', 'asff', '--account-id', ACCOUNT], '--region'],
  ])('%j without %s is a usage error naming it, said before any input is read', async (args, flag) => {
    const r = await runCli([...args, join(dir, 'does-not-exist.json')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`--format asff needs ${flag}`);
    expect(r.stderr).not.toContain('does-not-exist');
  });

  it('rejects a --region that is not a Region name', async () => {
    const r = await runCli(['check', '--region', 'Europe', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--region: "Europe" is not a Region name');
  });
});

describe('asffFindings', () => {
  it('maps every severity to its ASFF label', () => {
    expect(SEVERITIES.map(asffSeverityLabel)).toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']);
  });

  it('builds product ARNs and ids from the partition, Region, account and fingerprint', () => {
    expect(asffProductArn('aws-us-gov', 'us-gov-west-1', ACCOUNT)).toBe(`arn:aws-us-gov:securityhub:us-gov-west-1:${ACCOUNT}:product/${ACCOUNT}/default`);
    expect(asffFindingId('kpg2:abc')).toBe('kms-policy-guard/kpg2:abc');
  });

  it('cuts a long message to the Description limit without splitting a character, and fills the remediation from the check', () => {
    const check = CHECKS[0];
    const report: Report = {
      tool: { name: 'kms-policy-guard', version: '0.0.0' },
      notes: [],
      results: [
        {
          subject: 'p.json',
          warnings: [],
          findings: [
            {
              checkId: check.meta.id,
              severity: 'critical',
              title: 'T'.repeat(300),
              message: `${'x'.repeat(1022)}😀 and more`,
              statementIndexes: [],
              sids: [],
              path: '$',
              principals: [],
              actions: [],
            },
          ],
        },
      ],
    };
    const [f] = asffFindings(report, { accountId: ACCOUNT, region: 'cn-north-1', cwd: dir });
    expect(f?.Description).toBe(`${'x'.repeat(1022)}…`);
    expect(f?.Title).toHaveLength(256);
    expect(f?.ProductArn).toMatch(/^arn:aws-cn:securityhub:cn-north-1:/);
    expect(f?.Severity?.Label).toBe('CRITICAL');
    expect(f?.Remediation?.Recommendation?.Url).toBe(check.meta.references[0]);
    expect(schemaErrors('asff-batch-import.schema.json', { Findings: [f] })).toEqual([]);
  });

  it('truncate never leaves half a surrogate pair', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('files an account whose Regions could not be listed under a Region the scan read, as an AwsAccount resource, and refuses when there is none', () => {
    const run = { command: 'scan' as const, arguments: [], startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', settings: { trustedAccountIds: [], trustedOrgIds: [], disabledChecks: [], failOn: 'low' as const } };
    const entry = { subject: '444455556666', findings: [], warnings: [], error: 'account:ListRegions failed', extra: { keyArn: null, account: '444455556666', region: null }, unlisted: 'account' as const };
    const report = (regions: string[]): Report => ({ tool: { name: 'kms-policy-guard', version: '0' }, notes: [], run: { ...run, regions }, results: [entry] });
    const [f] = asffFindings(report(['us-gov-west-1']));
    expect(f).toMatchObject({ AwsAccountId: '444455556666', Region: 'us-gov-west-1', ProductArn: 'arn:aws-us-gov:securityhub:us-gov-west-1:444455556666:product/444455556666/default', CreatedAt: '2026-01-01T00:00:01.000Z' });
    expect(f?.Resources).toEqual([{ Type: 'AwsAccount', Id: 'AWS::::Account:444455556666', Partition: 'aws-us-gov', Region: 'us-gov-west-1' }]);
    expect(() => asffFindings(report([]))).toThrow(/--regions/);
  });

  it('refuses a file finding without an account or Region rather than inventing one', () => {
    const report: Report = { tool: { name: 'kms-policy-guard', version: '0' }, notes: [], results: [{ subject: 'p.json', warnings: [], findings: [], error: 'unreadable' }] };
    expect(() => asffFindings(report, { region: REGION })).toThrow(/--account-id/);
    expect(() => asffFindings(report, { accountId: ACCOUNT })).toThrow(/--region/);
  });
});
