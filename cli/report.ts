/** The result model every output format renders. */
import { CHECK, SEVERITIES, severityRank, type accessMatrix, type Finding, type Severity, type Warning } from '../engine';

/** Warnings the CLI adds to the engine's, e.g. about template values it could not resolve. */
export interface ReportWarning extends Omit<Warning, 'code'> {
  code: Warning['code'] | 'UNRESOLVED_VALUE' | 'DEFAULT_KEY_POLICY' | 'ALIASES_UNLISTED' | 'INLINE_SUPPRESSION';
}

/** Who may do what on one key, for the HTML report: the engine's access matrix and the statements behind it. */
export interface AccessDetails {
  matrix: ReturnType<typeof accessMatrix>;
  /** The policy's statements as analysed (after template values were resolved), in order. */
  statements: { index: number; sid?: string; json: unknown }[];
}

export interface ResultEntry {
  /**
   * What the entry is about: a path as given on the command line (or "-"), a key ARN, or an account/Region
   * (`scan`). The JSON output calls it `file`.
   */
  subject: string;
  findings: Finding[];
  warnings: (Warning | ReportWarning)[];
  /** Set when the input could not be read or judged at all. */
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

export interface Report {
  tool: { name: string; version: string };
  results: ResultEntry[];
  /** Files found in a walk and not judged because they are not key policies (commands that walk set it). */
  skipped?: SkippedInput[];
  /** Statements about how the run judged (e.g. that the key's account is unknown). */
  notes: string[];
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
function policyNotJudged(entry: ResultEntry): boolean {
  const policyPath = entry.extra?.policyPath;
  const roots = typeof policyPath === 'string' ? ['$', policyPath] : ['$'];
  return entry.findings.some((f) => f.notJudged === true || (f.checkId === CHECK.INVALID_POLICY && roots.some((root) => f.path === root || f.path === `${root}.Statement`)));
}

/**
 * Exit code: 2 when an input could not be read or its policy could not be parsed or fully judged (whatever failOn says),
 * else 1 when a finding is at or above failOn, else 0.
 */
export function exitCode(report: Report, failOn: FailOn): number {
  if (report.results.some((r) => (r.error !== undefined && r.findings.length === 0) || policyNotJudged(r))) return 2;
  if (failOn === 'none') return 0;
  const threshold = severityRank(failOn);
  return report.results.some((r) => r.findings.some((f) => severityRank(f.severity) >= threshold)) ? 1 : 0;
}
