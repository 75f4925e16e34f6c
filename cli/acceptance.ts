/**
 * What the CLI does with findings once the commands have judged them, the same for every command: leave out
 * those below --min-severity (counted, and said), fingerprint each finding (suppress/fingerprint.ts), mark those a
 * --baseline lists, and write a --write-baseline. Nothing accepted is dropped: a marked finding stays in every
 * output, and only unmarked ones count for --fail-on (report.ts exitCode).
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CHECK, type Severity } from '../engine';
import { applyBaseline, BaselineError, baselineOf, canonicalJson, findingFingerprint, parseBaseline, serializeBaseline, type Baseline } from '../suppress';
import { UsageError } from './io';
import { jsonSafe } from './output/safe-text';
import { countsAtMinimum, type Report, type ReportFinding, type ResultEntry } from './report';

/** Leaves out the findings below `minimumSeverity` (INVALID_POLICY and unjudged findings always stay), and counts them. */
export function leaveOutBelowMinimum(report: Report, minimumSeverity: Severity): Report {
  let count = 0;
  const results = report.results.map((r) => {
    const kept = r.findings.filter((f) => countsAtMinimum(f, minimumSeverity));
    count += r.findings.length - kept.length;
    return kept.length === r.findings.length ? r : { ...r, findings: kept };
  });
  const note = `${count} finding${count === 1 ? '' : 's'} below --min-severity ${minimumSeverity} left out of the report (they do not count, as with the rule's MinimumSeverity)`;
  return { ...report, results, notes: count > 0 ? [...report.notes, note] : report.notes, belowMinimum: { minimumSeverity, count } };
}

/** A path as the fingerprint uses it: relative to `cwd`, with `/` separators, so a checkout anywhere gives the same fingerprints. */
function portablePath(path: string, cwd: string): string {
  if (path === '-') return path;
  const rel = relative(cwd, resolve(cwd, path));
  return (rel === '' || isAbsolute(rel) ? resolve(cwd, path) : rel).split(sep).join('/');
}

/** The key an entry is about: its ARN (scan), template and logical id (check-template), or its file (check). */
export function keyIdentity(entry: ResultEntry, cwd: string): string {
  const extra = entry.extra ?? {};
  if (typeof extra.keyArn === 'string') return extra.keyArn;
  const file = portablePath(typeof extra.template === 'string' ? extra.template : entry.subject, cwd);
  return typeof extra.logicalId === 'string' ? `${file}#${extra.logicalId}` : file;
}

function statementsBehind(entry: ResultEntry, finding: ReportFinding): unknown[] {
  const statements = entry.statements ?? [];
  return finding.statementIndexes.map((i) => statements[i]).filter((s) => s !== undefined);
}

/** Each finding with its fingerprint. */
export function fingerprintFindings(report: Report, cwd: string): Report {
  const results = report.results.map((entry) => {
    if (entry.findings.length === 0) return entry;
    const key = keyIdentity(entry, cwd);
    const findings = entry.findings.map((f) => ({
      ...f,
      fingerprint: findingFingerprint({ key, checkId: f.checkId, statements: statementsBehind(entry, f), path: f.path, principals: f.principals }),
    }));
    return { ...entry, findings };
  });
  return { ...report, results };
}

/** Reads and checks a --baseline file: a file that is missing or malformed is a usage error, never an empty baseline. */
export async function readBaselineFile(file: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--baseline: cannot read ${file}: ${(e as Error).message}; write one with --write-baseline ${file}`);
  }
  try {
    return parseBaseline(text, file);
  } catch (e) {
    if (e instanceof BaselineError) throw new UsageError(`--baseline: ${e.message}`);
    throw e;
  }
}

/** Marks the findings the baseline lists; its entries that match nothing are the report's `baseline.fixed`. */
export function applyBaselineFile(report: Report, baseline: Baseline, file: string): Report {
  const problems: string[] = [];
  const matched = new Set<string>();
  const results = report.results.map((entry) => {
    const fingerprinted = entry.findings.filter((f): f is ReportFinding & { fingerprint: string } => f.fingerprint !== undefined);
    if (fingerprinted.length === 0) return entry;
    const applied = applyBaseline(fingerprinted, baseline, `in baseline ${file}`);
    problems.push(...applied.problems);
    const stillListed = new Set(applied.fixed.map((e) => e.fingerprint));
    for (const e of baseline.findings) if (!stillListed.has(e.fingerprint)) matched.add(e.fingerprint);
    return { ...entry, findings: applied.findings };
  });
  const fixed = baseline.findings.filter((e) => !matched.has(e.fingerprint));
  return { ...report, results, notes: [...report.notes, ...problems], baseline: { file, fixed } };
}

const STATEMENT_SUMMARY_LENGTH = 160;

/** A short summary of the statements behind a finding, for people reading the baseline file. */
function statementSummary(entry: ResultEntry, finding: ReportFinding): string | undefined {
  const sids = finding.sids.filter((s): s is string => s !== undefined);
  if (sids.length > 0) return `Sid ${sids.join(', ')}`;
  const first = statementsBehind(entry, finding)[0];
  if (first === undefined) return undefined;
  const text = canonicalJson(first);
  return text.length > STATEMENT_SUMMARY_LENGTH ? `${text.slice(0, STATEMENT_SUMMARY_LENGTH - 1)}…` : text;
}

/**
 * Writes the report's findings as a baseline (to a temporary file, then renamed over FILE, so a reader never sees
 * half a file) and returns what to say on stderr. Left out: findings accepted inline or by an exemption tag (a
 * baseline must not keep them accepted once that suppression expires or is removed), and findings a baseline
 * can never accept (not judged, INVALID_POLICY), counted.
 */
export async function writeBaselineFile(report: Report, file: string, cwd: string): Promise<string> {
  const candidates = report.results.flatMap((entry) =>
    entry.findings
      .filter((f) => f.fingerprint !== undefined && (f.suppression === undefined || f.suppression.kind === 'baseline'))
      .map((f) => {
        const statement = statementSummary(entry, f);
        return {
          fingerprint: f.fingerprint as string,
          checkId: f.checkId,
          key: keyIdentity(entry, cwd),
          ...(statement !== undefined ? { statement } : {}),
          ...(f.notJudged === true ? { notJudged: true as const } : {}),
        };
      }),
  );
  const { baseline, leftOut } = baselineOf(candidates, report.tool);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    // Written like the JSON report: characters that could disturb a terminal or a diff view as \uXXXX escapes.
    await writeFile(temporary, jsonSafe(serializeBaseline(baseline)), 'utf8');
    await rename(temporary, file);
  } catch (e) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new UsageError(`--write-baseline: cannot write ${file} (in ${dirname(resolve(cwd, file))}): ${(e as Error).message}`);
  }
  const unjudged = report.results.filter((r) => r.error !== undefined && r.findings.length === 0).length;
  const parts = [`baseline written to ${file} (${baseline.findings.length} finding${baseline.findings.length === 1 ? '' : 's'})`];
  if (leftOut > 0) parts.push(`${leftOut} finding${leftOut === 1 ? '' : 's'} not written: ${CHECK.INVALID_POLICY} and findings not judged are never baselined; fix those policies`);
  if (unjudged > 0) parts.push(`${unjudged} input${unjudged === 1 ? '' : 's'} could not be judged and ${unjudged === 1 ? 'has' : 'have'} nothing in the baseline`);
  return parts.join('; ');
}
