/**
 * `scan --security-hub`: the concluded scan report in ASFF (output/asff.ts), sent to Security Hub by the importer
 * (aws/security-hub.ts) with what the scan covered, so that only findings it could have found again are resolved.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { SEVERITIES, partitionOfRegion, type Severity } from '../../engine';
import type { Clock } from '../../runtime/clock';
import { ASFF_GENERATOR_PREFIX, asffFindings, asffProductArn } from '../output/asff';
import { entryNotJudged, type Report } from '../report';
import { importToSecurityHub, securityHubNotes, securityHubSummary, type ArchiveCoverage, type FindingIdentity, type FindingSubject, type SecurityHubOutcome } from '../aws/security-hub';
import type { ScanAws } from '../aws/scan-aws';
import type { ScanResult } from './scan';

/** This tool's findings as output/asff.ts writes them: product, generator, and the key, check and severity back. */
export const ASFF_IDENTITY: FindingIdentity = {
  productArn: (pair) => asffProductArn(partitionOfRegion(pair.region), pair.region, pair.account),
  generatorIdPrefix: ASFF_GENERATOR_PREFIX,
  subjectOf: asffSubject,
};

function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** The key (or the account whose keys could not be listed), check id and severity of an ASFF finding of this tool. */
function asffSubject(finding: AwsSecurityFinding): FindingSubject | undefined {
  const checkId = finding.ProductFields?.['kms-policy-guard/CheckId'] ?? finding.GeneratorId?.slice(ASFF_GENERATOR_PREFIX.length);
  // FindingProviderFields is the provider's on every update; the top-level Severity only at creation.
  const severity = finding.FindingProviderFields?.Severity?.Original ?? finding.Severity?.Original;
  if (checkId === undefined || checkId === '' || !isSeverity(severity)) return undefined;
  const key = finding.Resources?.find((r) => r.Type === 'AwsKmsKey')?.Id;
  if (key !== undefined) return { about: { keyArn: key }, checkId, severity };
  const account = finding.Resources?.find((r) => r.Type === 'AwsAccount')?.Id;
  return account === `AWS::::Account:${finding.AwsAccountId}` ? { about: 'pair', checkId, severity } : undefined;
}

/** What the scan covered, from its result and its concluded report. */
export function scanCoverage(scan: ScanResult, report: Report, settings: Pick<ArchiveCoverage, 'disabledChecks' | 'minimumSeverity' | 'grantsRead'>): ArchiveCoverage {
  const unlisted = new Set<string>();
  const judgedKeys = new Set<string>();
  for (const entry of report.results) {
    const { account, region, keyArn } = entry.extra ?? {};
    if (entry.unlisted === 'account-region' && typeof account === 'string' && typeof region === 'string') unlisted.add(`${account}/${region}`);
    if (entry.unlisted === undefined && typeof keyArn === 'string' && !entryNotJudged(entry)) judgedKeys.add(keyArn);
  }
  const isUnlisted = (t: { account: string; region: string }) => unlisted.has(`${t.account}/${t.region}`);
  return {
    listedPairs: scan.targets.filter((t) => !isUnlisted(t)),
    unlistedPairs: scan.targets.filter(isUnlisted).map(({ account, region }) => ({ account, region })),
    listedKeys: new Set(scan.listedKeys),
    judgedKeys,
    ...settings,
  };
}

export interface SecurityHubRun {
  outcome: SecurityHubOutcome;
  /** One line per account and Region, for stderr. */
  summary: string[];
  /** For the report's notes. */
  notes: string[];
}

/** Sends the concluded report's findings to Security Hub, in each account and Region they belong to. */
export async function sendScanToSecurityHub(
  report: Report,
  scan: ScanResult,
  settings: Pick<ArchiveCoverage, 'disabledChecks' | 'minimumSeverity' | 'grantsRead'>,
  deps: { aws: ScanAws; clock: Clock; concurrency: number; roleName?: string },
): Promise<SecurityHubRun> {
  const coverage = scanCoverage(scan, report, settings);
  let findings: AwsSecurityFinding[];
  try {
    findings = asffFindings(report);
  } catch (e) {
    // Nothing can be imported (e.g. no Region to file an account under); the report is still written, exit 2.
    const line = `Security Hub: nothing imported: ${e instanceof Error ? e.message : String(e)}`;
    return { outcome: { pairs: [], complete: false }, summary: [line], notes: [line] };
  }
  const outcome = await importToSecurityHub({
    findings,
    coverage,
    identity: ASFF_IDENTITY,
    client: (pair) => deps.aws.securityHub(pair, partitionOfRegion(pair.region)),
    clock: deps.clock,
    concurrency: deps.concurrency,
    ...(deps.roleName !== undefined ? { roleName: deps.roleName } : {}),
  });
  return { outcome, summary: securityHubSummary(outcome), notes: securityHubNotes(outcome, coverage) };
}
