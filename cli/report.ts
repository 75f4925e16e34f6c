/** The result model every output format renders. */
import { CHECK, SEVERITIES, severityRank, type accessMatrix, type CheckId, type EffectiveAccess, type Severity, type Warning } from '../engine';
import { isSuppressed, type BaselineEntry, type MarkedFinding, type Suppression } from '../suppress';

/** Warnings the CLI adds to the engine's, e.g. about template values it could not resolve. */
export interface ReportWarning extends Omit<Warning, 'code'> {
  code: Warning['code'] | 'UNRESOLVED_VALUE' | 'DEFAULT_KEY_POLICY' | 'ALIASES_UNLISTED' | 'EXEMPTION_NOT_APPLIED' | 'INLINE_SUPPRESSION';
}

/** A finding as reported: how it was accepted, if it was, and its fingerprint (suppress/fingerprint.ts). */
export type ReportFinding = MarkedFinding & { fingerprint?: string };

/**
 * Who may do what on one key, for the HTML report: the engine's access matrix (each cell naming the statements and
 * the grant ids behind it) and the statements and grants themselves.
 */
export interface AccessDetails {
  matrix: ReturnType<typeof accessMatrix>;
  /** The policy's statements as analysed (after template values were resolved), in order. */
  statements: { index: number; sid?: string; json: unknown }[];
  /** The key's grants, when they were read (scan), in the order ListGrants listed them. */
  grants?: { grantId: string; json: unknown }[];
}

export interface ResultEntry {
  /**
   * What the entry is about: a path as given on the command line (or "-"), a key ARN, or an account/Region
   * (`scan`). The JSON output calls it `file`.
   */
  subject: string;
  findings: ReportFinding[];
  /**
   * The policy's statements as written, indexed as the findings' `statementIndexes`: what a finding's
   * fingerprint is made of. Unset when the policy has no statements to show.
   */
  statements?: readonly unknown[];
  warnings: (Warning | ReportWarning)[];
  /**
   * Set when the input could not be read or judged at all (no findings then), or was judged in part only: a
   * scanned key whose grants could not be read keeps its policy's findings beside the error.
   */
  error?: string;
  /** The source text, for locating JSON paths (SARIF regions). */
  sourceText?: string;
  /** Where the policy sits inside its source document, as a JSON-path prefix (templates). */
  sourcePathPrefix?: (string | number)[];
  /** Line locator for non-JSON sources (YAML templates); JSON sources are located from sourceText. */
  sourceLocator?: (segments: (string | number)[]) => { startLine: number; startColumn: number } | undefined;
  /** Extra fields carried into JSON output (keyArn, account, region, aliases, logicalId…). */
  extra?: Record<string, unknown>;
  /** The access matrix and statements, when the policy was analysed (scan and check-template). */
  access?: AccessDetails;
  /**
   * Which principals of the key's account can use or administer it, key policy, grants and IAM together
   * (`scan`, unless --no-effective-access). Unset when not computed, e.g. for a key whose policy was not read.
   */
  effectiveAccess?: EffectiveAccess;
  /**
   * Set on a scan entry that is not a key: an account and Region whose keys could not be listed, or an
   * account whose enabled Regions could not be listed (`--regions all`). Summaries count these apart from keys.
   */
  unlisted?: 'account-region' | 'account';
}

/** A file a folder walk found and passed over, e.g. a package.json that is not a key policy. */
export interface SkippedInput {
  file: string;
  reason: string;
}

/**
 * How the report was made: what a reader filing it needs to know (the HTML header, SARIF `invocations` and
 * `automationDetails`, the ASFF and OCSF timestamps). Set by the command line for every command.
 */
export interface RunInfo {
  command: 'check' | 'check-template' | 'scan';
  /** The arguments after the program name, as given. */
  arguments: readonly string[];
  /** When the run started, and when its findings were concluded (ISO 8601, UTC, milliseconds). */
  startedAt: string;
  finishedAt: string;
  /** `scan`: the accounts and Regions it set out to read, each sorted (those that could not be listed included). */
  accounts?: readonly string[];
  regions?: readonly string[];
  /** The settings that shaped the verdicts, as parsed (defaults included). */
  settings: {
    /** check, check-template: --account-id. */
    accountId?: string;
    /** check, check-template: --region. */
    region?: string;
    trustedAccountIds: readonly string[];
    trustedOrgIds: readonly string[];
    disabledChecks: readonly CheckId[];
    minimumSeverity?: Severity;
    baseline?: string;
    failOn: FailOn;
    /** scan, check-template. */
    exemptionTagKey?: string;
    /** scan: whether grants were read and effective access computed, and whether AWS-managed keys were judged. */
    grants?: boolean;
    effectiveAccess?: boolean;
    includeAwsManaged?: boolean;
  };
}

