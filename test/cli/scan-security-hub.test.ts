/**
 * The wiring of `scan --security-hub` (cli/commands/scan-security-hub.ts): the importer reads back, from the
 * findings output/asff.ts writes, the key (or the pair), check and severity that decide a resolution; and what the
 * scan covered is taken from its result and report.
 */
import { analyzePolicy, CHECK } from '../../engine';
import { fingerprintFindings } from '../../cli/acceptance';
import { asffFindings } from '../../cli/output/asff';
import { ASFF_IDENTITY, scanCoverage, sendScanToSecurityHub } from '../../cli/commands/scan-security-hub';
import type { ScanAws } from '../../cli/aws/scan-aws';
import { VirtualClock } from '../rule/support';
import type { ScanResult } from '../../cli/commands/scan';
import type { Report, ResultEntry } from '../../cli/report';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const arn = (key: string, region = REGION) => `arn:aws:kms:${region}:${ACCOUNT}:key/${key}`;
const PUBLIC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] });

function keyEntry(key: string, more: Partial<ResultEntry> = {}): ResultEntry {
  return { subject: arn(key), findings: analyzePolicy(PUBLIC, { accountId: ACCOUNT, keyArn: arn(key) }).findings, warnings: [], extra: { keyArn: arn(key), account: ACCOUNT, region: REGION }, ...more };
}

const unlistedPair: ResultEntry = {
  subject: `${ACCOUNT}/us-east-1`,
  findings: [],
  warnings: [],
  error: 'kms:ListKeys failed (AccessDeniedException: no)',
  extra: { keyArn: null, account: ACCOUNT, region: 'us-east-1', aliases: [] },
  unlisted: 'account-region',
};

function report(results: ResultEntry[]): Report {
  return fingerprintFindings({ tool: { name: 'kms-policy-guard', version: '0.0.0' }, results, notes: [] }, '/');
}

describe('ASFF_IDENTITY reads back what output/asff.ts writes', () => {
  const findings = asffFindings(report([keyEntry('k1'), unlistedPair]));

  it("a key's finding: its key, check and severity", () => {
    const mine = findings.filter((f) => f.GeneratorId === `kms-policy-guard/${CHECK.PUBLIC_ACCESS}`);
    expect(mine).toHaveLength(1);
    expect(ASFF_IDENTITY.subjectOf(mine[0]!)).toEqual({ about: { keyArn: arn('k1') }, checkId: CHECK.PUBLIC_ACCESS, severity: 'critical' });
    expect(mine[0]?.ProductArn).toBe(ASFF_IDENTITY.productArn({ account: ACCOUNT, region: REGION }));
    expect(mine[0]?.GeneratorId?.startsWith(ASFF_IDENTITY.generatorIdPrefix)).toBe(true);
  });

  it('the finding of a pair whose keys could not be listed: the pair', () => {
    const pair = findings.find((f) => f.Region === 'us-east-1');
    expect(pair).toBeDefined();
    expect(ASFF_IDENTITY.subjectOf(pair!)).toMatchObject({ about: 'pair' });
    expect(pair?.ProductArn).toBe(ASFF_IDENTITY.productArn({ account: ACCOUNT, region: 'us-east-1' }));
  });

  it('nothing from a finding without its severity', () => {
    const [first] = findings;
    expect(ASFF_IDENTITY.subjectOf({ ...first!, Severity: { Label: 'HIGH' }, FindingProviderFields: {} })).toBeUndefined();
  });
});

describe('scanCoverage', () => {
  it('lists the pairs that were listed, the keys judged fully, and the keys listed', () => {
    const scan = {
      targets: [
        { account: ACCOUNT, region: REGION },
        { account: ACCOUNT, region: 'us-east-1' },
      ],
      listedKeys: [arn('k1'), arn('k2'), arn('k3')],
    } as unknown as ScanResult;
    const grantsUnread = keyEntry('k2', { error: 'incomplete: kms:ListGrants failed with AccessDeniedException' });
    const notJudged = { ...keyEntry('k3'), findings: [{ ...keyEntry('k3').findings[0]!, notJudged: true as const }] };
    const cov = scanCoverage(scan, report([keyEntry('k1'), grantsUnread, notJudged, unlistedPair]), { disabledChecks: [], grantsRead: true });
    expect(cov.listedPairs).toEqual([{ account: ACCOUNT, region: REGION }]);
    expect(cov.unlistedPairs).toEqual([{ account: ACCOUNT, region: 'us-east-1' }]);
    expect([...cov.judgedKeys]).toEqual([arn('k1')]);
    expect([...cov.listedKeys]).toEqual([arn('k1'), arn('k2'), arn('k3')]);
  });
});

describe('sendScanToSecurityHub', () => {
  it('imports nothing, and says why, when the findings cannot be written in ASFF; the import is incomplete', async () => {
    // An account whose Regions could not be listed, in a scan that read no Region: ASFF has no Region to file it under.
    const unlistedAccount: ResultEntry = {
      subject: ACCOUNT,
      findings: [],
      warnings: [],
      error: 'account:ListRegions failed',
      extra: { keyArn: null, account: ACCOUNT, region: null, aliases: [] },
      unlisted: 'account',
    };
    const scan = { targets: [], listedKeys: [] } as unknown as ScanResult;
    const aws = { securityHub: () => Promise.reject(new Error('no client should be made')) } as unknown as ScanAws;
    const sent = await sendScanToSecurityHub(report([unlistedAccount]), scan, { disabledChecks: [], grantsRead: true }, { aws, clock: new VirtualClock(), concurrency: 1 });
    expect(sent.outcome.complete).toBe(false);
    expect(sent.notes).toEqual([expect.stringMatching(/^Security Hub: nothing imported: --format asff: no Region to file 111122223333 under/)]);
    expect(sent.summary).toEqual(sent.notes);
  });
});
