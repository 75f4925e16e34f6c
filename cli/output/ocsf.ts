/**
 * OCSF (Open Cybersecurity Schema Framework) output: a JSON array of Detection Findings (class_uid 2004), one per
 * report finding and one per input not judged (finding-list.ts), each with the same stable uid as the ASFF finding.
 *
 * Detection Finding rather than Compliance Finding (2003): a Compliance Finding's `compliance` object is required
 * and names the standard and control evaluated, but no CIS AWS Foundations Benchmark control covers key policies,
 * and most checks map to no control at all: every finding would carry an invented or empty standard. A Detection
 * Finding reports what a product detected (here, a dangerous grant in a key policy) without one, as Prowler's OCSF
 * output does for its checks, and keeps the remediation and affected resources.
 */
import { partitionOfArn, partitionOfRegion, type Severity } from '../../engine';
import type { Report } from '../report';
import { describeSuppression } from '../report';
import { ASFF_TYPES, asffFindingId } from './asff';
import { listFindings, relatedRequirements, sidsOf, type ListedFinding } from './finding-list';
import { jsonSafe } from './safe-text';

/** The OCSF schema version every event declares (metadata.version). */
export const OCSF_VERSION = '1.3.0';

export const OCSF_CLASS = { uid: 2004, name: 'Detection Finding' } as const;
export const OCSF_CATEGORY = { uid: 2, name: 'Findings' } as const;
/** Activity Create: each run reports its findings as it found them. */
const ACTIVITY = { id: 1, name: 'Create' } as const;

const SEVERITY_ID: Record<Severity, { id: number; name: string }> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

export function ocsfSeverityId(severity: Severity): number {
  return SEVERITY_ID[severity].id;
}

/**
 * Finding status: New, or Suppressed for a finding accepted here (baseline, inline, exemption tag). Unlike ASFF's
 * Workflow, OCSF's status is the producer's to set on every event, so an acceptance that lapses shows as New again
 * on the next run.
 */
const STATUS = { new: { id: 1, name: 'New' }, suppressed: { id: 3, name: 'Suppressed' } } as const;

/** What a Detection Finding event holds, as this module fills it. */
export interface OcsfDetectionFinding {
  activity_id: number;
  activity_name: string;
  category_uid: number;
  category_name: string;
  class_uid: number;
  class_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  status_detail?: string;
  time: number;
  message: string;
  metadata: { version: string; product: { name: string; vendor_name: string; version: string }; profiles: string[] };
  cloud: { provider: 'AWS'; account?: { uid: string; type_id: 10; type: 'AWS Account' }; region?: string };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    created_time: number;
    modified_time: number;
    analytic: { uid: string; name: string; type_id: 1; type: 'Rule' };
  };
  resources: { uid: string; name?: string; type: string; region?: string; cloud_partition?: string; data?: Record<string, unknown> }[];
  remediation: { desc: string; references?: string[] };
  unmapped: Record<string, unknown>;
}

function stringFact(extra: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = extra?.[name];
  return typeof v === 'string' ? v : undefined;
}

/** The account and Region of a finding: a scanned key's (or account's) own, else --account-id and --region. */
function placeOf(item: ListedFinding, report: Report): { account?: string; region?: string } {
  const extra = item.entry.extra;
  const keyArn = stringFact(extra, 'keyArn');
  const [, , , arnRegion, arnAccount] = keyArn?.split(':') ?? [];
  const account = arnAccount ?? stringFact(extra, 'account') ?? report.run?.settings.accountId;
  const region = arnRegion ?? stringFact(extra, 'region') ?? report.run?.settings.region;
  return { ...(account !== undefined ? { account } : {}), ...(region !== undefined ? { region } : {}) };
}