export interface Report {
  tool: { name: string; version: string };
  /** How the report was made; unset only for reports built outside the command line (tests, the library). */
  run?: RunInfo;
  results: ResultEntry[];
  /** Files found in a walk and not judged because they are not key policies (commands that walk set it). */
  skipped?: SkippedInput[];
  /** Statements about how the run judged (e.g. that the key's account is unknown). */
  notes: string[];
  /**
   * Set when --baseline was given: the file, its entries that matched no finding any more, and those about keys
   * that could not be judged this run (neither fixed nor found; kept by --write-baseline).
   */
  baseline?: { file: string; fixed: BaselineEntry[]; notChecked: BaselineEntry[] };
  /** Set when --min-severity was given: findings below it are left out of the report, and counted here. */
  belowMinimum?: { minimumSeverity: Severity; count: number };
}

/** How many findings are new (they count), unchanged (in the baseline), suppressed (inline, exemption tag) and fixed (baseline entries matching nothing). */
export interface AcceptanceCounts {
  new: number;
  unchanged: number;
  suppressed: number;
  fixed: number;
}

export function acceptanceCounts(report: Report): AcceptanceCounts {
  const counts: AcceptanceCounts = { new: 0, unchanged: 0, suppressed: 0, fixed: report.baseline?.fixed.length ?? 0 };
  for (const r of report.results) {
    for (const f of r.findings) {
      if (f.suppression === undefined) counts.new += 1;
      else if (f.suppression.kind === 'baseline') counts.unchanged += 1;
      else counts.suppressed += 1;
    }
  }
  return counts;
}

/** `4 findings: 1 new, 1 unchanged (baseline), 2 suppressed, 1 fixed (in baseline b.json, no longer found)`. */
export function acceptanceLine(report: Report): string {
  const c = acceptanceCounts(report);
  const total = c.new + c.unchanged + c.suppressed;
  const fixed = report.baseline !== undefined && c.fixed > 0 ? ` (in baseline ${report.baseline.file}, no longer found)` : '';
  const notChecked = report.baseline?.notChecked.length ?? 0;
  return `${total} finding${total === 1 ? '' : 's'}: ${c.new} new, ${c.unchanged} unchanged (baseline), ${c.suppressed} suppressed, ${c.fixed} fixed${fixed}${notChecked > 0 ? `, ${notChecked} not checked this run` : ''}`;
}

/** Whether the report has anything accepted or a baseline, so its acceptance line says something. */
export function hasAcceptance(report: Report): boolean {
  return report.baseline !== undefined || report.results.some((r) => r.findings.some(isSuppressed));
}

/** `accepted (inline, until 2027-06-30): reason`. */
export function describeSuppression(s: Suppression): string {
  return `accepted (${s.kind}${s.expires !== undefined ? `, until ${s.expires}` : ''}): ${s.reason}`;
}

export type FailOn = Severity | 'none';

export function countBySeverity(results: readonly ResultEntry[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const r of results) for (const f of r.findings) counts[f.severity] += 1;
  return counts;
}

/**
 * Whether the entry's policy could not be parsed or judged. Decided from the findings' structure, never
 * their messages:
 * - an INVALID_POLICY finding at the policy's root: the document as a whole could not be read as a policy
 *   (not JSON, JSON but not an object, an object without Statement). The root is `$`, or for a template key
 *   whose policy paths are rebased onto the template, the policy's own path (`policyPath`);
 * - an INVALID_POLICY finding at the policy's Statement element itself (`$.Statement`): Statement is null,
 *   an empty array, a value that is neither an array nor an object, or a lone statement object broken at
 *   its own level (no Effect, Principal, Action or Resource; both Action and NotAction), which the engine
 *   drops. A policy with no usable statement grants nothing, and KMS rejects it;
 * - a finding the engine marks `notJudged`: a check threw, or the analysis could not run.
 * A grammar violation further down (`$.Statement[0].Effect`, Version) is an ordinary finding.
 */
export function policyNotJudged(entry: ResultEntry): boolean {
  const policyPath = entry.extra?.policyPath;
  const roots = typeof policyPath === 'string' ? ['$', policyPath] : ['$'];
  return entry.findings.some((f) => f.notJudged === true || (f.checkId === CHECK.INVALID_POLICY && roots.some((root) => f.path === root || f.path === `${root}.Statement`)));
}

/**
 * Whether the entry was not judged, or judged in part only: an error (an input not read; a scanned key whose
 * grants could not be read, whose entry keeps its policy's findings beside the error), or a policy not judged.
 */
export function entryNotJudged(entry: ResultEntry): boolean {
  return entry.error !== undefined || policyNotJudged(entry);
}

/**
 * Exit code: 2 when an input could not be read or its policy could not be parsed or fully judged (whatever failOn says,
 * and whatever was suppressed), else 1 when a finding that was not accepted (inline, by the baseline or by an
 * exemption tag) is at or above failOn, else 0.
 */
export function exitCode(report: Report, failOn: FailOn): number {
  if (report.results.some(entryNotJudged)) return 2;
  if (failOn === 'none') return 0;
  const threshold = severityRank(failOn);
  return report.results.some((r) => r.findings.some((f) => !isSuppressed(f) && severityRank(f.severity) >= threshold)) ? 1 : 0;
}
