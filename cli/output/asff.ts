/**
 * AWS Security Finding Format (ASFF), as the BatchImportFindings request takes it: `{"Findings": [...]}`, one
 * finding per report finding and one per input that could not be read or judged (finding-list.ts).
 *
 * What Security Hub lets a finding provider set, and what this module does with it:
 * - Workflow and Note are the customer's: after a finding is created, BatchImportFindings cannot change them
 *   (https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html). A finding
 *   accepted here (baseline, inline, exemption tag) is therefore never sent as SUPPRESSED: the acceptance can expire
 *   or be withdrawn, and a Workflow set at creation would keep hiding the live finding. It stays FAILED, with how it
 *   was accepted in ProductFields, which the provider may update on every import.
 * - Severity and Types are sent both at the top level and in FindingProviderFields: the top level is read only when
 *   the finding is created, FindingProviderFields on every update.
 */
import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import { partitionOfArn, partitionOfRegion, type Severity } from '../../engine';
import { UsageError } from '../io';
import type { Report } from '../report';
import { describeSuppression } from '../report';
import { jsonSafe } from './safe-text';
import { listFindings, relatedRequirements, sidsOf, truncate, type ListedFinding } from './finding-list';

/** The ASFF version every finding declares. */
export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** Every GeneratorId starts with this, followed by the check id (or NOT_JUDGED): what a re-import may resolve. */
export const ASFF_GENERATOR_PREFIX = 'kms-policy-guard/';

/** Every finding Id starts with this, followed by the finding's `kpg2:` fingerprint. */
export const ASFF_ID_PREFIX = 'kms-policy-guard/';

/** The Types of every finding (namespace/category/classifier). */
export const ASFF_TYPES = ['Software and Configuration Checks/AWS Security Best Practices/KMS Key Policy'] as const;

/** ASFF and BatchImportFindings limits, in characters. */
export const ASFF_LIMITS = { title: 256, description: 1024, recommendationText: 512, productFieldValue: 2048, id: 512 } as const;

/** BatchImportFindings takes at most 100 findings per call. */
export const ASFF_BATCH_LIMIT = 100;

const LABEL: Record<Severity, 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL'> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFORMATIONAL',
};

export function asffSeverityLabel(severity: Severity): (typeof LABEL)[Severity] {
  return LABEL[severity];
}

/**
 * The product ARN of Security Hub's default product for custom integrations, in the account that imports: a
 * finding sent with it must have that account as AwsAccountId, and is imported in that Region.
 */
export function asffProductArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** The finding Id from its content fingerprint: moving a statement keeps it; another key, check or grant changes it. */
export function asffFindingId(fingerprint: string): string {
  return `${ASFF_ID_PREFIX}${fingerprint}`;
}

export function asffGeneratorId(checkId: string): string {
  return `${ASFF_GENERATOR_PREFIX}${checkId}`;
}

/**
 * Resource.Partition, when ASFF can name it: its enum spells only aws, aws-cn and aws-us-gov as ARNs do (its ISO names
 * differ from the ARNs'), so another partition is left out rather than misnamed; the resource Id still carries it.
 */
function resourcePartition(partition: string): Pick<Resource, 'Partition'> {
  return partition === 'aws' || partition === 'aws-cn' || partition === 'aws-us-gov' ? { Partition: partition } : {};
}

export interface AsffDefaults {
  /** check, check-template: --account-id. A scanned key's account is taken from its ARN. */
  accountId?: string;
  /** check, check-template: --region. A scanned key's Region is taken from its ARN. */
  region?: string;
  /** For findings not about a scanned key (whose ARN names its partition). Default: the Region's. */
  partition?: string;
  /** What relative file paths are relative to (resource ids, fingerprints). @default process.cwd() */
  cwd?: string;
}

/** Where a finding goes: account, Region and partition, and the resource it is about. */
interface Placement {
  accountId: string;
  region: string;
  partition: string;
  resource: Resource;
}

