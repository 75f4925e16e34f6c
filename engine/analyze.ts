/**
 * analyzePolicy: parse, summarise access, run every check. Pure and total: it never throws, and a
 * policy it cannot judge yields an INVALID_POLICY finding rather than silence.
 */
import { CHECKS, type CheckId } from './checks/registry';
import type { CheckContext, FindingDraft } from './checks/toolkit';
import { buildAccessSummary, type AccessSummary } from './access-summary';
import { grantAccessEntries, grantLabel } from './grant-access';
import { grantPath, type KeyGrant } from './key-grants';
import { parsePolicy, type ParsedPolicy } from './parse-policy';
import { accountOfArn } from './principals';
import type { AnalysisOptions, Finding } from './findings';
import { severityRank, type Warning } from './types';

/**
 * A failure of the engine itself, not of the policy: a check threw, or the analysis could not run. The
 * findings still fail closed (each such failure also yields a finding marked `notJudged`); this list says
 * that the cause is a defect to fix in the engine, not a grammar error in the policy.
 */
export interface InternalError {
  /** The check that threw; absent when the analysis as a whole could not run. */
  check?: CheckId;
  message: string;
}

export interface AnalysisResult {
  /** Findings, most severe first. */
  findings: Finding[];
  /** Failures of the engine itself; empty unless the engine has a defect. */
  internalErrors: InternalError[];
  warnings: Warning[];
  /** Who may do what; empty when the policy could not be read at all. */
  summary: AccessSummary;
  /** The parsed policy, when it could be read. */
  policy?: ParsedPolicy;
  /** The account judged to own the key, and where that came from. */
  ownAccount?: string;
  ownAccountSource: 'option' | 'key-arn' | 'unknown';
}

const CHECK_ORDER = new Map(CHECKS.map((c, i) => [c.meta.id, i]));

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (CHECK_ORDER.get(a.checkId) ?? 0) - (CHECK_ORDER.get(b.checkId) ?? 0) ||
    (a.statementIndexes[0] ?? -1) - (b.statementIndexes[0] ?? -1) ||
    compareText(a.principals[0] ?? '', b.principals[0] ?? '') ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}

