/**
 * What the CLI does with findings once the commands have judged them, the same for every command: leave out
 * those below --min-severity (counted, and said), fingerprint each finding (suppress/fingerprint.ts), mark those a
 * --baseline lists, and write a --write-baseline. Nothing accepted is dropped: a marked finding stays in every
 * output, and only unmarked ones count for --fail-on (report.ts exitCode).
 */
import { realpathSync } from 'node:fs';
import { access, constants, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CHECK, type Severity } from '../engine';
import { applyBaseline, countsAtMinimum, BaselineError, baselineOf, canonicalStatement, duplicateEntries, findingFingerprint, parseBaseline, serializeBaseline, type Baseline, type BaselineEntry } from '../suppress';
import { UsageError } from './io';
import { jsonSafe } from './output/safe-text';
import { entryNotJudged, type Report, type ReportFinding, type ResultEntry } from './report';

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

/**
 * The key an entry is about: its ARN (scan); template and logical id (check-template), with the stack when the
 * template is a cloud assembly's or nested (`child.yaml#DataKey in parent.yaml/Payments`: one template nested twice
 * deploys two keys); or its file (check).
 */
export function keyIdentity(entry: ResultEntry, cwd: string): string {
  const extra = entry.extra ?? {};
  if (typeof extra.keyArn === 'string') return extra.keyArn;
  const file = portablePath(typeof extra.template === 'string' ? extra.template : entry.subject, cwd);
  if (typeof extra.logicalId !== 'string') return file;
  // A nested stack is named after its parent's file (`parent.yaml/Payments`) unless the CDK named it: portable too.
  return typeof extra.stack === 'string' ? `${file}#${extra.logicalId} in ${portablePath(extra.stack, cwd)}` : `${file}#${extra.logicalId}`;
}

/** The variants a template finding is in when it is not in all of the key's (check-template), else undefined. */
function variantsOf(entry: ResultEntry, finding: ReportFinding): string[] | undefined {
  const labels = (finding as { variants?: unknown }).variants;
  const all = entry.extra?.variants;
  if (!Array.isArray(labels) || !Array.isArray(all) || labels.length >= all.length) return undefined;
  return labels.filter((l): l is string => typeof l === 'string');
}

function statementsBehind(entry: ResultEntry, finding: ReportFinding): unknown[] {
  const statements = entry.statements ?? [];
  return finding.statementIndexes.map((i) => statements[i]).filter((s) => s !== undefined);
}

/** The fingerprint of a finding of the entry's key (`key`, its identity). */
function fingerprintOf(entry: ResultEntry, key: string, f: ReportFinding): string {
  const variants = variantsOf(entry, f);
  return findingFingerprint({
    key,
    checkId: f.checkId,
    statements: statementsBehind(entry, f),
    path: f.path,
    principals: f.principals,
    actions: f.actions,
    ...(f.access !== undefined ? { access: f.access } : {}),
    ...(f.conditionKeys !== undefined ? { conditionKeys: f.conditionKeys } : {}),
    ...(variants !== undefined ? { variants } : {}),
  });
}

