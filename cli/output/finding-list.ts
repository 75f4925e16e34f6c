/**
 * The report as one flat list of findings, for the formats that have no place for an input apart from its findings
 * (ASFF, OCSF, CSV): every finding, and for each input that could not be read or judged (an entry with `error`) one
 * NOT_JUDGED item, so such an input never looks clean. Each item has a stable `kpg2` fingerprint
 * (suppress/fingerprint.ts): never a statement index.
 */
import { CHECKS, COMPLIANCE_FRAMEWORKS, type CheckMeta, type Severity } from '../../engine';
import { findingFingerprint } from '../../suppress';
import { fingerprintFindings, keyIdentity } from '../acceptance';
import type { Report, ReportFinding, ResultEntry } from '../report';

/** The check id a NOT_JUDGED item carries: an input (file, template key, key, account/Region) that was not judged. */
export const NOT_JUDGED = 'NOT_JUDGED';

/**
 * The severity of a NOT_JUDGED item. An input nobody could judge may grant anything, public access included; high
 * keeps it above the default --fail-on and on every triage list, where a clean result would hide it.
 */
export const NOT_JUDGED_SEVERITY: Severity = 'high';

export interface ListedFinding {
  entry: ResultEntry;
  /** The finding, or undefined for a NOT_JUDGED item (then `entry.error` says why). */
  finding: ReportFinding | undefined;
  checkId: string;
  severity: Severity;
  title: string;
  message: string;
  fingerprint: string;
  /** False for a NOT_JUDGED item and for a finding the engine marks `notJudged` (a check threw). */
  judged: boolean;
  /** The check's metadata; undefined for a NOT_JUDGED item. */
  meta: CheckMeta | undefined;
  /** The key's identity as the fingerprint uses it: key ARN, `file#logicalId` (templates) or file. */
  identity: string;
}

const META = new Map<string, CheckMeta>(CHECKS.map((c) => [c.meta.id, c.meta]));

export function checkMeta(checkId: string): CheckMeta | undefined {
  return META.get(checkId);
}

/**
 * Every finding of the report, in report order, each input that could not be read or judged after its findings.
 * Findings without a fingerprint (a report built outside the command line) are fingerprinted here, as the command
 * line does (cli/acceptance.ts).
 */
export function listFindings(report: Report, cwd: string = process.cwd()): ListedFinding[] {
  const complete = report.results.some((r) => r.findings.some((f) => f.fingerprint === undefined)) ? fingerprintFindings(report, cwd) : report;
  const out: ListedFinding[] = [];
  for (const entry of complete.results) {
    const identity = keyIdentity(entry, cwd);
    for (const f of entry.findings) {
      out.push({
        entry,
        finding: f,
        checkId: f.checkId,
        severity: f.severity,
        title: f.title,
        message: f.message,
        fingerprint: f.fingerprint as string,
        judged: f.notJudged !== true,
        meta: META.get(f.checkId),
        identity,
      });
    }
    if (entry.error !== undefined) out.push(notJudgedItem(entry, entry.error, identity));
  }
  return out;
}

function notJudgedItem(entry: ResultEntry, error: string, identity: string): ListedFinding {
  return {
    entry,
    finding: undefined,
    checkId: NOT_JUDGED,
    severity: NOT_JUDGED_SEVERITY,
    title: entry.unlisted !== undefined ? 'Keys not listed: the account or Region could not be read' : 'Key policy not judged: the input could not be read or judged',
    message: `${entry.subject}: ${error}`,
    fingerprint: findingFingerprint({ key: identity, checkId: NOT_JUDGED, statements: [], path: '$', principals: [], actions: [] }),
    judged: false,
    meta: undefined,
    identity,
  };
}

/** The Sids of the statements behind a finding, those without one left out. */
export function sidsOf(f: ReportFinding | undefined): string[] {
  return (f?.sids ?? []).filter((s): s is string => s !== undefined);
}

/**
 * `value` cut to at most `max` UTF-16 code units, ending in `…` when cut, never splitting a surrogate pair (half a
 * character is invalid text to a JSON parser downstream).
 */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/**
 * The controls a check maps to, as Security Hub writes a control's related requirements: `<framework>/<id>`
 * (`AWS Foundational Security Best Practices v1.0.0/KMS.5`). Frameworks where nothing maps are left out.
 */
export function relatedRequirements(meta: CheckMeta | undefined): string[] {
  if (meta === undefined) return [];
  return (Object.keys(COMPLIANCE_FRAMEWORKS) as (keyof typeof COMPLIANCE_FRAMEWORKS)[]).flatMap((framework) => {
    const ids = meta.compliance[framework];
    return ids === 'none' ? [] : ids.map((id) => `${COMPLIANCE_FRAMEWORKS[framework]}/${id}`);
  });
}
