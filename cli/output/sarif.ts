/**
 * SARIF 2.1.0 for code scanning: one rule per check (from the registry), one result per finding, located
 * at the JSON path's line when the source text is at hand.
 */
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { Invocation, Log, ReportingDescriptor, Result } from 'sarif';
import { CHECK, CHECKS, type Severity } from '../../engine';
import type { Report, ReportFinding, ResultEntry } from '../report';
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

type Notification = NonNullable<Invocation['toolExecutionNotifications']>[number];

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

/** The run's one invocation, carrying its notifications, when it has any. */
function invocationsOf(report: Report): Invocation[] {
  const notifications = [...reportNotifications(report), ...skippedNotifications(report)];
  return notifications.length === 0 ? [] : [{ executionSuccessful: true, toolExecutionNotifications: notifications }];
}

export function renderSarif(report: Report): string {
  const locators = new Map<ResultEntry, LineLocator>();
  const results: Result[] = [];
  for (const entry of report.results) {
    const uri = artifactUri(entry.subject);
    if (entry.error !== undefined) {
      // A template key that could not be judged is located at its policy (or resource) when the source is known.
      const region = entry.sourcePathPrefix !== undefined ? locate(entry, '$', locators) : undefined;
      results.push({
        ruleId: CHECK.INVALID_POLICY,
        level: 'error',
        message: { text: terminalSafe(`${entry.subject}: ${entry.error}`) },
        locations: [{ physicalLocation: { artifactLocation: { uri }, ...(region ? { region } : {}) } }],
      });
    }
    for (const f of entry.findings) {
      const region = locate(entry, f.path, locators);
      results.push({
        ruleId: f.checkId,
        level: LEVEL[f.severity],
        message: { text: terminalSafe(f.message) },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri }, ...(region ? { region } : {}) },
            logicalLocations: [{ fullyQualifiedName: terminalSafe(f.path), kind: 'member' }],
          },
        ],
        partialFingerprints: partialFingerprints(f),
        ...acceptanceFields(f, report),
        properties: { severity: f.severity, principals: f.principals, actions: f.actions, statementIndexes: f.statementIndexes },
      });
    }
  }
  const invocations = invocationsOf(report);
  const log: Log = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, informationUri: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html', rules: rules() } },
        results,
        ...(invocations.length > 0 ? { invocations } : {}),
      },
    ],
  };
  return jsonSafe(JSON.stringify(log, null, 2)) + '\n';
}