/** Each finding with its fingerprint. */
export function fingerprintFindings(report: Report, cwd: string): Report {
  const results = report.results.map((entry) => {
    if (entry.findings.length === 0) return entry;
    const key = keyIdentity(entry, cwd);
    return { ...entry, findings: entry.findings.map((f) => ({ ...f, fingerprint: fingerprintOf(entry, key, f) })) };
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

/**
 * Whether a baseline entry's key is one this run could not judge: its entry, its template (and the stacks nested in
 * it), a nested stack not followed, or its account and Region (scan).
 */
function notCheckedThisRun(report: Report, cwd: string): (e: BaselineEntry) => boolean {
  const keys = new Set<string>();
  const filePrefixes: string[] = [];
  const stacks: string[] = [];
  for (const r of report.results) {
    // A key judged in part only (its grants not read) is not checked either: what its grants would show is unknown.
    if (!entryNotJudged(r)) continue;
    const identity = keyIdentity(r, cwd);
    keys.add(identity);
    const extra = r.extra ?? {};
    // A template that could not be read at all: none of its keys was judged, nor those of the stacks it nests
    // (named after its file, `parent.yaml/Payments`, or after its own stack in a cloud assembly).
    if (extra.keyArn === undefined && extra.logicalId === undefined) {
      filePrefixes.push(`${identity}#`);
      stacks.push(identity, ...(typeof extra.stack === 'string' ? [portablePath(extra.stack, cwd)] : []));
    }
    if (extra.resourceType === 'AWS::CloudFormation::Stack' && typeof extra.stack === 'string') stacks.push(portablePath(extra.stack, cwd));
  }
  // A scan's account and Region (or account) whose keys could not be listed: none of its keys was judged.
  const unlisted = report.results.filter((r) => r.unlisted !== undefined).map((r) => ({ account: String(r.extra?.account), region: r.unlisted === 'account-region' ? String(r.extra?.region) : undefined }));
  return (e) => {
    if (keys.has(e.key) || filePrefixes.some((p) => e.key.startsWith(p))) return true;
    if (stacks.some((s) => e.key.endsWith(` in ${s}`) || e.key.includes(` in ${s}/`))) return true;
    const arn = /^arn:[^:]+:kms:([^:]*):(\d{12}):key\//.exec(e.key);
    return arn !== null && unlisted.some((u) => u.account === arn[2] && (u.region === undefined || u.region === arn[1]));
  };
}

/**
 * Marks the findings the baseline lists; its entries that match nothing are the report's `baseline.fixed`, but for
 * those about a key this run could not judge (`baseline.notChecked`): nothing says they were fixed.
 */
export function applyBaselineFile(report: Report, baseline: Baseline, file: string, cwd: string): Report {
  const problems: string[] = duplicateEntries(baseline, file);
  const met = new Set<BaselineEntry>();
  const results = report.results.map((entry) => {
    const fingerprinted = entry.findings.filter((f): f is ReportFinding & { fingerprint: string } => f.fingerprint !== undefined);
    if (fingerprinted.length === 0) return entry;
    const applied = applyBaseline(fingerprinted, keyIdentity(entry, cwd), baseline, `in baseline ${file}`);
    problems.push(...applied.problems);
    const unmet = new Set(applied.fixed);
    for (const e of baseline.findings) if (!unmet.has(e)) met.add(e);
    return { ...entry, findings: applied.findings };
  });
  const notChecked = notCheckedThisRun(report, cwd);
  const unmet = baseline.findings.filter((e) => !met.has(e));
  const skipped = unmet.filter(notChecked);
  const fixed = unmet.filter((e) => !notChecked(e));
  if (skipped.length > 0) {
    problems.push(`${skipped.length} baseline entr${skipped.length === 1 ? 'y' : 'ies'} not checked this run: ${skipped.length === 1 ? 'its key' : 'their keys'} could not be judged (neither fixed nor found; --write-baseline keeps ${skipped.length === 1 ? 'it' : 'them'})`);
  }
  return { ...report, results, notes: [...report.notes, ...problems], baseline: { file, fixed, notChecked: skipped } };
}

const STATEMENT_SUMMARY_LENGTH = 160;

/** A short summary of the statements behind a finding, for people reading the baseline file. */
function statementSummary(entry: ResultEntry, finding: ReportFinding): string | undefined {
  const sids = finding.sids.filter((s): s is string => s !== undefined);
  if (sids.length > 0) return `Sid ${sids.join(', ')}`;
  const first = statementsBehind(entry, finding)[0];
  if (first === undefined) return undefined;
  const text = canonicalStatement(first);
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
  // Entries about keys this run could not judge stay: nothing says their findings were fixed.
  const { baseline, leftOut } = baselineOf([...candidates, ...(report.baseline?.notChecked ?? [])], report.tool);
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

/** A path as the file system names it: symbolic links followed as far as the path exists. */
function realPath(path: string, cwd: string): string {
  const absolute = resolve(cwd, path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return resolve(realpathSync(dirname(absolute)), relative(dirname(absolute), absolute));
    } catch {
      return absolute;
    }
  }
}

/** The files a run reads and writes, as the flags name them. */
export interface RunFiles {
  baseline?: string;
  writeBaseline?: string;
  output?: string;
  /** The inputs given on the command line (`-` for stdin). */
  inputs: readonly string[];
}

/**
 * Refuses, before anything is judged, flags that would have one file overwrite another: --output naming the
 * --baseline or --write-baseline file (the committed baseline replaced by a report), a baseline that is one of the
 * inputs; and a --write-baseline whose folder cannot be written (found out after an hour-long scan otherwise).
 * --baseline and --write-baseline may name the same file: that refreshes it.
 */
export async function checkRunFiles(files: RunFiles, cwd: string): Promise<void> {
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && realPath(a, cwd) === realPath(b, cwd);
  for (const [flag, path] of [['--baseline', files.baseline], ['--write-baseline', files.writeBaseline]] as const) {
    if (same(files.output, path)) throw new UsageError(`--output and ${flag} name the same file (${path}): the report would replace the baseline; write the report elsewhere`);
    const input = files.inputs.find((i) => i !== '-' && same(i, path));
    if (input !== undefined) throw new UsageError(`${flag}: ${path} is also an input (${input}); a baseline is not a key policy or template, give it apart from the inputs`);
  }
  if (files.writeBaseline !== undefined) {
    const folder = dirname(resolve(cwd, files.writeBaseline));
    try {
      await access(folder, constants.W_OK);
    } catch (e) {
      throw new UsageError(`--write-baseline: cannot write in ${folder}: ${(e as Error).message}`);
    }
  }
}