function stringFact(extra: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = extra?.[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A scanned key: its ARN's account, Region and partition. An account or Region whose keys could not be listed: the
 * account as the resource. A policy file or template key: --account-id and --region, with a resource of Type Other
 * whose Id names the file, or `file#logicalId` (with the stack when nested or in a cloud assembly).
 */
function placementOf(item: ListedFinding, defaults: AsffDefaults, report: Report): Placement {
  const extra = item.entry.extra;
  const keyArn = stringFact(extra, 'keyArn');
  if (keyArn !== undefined) {
    const [, , , region = '', accountId = ''] = keyArn.split(':');
    const partition = partitionOfArn(keyArn) ?? 'aws';
    return {
      accountId,
      region,
      partition,
      resource: { Type: 'AwsKmsKey', Id: keyArn, ...resourcePartition(partition), Region: region, Details: { AwsKmsKey: kmsKeyDetails(keyArn, extra) } },
    };
  }
  const scanAccount = stringFact(extra, 'account');
  if (scanAccount !== undefined) {
    const region = stringFact(extra, 'region') ?? defaults.region ?? report.run?.regions?.[0];
    // An account whose Regions could not be listed, in a scan that listed no Region at all: nowhere to file it.
    if (region === undefined) throw new UsageError(`--format asff: no Region to file ${item.entry.subject} under (the scan read no Region); name one with --regions`);
    const partition = defaults.partition ?? partitionOfRegion(region);
    return { accountId: scanAccount, region, partition, resource: { Type: 'AwsAccount', Id: `AWS::::Account:${scanAccount}`, ...resourcePartition(partition), Region: region } };
  }
  const { accountId, region } = defaults;
  if (accountId === undefined) throw new Error('ASFF needs the account the findings belong to (--account-id)');
  if (region === undefined) throw new Error('ASFF needs the Region the findings are imported in (--region)');
  const partition = defaults.partition ?? partitionOfRegion(region);
  return { accountId, region, partition, resource: { Type: 'Other', Id: item.identity, ...resourcePartition(partition), Region: region, Details: { Other: otherDetails(item) } } };
}

function kmsKeyDetails(keyArn: string, extra: Record<string, unknown> | undefined): NonNullable<NonNullable<Resource['Details']>['AwsKmsKey']> {
  const keyManager = stringFact(extra, 'keyManager');
  const keyState = stringFact(extra, 'keyState');
  return {
    KeyId: keyArn.slice(keyArn.lastIndexOf('/') + 1),
    ...(keyManager !== undefined ? { KeyManager: keyManager } : {}),
    ...(keyState !== undefined ? { KeyState: keyState } : {}),
  };
}

/** What names a file or template key, each value within ASFF's 1024 characters for Details.Other. */
function otherDetails(item: ListedFinding): Record<string, string> {
  const extra = item.entry.extra;
  const facts: Record<string, string | undefined> = {
    File: stringFact(extra, 'template') ?? item.entry.subject,
    LogicalId: stringFact(extra, 'logicalId'),
    ResourceType: stringFact(extra, 'resourceType'),
    Stack: stringFact(extra, 'stack'),
    CdkPath: stringFact(extra, 'cdkPath'),
  };
  return Object.fromEntries(Object.entries(facts).flatMap(([k, v]) => (v === undefined ? [] : [[k, truncate(v, 1024)]])));
}

/** `kms-policy-guard/Name` keys: the provider's own, beside those Security Hub adds under `aws/`. */
function productFields(item: ListedFinding, report: Report): Record<string, string> {
  const f = item.finding;
  const fields: Record<string, string | undefined> = {
    'kms-policy-guard/CheckId': item.checkId,
    'kms-policy-guard/Fingerprint': item.fingerprint,
    'kms-policy-guard/Judged': item.judged ? 'true' : 'false',
    'kms-policy-guard/Status': f === undefined ? 'not judged' : f.suppression === undefined ? 'new' : 'accepted',
    'kms-policy-guard/Acceptance': f?.suppression !== undefined ? describeSuppression(f.suppression) : undefined,
    'kms-policy-guard/AcceptanceKind': f?.suppression?.kind,
    'kms-policy-guard/AcceptanceExpires': f?.suppression?.expires,
    'kms-policy-guard/Path': f?.path,
    'kms-policy-guard/StatementSids': f !== undefined && sidsOf(f).length > 0 ? sidsOf(f).join(',') : undefined,
    'kms-policy-guard/Principals': f !== undefined && f.principals.length > 0 ? f.principals.join(',') : undefined,
    'kms-policy-guard/Actions': f !== undefined && f.actions.length > 0 ? f.actions.join(',') : undefined,
    'kms-policy-guard/Access': f?.access,
    'kms-policy-guard/ConditionKeys': f?.conditionKeys !== undefined && f.conditionKeys.length > 0 ? f.conditionKeys.join(',') : undefined,
    'kms-policy-guard/Subject': item.entry.subject,
    'kms-policy-guard/Command': report.run?.command,
    ProviderName: report.tool.name,
    ProviderVersion: report.tool.version,
  };
  return Object.fromEntries(Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [[k, truncate(v, ASFF_LIMITS.productFieldValue)]])));
}

