/**
 * SARIF 2.1.0 for code scanning: one rule per check (from the registry), one result per finding, located at the
 * JSON path's line when the source text is at hand (check, check-template), or at the key by its ARN (scan: a live
 * key is no file). Inputs that could not be judged are tool execution notifications of the run's invocation.
 */
import { createHash } from 'node:crypto';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { Invocation, Location, Log, LogicalLocation, ReportingDescriptor, Result, RunAutomationDetails } from 'sarif';
import { CHECKS, type Severity } from '../../engine';
import { entryNotJudged, type Report, type ReportFinding, type ResultEntry } from '../report';
import type { Suppression } from '../../suppress';
import { jsonSafe, terminalSafe, uriSafe } from './safe-text';

const LEVEL: Record<Severity, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub code scanning reads security-severity as a CVSS-like score. */
const SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

/**
 * `$.Statement[1].Principal.AWS[0]` → ['Statement', 1, 'Principal', 'AWS', 0]. A path may also start at a
 * document's root without `$` (`Resources.Key.Properties.KeyPolicy.Statement[0]`, from check-template).
 */
function jsonPathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /(?:^|\.)([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

export interface LineLocator {
  (segments: (string | number)[]): { startLine: number; startColumn: number } | undefined;
}

export function jsonLineLocator(text: string): LineLocator {
  let tree: ReturnType<typeof parseTree>;
  try {
    tree = parseTree(text);
  } catch {
    // jsonc-parser recurses once per nesting level: a hostile document too deep for it gets no lines.
    tree = undefined;
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  return (segments) => {
    if (!tree) return undefined;
    // Fall back to the nearest ancestor that exists.
    for (let n = segments.length; n >= 0; n--) {
      const node = findNodeAtLocation(tree, segments.slice(0, n));
      if (!node) continue;
      const offset = node.parent?.type === 'property' ? node.parent.offset : node.offset;
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { startLine: lo + 1, startColumn: offset - (lineStarts[lo] ?? 0) + 1 };
    }
    return undefined;
  };
}

function rules(): ReportingDescriptor[] {
  return CHECKS.map((c) => ({
    id: c.meta.id,
    name: c.meta.id
      .toLowerCase()
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: c.meta.title },
    fullDescription: { text: c.meta.rationale },
    help: { text: c.meta.remediation },
    ...(c.meta.references[0] ? { helpUri: c.meta.references[0] } : {}),
    defaultConfiguration: { level: LEVEL[c.meta.severity] },
    properties: { 'security-severity': SCORE[c.meta.severity], tags: ['security', 'kms'] },
  }));
}

function locate(entry: ResultEntry, path: string, locators: Map<ResultEntry, LineLocator>) {
  if (entry.sourceText === undefined) return undefined;
  let locator = locators.get(entry);
  if (!locator) {
    locator = entry.sourceLocator ?? jsonLineLocator(entry.sourceText);
    locators.set(entry, locator);
  }
  return locator([...(entry.sourcePathPrefix ?? []), ...jsonPathSegments(path)]);
}

/**
 * Viewers print `message.text` as it is (code scanning annotations, terminal SARIF readers), so the
 * policy-derived strings in it are escaped as in the text report; file names are percent-encoded in URIs.
 */
function artifactUri(file: string): string {
  return file === '-' ? 'stdin' : uriSafe(file.replace(/\\/g, '/'));
}

/**
 * An accepted finding as a SARIF 2.1.0 suppression (§3.35): `inSource` when the acceptance is written in the
 * analysed file itself (inline), `external` when it lives elsewhere (a baseline file, a tag on the live key).
 * Code scanning shows such results as dismissed rather than open.
 */
function sarifSuppression(s: Suppression): NonNullable<Result['suppressions']>[number] {
  return { kind: s.kind === 'inline' ? 'inSource' : 'external', status: 'accepted', justification: terminalSafe(s.reason) };
}

/** The name the content fingerprint (suppress/fingerprint.ts) goes by in `fingerprints` and `partialFingerprints`. */
const FINGERPRINT_NAME = 'kmsPolicyGuard/v2';

/**
 * What identifies a finding from one run to the next (§3.27.17): its content fingerprint, never the statement index
 * or path, so moving a statement does not reopen an alert. Without a fingerprint, the check, path and principals.
 */
function partialFingerprints(f: ReportFinding): Record<string, string> {
  return f.fingerprint !== undefined ? { [FINGERPRINT_NAME]: f.fingerprint } : { checkPath: `${f.checkId}:${f.path}:${f.principals.join(',')}` };
}

/** What a finding adds to its result: suppressions, baseline state (§3.27.24, only when a baseline was given) and fingerprint. */
function acceptanceFields(f: ReportFinding, report: Report): Partial<Result> {
  return {
    ...(f.suppression !== undefined ? { suppressions: [sarifSuppression(f.suppression)] } : {}),
    ...(report.baseline !== undefined ? { baselineState: f.suppression?.kind === 'baseline' ? 'unchanged' : 'new' } : {}),
    ...(f.fingerprint !== undefined ? { fingerprints: { [FINGERPRINT_NAME]: f.fingerprint } } : {}),
  };
}

/**
 * The run's logical locations (§3.14.17), each once: a result or notification refers to one by `index` and repeats
 * its properties (§3.33.3). A nested location (a statement path inside a key) names its parent by `parentIndex`.
 */
class LogicalLocations {
  readonly all: LogicalLocation[] = [];
  private readonly byKey = new Map<string, number>();

  /** The location's reference for a result: its index and its own properties. */
  add(location: LogicalLocation): LogicalLocation {
    const key = JSON.stringify([location.kind, location.fullyQualifiedName, location.parentIndex]);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.all.length;
      this.all.push(location);
      this.byKey.set(key, index);
    }
    return { index, ...location };
  }
}

/**
 * Whether the entry is a live key (scan): its subject is a key ARN, or an account and Region whose keys could not
 * be listed, never a file. Scan entries always carry `keyArn` (null for an account or Region).
 */
function isLiveEntry(entry: ResultEntry): boolean {
  return entry.extra?.keyArn !== undefined || entry.unlisted !== undefined;
}

/**
 * What a scan entry is, as a top-level logical location: the key by its ARN (`resource`), or the account or
 * account/Region whose keys could not be listed (`namespace`: it holds keys).
 */
function liveLocation(entry: ResultEntry, table: LogicalLocations): LogicalLocation {
  const name = terminalSafe(entry.subject);
  return table.add({ name, fullyQualifiedName: name, kind: entry.unlisted !== undefined ? 'namespace' : 'resource' });
}

/** The CDK construct a template key comes from (`aws:cdk:path`), when the template says: where its source is. */
function constructLocation(entry: ResultEntry, table: LogicalLocations): LogicalLocation | undefined {
  const cdkPath = entry.extra?.cdkPath;
  if (typeof cdkPath !== 'string') return undefined;
  const name = terminalSafe(cdkPath);
  return table.add({ name, fullyQualifiedName: name, kind: 'resource' });
}

/**
 * A JSON path inside its key (`<key ARN>#$.Statement[0].Principal`) or construct (`<construct path>#Resources…`),
 * or on its own for a policy file.
 */
function memberLocation(path: string, parent: LogicalLocation | undefined, table: LogicalLocations): LogicalLocation {
  const name = terminalSafe(path);
  if (parent?.index === undefined) return table.add({ name, fullyQualifiedName: name, kind: 'member' });
  return table.add({ name, fullyQualifiedName: `${parent.fullyQualifiedName ?? ''}#${name}`, kind: 'member', parentIndex: parent.index });
}

/** Where a finding is: in a file at its line (check, check-template), or in a live key by its ARN (scan). */
function findingLocation(entry: ResultEntry, path: string, locators: Map<ResultEntry, LineLocator>, table: LogicalLocations): Location {
  if (isLiveEntry(entry)) return { logicalLocations: [memberLocation(path, liveLocation(entry, table), table)] };
  const region = locate(entry, path, locators);
  return {
    physicalLocation: { artifactLocation: { uri: artifactUri(entry.subject) }, ...(region ? { region } : {}) },
    logicalLocations: [memberLocation(path, constructLocation(entry, table), table)],
  };
}

/** Where an input that could not be judged is: its file (a template key at its policy's line), or its key or account. */
function inputLocation(entry: ResultEntry, locators: Map<ResultEntry, LineLocator>, table: LogicalLocations): Location {
  if (isLiveEntry(entry)) return { logicalLocations: [liveLocation(entry, table)] };
  const region = entry.sourcePathPrefix !== undefined ? locate(entry, '$', locators) : undefined;
  const construct = constructLocation(entry, table);
  return {
    physicalLocation: { artifactLocation: { uri: artifactUri(entry.subject) }, ...(region ? { region } : {}) },
    ...(construct !== undefined ? { logicalLocations: [construct] } : {}),
  };
}

type Notification = NonNullable<Invocation['toolExecutionNotifications']>[number];

/**
 * The inputs that could not be read or judged (a file, a template key known only at deployment, a key, an account or
 * Region), and the keys judged in part only (grants unread, their policy's findings kept as results): failures of
 * the run, not findings of a policy, so no INVALID_POLICY result stands in for them (§3.58: errors a tool met).
 */
function notJudgedNotifications(report: Report, locators: Map<ResultEntry, LineLocator>, table: LogicalLocations): Notification[] {
  return report.results.flatMap((entry) =>
    entry.error === undefined
      ? []
      : [
          {
            level: 'error' as const,
            descriptor: { id: 'INPUT_NOT_JUDGED' },
            message: { text: terminalSafe(`${entry.subject}: ${entry.error}`) },
            locations: [inputLocation(entry, locators, table)],
            properties: { subject: entry.subject, reason: entry.error },
          },
        ],
  );
}

/** Files a folder walk passed over (not key policies): notes of the run, not results. */
function skippedNotifications(report: Report): Notification[] {
  return (report.skipped ?? []).map((s) => ({
    level: 'note',
    descriptor: { id: 'SKIPPED_NOT_A_KEY_POLICY' },
    message: { text: `skipped: ${terminalSafe(s.reason)}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(s.file) } } }],
  }));
}

/**
 * The report's notes (findings --min-severity left out, baseline entries refused or not checked, checks not run…):
 * what a reader of a clean result must know. A note about what was refused or not judged is a warning.
 */
function reportNotifications(report: Report): Notification[] {
  return report.notes.map((note) => ({
    level: /refused|not checked|not judged|repeats/.test(note) ? 'warning' : 'note',
    descriptor: { id: 'REPORT_NOTE' },
    message: { text: terminalSafe(note) },
  }));
}

/** An argument as a POSIX shell reads it back: bare when nothing in it is special, else single-quoted. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The run's one invocation (§3.20): how the tool was run and when (from the report's run information), whether every
 * input was judged (`executionSuccessful`, false exactly when the exit code says so, 2), and the notifications.
 */
function invocationOf(report: Report, notifications: Notification[]): Invocation {
  const run = report.run;
  return {
    ...(run !== undefined
      ? {
          commandLine: terminalSafe([report.tool.name, ...run.arguments].map(shellWord).join(' ')),
          arguments: [...run.arguments],
          startTimeUtc: run.startedAt,
          endTimeUtc: run.finishedAt,
        }
      : {}),
    executionSuccessful: !report.results.some(entryNotJudged),
    ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
  };
}

/** The most names a scope lists before it is summed up as a count and a digest of the sorted names. */
const SCOPE_NAMES_LISTED = 3;

/** `111122223333,444455556666`, or for a long list `12-accounts-3f2a9c1b` (stable: the names are sorted first). */
function scopePart(names: readonly string[] | undefined, what: string): string {
  const sorted = [...new Set(names ?? [])].sort();
  if (sorted.length === 0) return `no-${what}`;
  if (sorted.length <= SCOPE_NAMES_LISTED) return sorted.join(',');
  return `${sorted.length}-${what}-${createHash('sha256').update(sorted.join(',')).digest('hex').slice(0, 8)}`;
}

/**
 * The run's category for code scanning (§3.17.3: `id` is `category/instanceId`, and an id ending in `/` gives the
 * category alone): the tool, the command and, for `scan`, the accounts and Regions scanned, so runs over different
 * scopes are told apart and a run replaces the previous one of its own scope only.
 */
function automationDetails(report: Report): RunAutomationDetails {
  const run = report.run;
  if (run === undefined) return { id: `${report.tool.name}/` };
  const scope = run.command === 'scan' ? `${scopePart(run.accounts, 'accounts')}/${scopePart(run.regions, 'regions')}/` : '';
  return { id: `${report.tool.name}/${run.command}/${scope}` };
}

export function renderSarif(report: Report): string {
  const locators = new Map<ResultEntry, LineLocator>();
  const table = new LogicalLocations();
  const results: Result[] = [];
  for (const entry of report.results) {
    for (const f of entry.findings) {
      results.push({
        ruleId: f.checkId,
        level: LEVEL[f.severity],
        message: { text: terminalSafe(f.message) },
        locations: [findingLocation(entry, f.path, locators, table)],
        partialFingerprints: partialFingerprints(f),
        ...acceptanceFields(f, report),
        properties: { severity: f.severity, principals: f.principals, actions: f.actions, statementIndexes: f.statementIndexes },
      });
    }
  }
  const notifications = [...notJudgedNotifications(report, locators, table), ...reportNotifications(report), ...skippedNotifications(report)];
  const log: Log = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, informationUri: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html', rules: rules() } },
        automationDetails: automationDetails(report),
        invocations: [invocationOf(report, notifications)],
        results,
        ...(table.all.length > 0 ? { logicalLocations: table.all } : {}),
      },
    ],
  };
  return jsonSafe(JSON.stringify(log, null, 2)) + '\n';
}