function resourceOf(item: ListedFinding, place: { account?: string; region?: string }): OcsfDetectionFinding['resources'][number] {
  const extra = item.entry.extra;
  const keyArn = stringFact(extra, 'keyArn');
  const region = place.region !== undefined ? { region: place.region, cloud_partition: (keyArn !== undefined ? partitionOfArn(keyArn) : undefined) ?? partitionOfRegion(place.region) } : {};
  if (keyArn !== undefined) return { uid: keyArn, type: 'AWS::KMS::Key', ...region };
  const account = stringFact(extra, 'account');
  if (account !== undefined) return { uid: account, name: item.entry.subject, type: 'AWS::Account', ...region };
  const logicalId = stringFact(extra, 'logicalId');
  const data = Object.fromEntries(['template', 'logicalId', 'resourceType', 'stack', 'cdkPath'].flatMap((k) => (extra?.[k] !== undefined ? [[k, extra[k]]] : [])));
  return {
    uid: item.identity,
    ...(logicalId !== undefined ? { name: logicalId } : {}),
    type: stringFact(extra, 'resourceType') ?? 'Key policy file',
    ...region,
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

function remediationOf(item: ListedFinding): OcsfDetectionFinding['remediation'] {
  if (item.meta === undefined) return { desc: 'Make the input readable (permissions, the file, the template value known only at deployment) and run again; until then, treat the key as not judged.' };
  return { desc: item.meta.remediation, ...(item.meta.references.length > 0 ? { references: [...item.meta.references] } : {}) };
}

/**
 * What a Detection Finding has no attribute for: the fingerprint, the statements' Sids, principals and actions, the
 * acceptance, and the controls the check maps to (`related_requirements`, as in ASFF; a Detection Finding has no
 * `compliance` object).
 */
function unmappedOf(item: ListedFinding): Record<string, unknown> {
  const f = item.finding;
  const related = relatedRequirements(item.meta);
  return {
    check_id: item.checkId,
    ...(related.length > 0 ? { related_requirements: related } : {}),
    fingerprint: item.fingerprint,
    judged: item.judged,
    subject: item.entry.subject,
    ...(f !== undefined
      ? { path: f.path, statement_sids: sidsOf(f), principals: f.principals, actions: f.actions, ...(f.access !== undefined ? { access: f.access } : {}), ...(f.conditionKeys !== undefined ? { condition_keys: f.conditionKeys } : {}) }
      : {}),
    ...(f?.suppression !== undefined ? { acceptance: { kind: f.suppression.kind, reason: f.suppression.reason, ...(f.suppression.expires !== undefined ? { expires: f.suppression.expires } : {}) } } : {}),
  };
}

function ocsfFinding(item: ListedFinding, report: Report, time: number): OcsfDetectionFinding {
  const place = placeOf(item, report);
  const severity = SEVERITY_ID[item.severity];
  const accepted = item.finding?.suppression;
  const status = accepted !== undefined ? STATUS.suppressed : STATUS.new;
  return {
    activity_id: ACTIVITY.id,
    activity_name: ACTIVITY.name,
    category_uid: OCSF_CATEGORY.uid,
    category_name: OCSF_CATEGORY.name,
    class_uid: OCSF_CLASS.uid,
    class_name: OCSF_CLASS.name,
    type_uid: OCSF_CLASS.uid * 100 + ACTIVITY.id,
    type_name: `${OCSF_CLASS.name}: ${ACTIVITY.name}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    ...(accepted !== undefined ? { status_detail: describeSuppression(accepted) } : item.judged ? {} : { status_detail: 'not judged: the input could not be read or judged, so it is not known to be clean' }),
    time,
    message: item.message,
    metadata: { version: OCSF_VERSION, product: { name: report.tool.name, vendor_name: report.tool.name, version: report.tool.version }, profiles: ['cloud'] },
    cloud: {
      provider: 'AWS',
      ...(place.account !== undefined ? { account: { uid: place.account, type_id: 10, type: 'AWS Account' } } : {}),
      ...(place.region !== undefined ? { region: place.region } : {}),
    },
    finding_info: {
      uid: asffFindingId(item.fingerprint),
      title: item.title,
      desc: item.message,
      types: [...ASFF_TYPES],
      created_time: time,
      modified_time: time,
      analytic: { uid: item.checkId, name: item.checkId, type_id: 1, type: 'Rule' },
    },
    resources: [resourceOf(item, place)],
    remediation: remediationOf(item),
    unmapped: unmappedOf(item),
  };
}

/** The report's findings as OCSF Detection Findings; `time` is when the run concluded (`report.run.finishedAt`), else now. */
export function ocsfFindings(report: Report, cwd?: string): OcsfDetectionFinding[] {
  const time = report.run !== undefined ? Date.parse(report.run.finishedAt) : Date.now();
  return listFindings(report, cwd).map((item) => ocsfFinding(item, report, time));
}

export function renderOcsf(report: Report): string {
  return jsonSafe(JSON.stringify(ocsfFindings(report), null, 2)) + '\n';
}