/** Analyse one key policy, given as JSON text or an already-parsed value. Never throws. */
export function analyzePolicy(input: unknown, options?: AnalysisOptions | null): AnalysisResult {
  try {
    return analyze(input, options ?? {});
  } catch (e) {
    // Fail closed: whatever went wrong, the policy is reported as not judged, never as clean.
    const message = errorMessage(e);
    return {
      findings: [
        {
          checkId: 'INVALID_POLICY',
          severity: 'critical',
          title: 'The key policy cannot be parsed or breaks the policy grammar',
          message: `$: the policy could not be analysed (${message}); it is reported until it can be.`,
          statementIndexes: [],
          sids: [],
          path: '$',
          principals: [],
          actions: [],
          notJudged: true,
        },
      ],
      internalErrors: [{ message }],
      warnings: [],
      summary: { entries: [] },
      ownAccountSource: 'unknown',
    };
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : 'unknown error';
}

function analyze(input: unknown, options: AnalysisOptions): AnalysisResult {
  const parsed = parsePolicy(input, options.duplicateKeyPaths);
  const warnings: Warning[] = parsed.warnings;
  const { ownAccount, ownAccountSource } = keyOwner(options);
  if (ownAccount === undefined) warnings.push({ code: 'ACCOUNT_UNKNOWN', path: '$', message: ACCOUNT_UNKNOWN });
  const summary: AccessSummary = parsed.policy ? buildAccessSummary(parsed.policy, ownAccount, options.keyArn) : { entries: [] };
  if (options.grants !== undefined) {
    summary.keyGrants = grantAccessEntries(options.grants);
    warnings.push(...grantWarnings(options.grants));
  }
  const ctx: CheckContext = { policy: parsed.policy, parseErrors: parsed.errors, summary, options, ownAccount };
  const { findings, internalErrors } = runChecks(ctx, options.disabledChecks);
  sortFindings(findings);
  const result: AnalysisResult = { findings, internalErrors, warnings, summary, ownAccountSource };
  if (parsed.policy) result.policy = parsed.policy;
  if (ownAccount) result.ownAccount = ownAccount;
  return result;
}

/** One INVALID_GRANT warning per problem of a grant: what could not be read is said, never dropped. */
function grantWarnings(grants: readonly KeyGrant[]): Warning[] {
  const out: Warning[] = [];
  for (const grant of grants) {
    for (const problem of grant.problems ?? []) {
      out.push({ code: 'INVALID_GRANT', path: grantPath(grant), message: `${grantLabel(grant)}: ${problem}; the grant is judged on what could be read.` });
    }
  }
  return out;
}

const ACCOUNT_UNKNOWN =
  "The key's account is not known, so its own account and other accounts cannot be told apart: every account principal was judged as the key's own account (account-wide checks), and no cross-account finding was made. Pass the account id to judge cross-account access.";

/** The account judged to own the key: the account id option when valid, else the key ARN's account. */
function keyOwner(options: AnalysisOptions): { ownAccount: string | undefined; ownAccountSource: AnalysisResult['ownAccountSource'] } {
  if (options.accountId !== undefined && /^\d{12}$/.test(options.accountId)) return { ownAccount: options.accountId, ownAccountSource: 'option' };
  if (options.keyArn !== undefined && accountOfArn(options.keyArn)) return { ownAccount: accountOfArn(options.keyArn), ownAccountSource: 'key-arn' };
  return { ownAccount: undefined, ownAccountSource: 'unknown' };
}

/** Every enabled check, in registry order; a check that throws yields a finding marked not judged. */
function runChecks(ctx: CheckContext, disabledChecks: AnalysisOptions['disabledChecks']): { findings: Finding[]; internalErrors: InternalError[] } {
  const disabled = disabledChecks && disabledChecks.length > 0 ? new Set(disabledChecks) : undefined;
  const findings: Finding[] = [];
  const internalErrors: InternalError[] = [];
  for (const check of CHECKS) {
    if (disabled?.has(check.meta.id)) continue;
    let drafts: FindingDraft[];
    let crashed = false;
    try {
      drafts = check.run(ctx);
    } catch (e) {
      crashed = true;
      const message = errorMessage(e);
      internalErrors.push({ check: check.meta.id, message });
      drafts = [crashedCheckDraft(message)];
    }
    for (const d of drafts) findings.push(findingOf(check.meta, d, crashed));
  }
  return { findings, internalErrors };
}

/** Fail closed: a check that breaks is reported as a finding, never as a pass. */
function crashedCheckDraft(message: string): FindingDraft {
  return {
    message: `The check could not complete (${message}); the key is reported as failing it until the cause is fixed.`,
    statementIndexes: [],
    sids: [],
    path: '$',
    principals: [],
    actions: [],
  };
}

function findingOf(meta: (typeof CHECKS)[number]['meta'], d: FindingDraft, crashed: boolean): Finding {
  const finding: Finding = {
    checkId: meta.id,
    severity: meta.severity,
    title: meta.title,
    message: d.message,
    statementIndexes: d.statementIndexes,
    sids: d.sids,
    path: d.path,
    principals: d.principals,
    actions: d.actions,
  };
  if (d.access !== undefined) finding.access = d.access;
  if (d.conditionKeys !== undefined) finding.conditionKeys = d.conditionKeys;
  if (crashed || d.notJudged === true) finding.notJudged = true;
  return finding;
}

/** Most severe first (see compareFindings). Insertion sort: a policy has a few findings, and Array.prototype.sort allocates. */
function sortFindings(findings: Finding[]): void {
  for (let i = 1; i < findings.length; i++) {
    const f = findings[i] as Finding;
    let j = i - 1;
    while (j >= 0 && compareFindings(findings[j] as Finding, f) > 0) {
      findings[j + 1] = findings[j] as Finding;
      j--;
    }
    findings[j + 1] = f;
  }
}