/**
 * FAILED for a finding, accepted or not: the policy still does what the check says. NOT_AVAILABLE ("the check could
 * not be performed") for an input that could not be read or judged and for a finding the engine could not complete:
 * never PASSED, and never absent, so a re-import cannot resolve a finding about a key it did not judge.
 */
function complianceStatus(item: ListedFinding): 'FAILED' | 'NOT_AVAILABLE' {
  return item.judged ? 'FAILED' : 'NOT_AVAILABLE';
}

/** The status, and the benchmark and Security Hub controls the check maps to (check metadata), when any. */
function complianceOf(item: ListedFinding): NonNullable<AwsSecurityFinding['Compliance']> {
  const related = relatedRequirements(item.meta);
  return { Status: complianceStatus(item), ...(related.length > 0 ? { RelatedRequirements: related } : {}) };
}

function recommendation(item: ListedFinding): NonNullable<AwsSecurityFinding['Remediation']>['Recommendation'] {
  const meta = item.meta;
  if (meta === undefined) {
    return { Text: truncate('Make the input readable (permissions, the file, the template value known only at deployment) and run again; until then, treat the key as not judged.', ASFF_LIMITS.recommendationText) };
  }
  const text = meta.remediation.length <= ASFF_LIMITS.recommendationText ? meta.remediation : meta.fix;
  return { Text: truncate(text, ASFF_LIMITS.recommendationText), ...(meta.references[0] !== undefined ? { Url: meta.references[0] } : {}) };
}

function asffFinding(item: ListedFinding, defaults: AsffDefaults, report: Report, times: { created: string; updated: string }): AwsSecurityFinding {
  const place = placementOf(item, defaults, report);
  const severity = { Label: LABEL[item.severity], Original: item.severity };
  const types = [...ASFF_TYPES];
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: asffFindingId(item.fingerprint),
    ProductArn: asffProductArn(place.partition, place.region, place.accountId),
    // A custom integration may name itself; other providers' names are set by Security Hub.
    ProductName: report.tool.name,
    CompanyName: report.tool.name,
    GeneratorId: asffGeneratorId(item.checkId),
    AwsAccountId: place.accountId,
    Region: place.region,
    Types: types,
    CreatedAt: times.created,
    UpdatedAt: times.updated,
    LastObservedAt: times.updated,
    Severity: severity,
    FindingProviderFields: { Severity: severity, Types: types },
    Title: truncate(item.title, ASFF_LIMITS.title),
    Description: truncate(item.message, ASFF_LIMITS.description),
    Remediation: { Recommendation: recommendation(item) },
    ProductFields: productFields(item, report),
    Resources: [place.resource],
    Compliance: complianceOf(item),
    RecordState: 'ACTIVE',
  };
}

/**
 * The report's findings in ASFF. A scanned key's finding takes the key ARN's account, Region and partition; the
 * findings of `check` and `check-template` take `defaults` (--account-id, --region), which must then be set.
 * CreatedAt and UpdatedAt are when the run concluded (`report.run.finishedAt`), else now.
 */
export function asffFindings(report: Report, defaults: AsffDefaults = {}): AwsSecurityFinding[] {
  const at = report.run?.finishedAt ?? new Date().toISOString();
  const times = { created: at, updated: at };
  return listFindings(report, defaults.cwd).map((item) => asffFinding(item, defaults, report, times));
}

/** `{"Findings": [...]}`: the input of `aws securityhub batch-import-findings --cli-input-json` (100 findings per call). */
export function renderAsff(report: Report, defaults: AsffDefaults = {}): string {
  return jsonSafe(JSON.stringify({ Findings: asffFindings(report, defaults) }, null, 2)) + '\n';
}
