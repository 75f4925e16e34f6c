/**
 * Baselines: a file listing the findings a team has already seen, so that a tool adopted on an estate with
 * findings fails only on new ones. A baselined finding is never dropped: it is marked (kind `baseline`) and
 * stays in every output; a baseline entry that no finding matches any more is reported as fixed.
 *
 * What a baseline can never accept: a finding that was not judged (`notJudged`: a check threw) and any
 * INVALID_POLICY finding. Nobody reviewed what those would have found, so they are neither written to a
 * baseline nor accepted from one (a hand-edited entry for them is reported, and does nothing). Nor does an entry
 * accept a finding its `checkId` and `key` do not name, even with the finding's fingerprint: a reviewer reads the
 * labels, so they must say what the entry accepts.
 *
 * ```json
 * {"version": 1, "tool": {"name": "kms-policy-guard", "version": "…"},
 *  "findings": [{"fingerprint": "kpg2:…", "checkId": "ACCOUNT_WIDE_FULL_ACCESS", "key": "arn:aws:kms:…", "statement": "…"}]}
 * ```
 */
import { CHECK, type Finding } from '../engine';
import type { MarkedFinding } from './apply';
import { FINGERPRINT_VERSION } from './fingerprint';

/** The format version this release reads and writes. */
export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  readonly fingerprint: string;
  readonly checkId: string;
  /** The key's identity, as in the fingerprint: for people reading the file. */
  readonly key: string;
  /** A short summary of the statements behind the finding, for people. */
  readonly statement?: string;
}

export interface Baseline {
  readonly version: typeof BASELINE_VERSION;
  readonly tool: { readonly name: string; readonly version: string };
  readonly findings: readonly BaselineEntry[];
}

/** A baseline file that cannot be used: what is wrong and where. */
export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

const FINGERPRINT = new RegExp(`^${FINGERPRINT_VERSION}:[0-9a-f]{64}$`);
const EARLIER_FINGERPRINT = /^kpg1:[0-9a-f]{64}$/;
const ENTRY_FIELDS = new Set(['fingerprint', 'checkId', 'key', 'statement']);
const TOP_FIELDS = new Set(['version', 'tool', 'findings']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}

function readEntry(value: unknown, where: string): BaselineEntry {
  if (!isRecord(value)) throw new BaselineError(`${where}: must be an object {"fingerprint", "checkId", "key"}, got ${kindOf(value)}`);
  const text = (field: string): string => {
    const v = value[field];
    if (v === undefined) throw new BaselineError(`${where}.${field}: missing`);
    if (typeof v !== 'string' || v === '') throw new BaselineError(`${where}.${field}: must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  };
  const unknown = Object.keys(value).filter((k) => !ENTRY_FIELDS.has(k));
  if (unknown.length > 0) throw new BaselineError(`${where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (an entry has fingerprint, checkId, key and statement)`);
  const fingerprint = text('fingerprint');
  if (EARLIER_FINGERPRINT.test(fingerprint)) {
    throw new BaselineError(
      `${where}.fingerprint: a fingerprint of an earlier release (kpg1:), made of less than a ${FINGERPRINT_VERSION}: fingerprint (not the actions granted, nor the nested stack), so it cannot say whether a finding is the one reviewed; review the findings and write the baseline again with --write-baseline (without --baseline)`,
    );
  }
  if (!FINGERPRINT.test(fingerprint)) {
    throw new BaselineError(
      `${where}.fingerprint: "${fingerprint.slice(0, 80)}" is not a fingerprint of this release (${FINGERPRINT_VERSION}: and 64 hex digits); write the baseline again with --write-baseline`,
    );
  }
  const statement = value.statement;
  if (statement !== undefined && typeof statement !== 'string') throw new BaselineError(`${where}.statement: must be a string, got ${kindOf(statement)}`);
  return { fingerprint, checkId: text('checkId'), key: text('key'), ...(statement !== undefined ? { statement } : {}) };
}

/** Reads a baseline file's text; `source` names it in errors. Throws BaselineError, never returns an empty baseline for a broken file. */
export function parseBaseline(text: string, source: string): Baseline {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(`${source}: not JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc)) throw new BaselineError(`${source}: must be a JSON object {"version": ${BASELINE_VERSION}, "tool": …, "findings": […]}, got ${kindOf(doc)}`);
  if (doc.version !== BASELINE_VERSION) {
    throw new BaselineError(`${source}: "version" must be ${BASELINE_VERSION} (this release reads version ${BASELINE_VERSION}), got ${JSON.stringify(doc.version) ?? 'undefined'}`);
  }
  if (!Array.isArray(doc.findings)) throw new BaselineError(`${source}: "findings" must be a list`);
  const unknown = Object.keys(doc).filter((k) => !TOP_FIELDS.has(k));
  if (unknown.length > 0) throw new BaselineError(`${source}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (a baseline has version, tool and findings)`);
  const tool = isRecord(doc.tool) && typeof doc.tool.name === 'string' && typeof doc.tool.version === 'string' ? { name: doc.tool.name, version: doc.tool.version } : { name: 'unknown', version: 'unknown' };
  const findings = doc.findings.map((e, i) => readEntry(e, `${source}: findings[${i}]`));
  return { version: BASELINE_VERSION, tool, findings };
}

/** Whether a baseline may accept the finding: never one not judged, never INVALID_POLICY. */
function acceptable(finding: { checkId: string; notJudged?: true }): boolean {
  return finding.notJudged !== true && finding.checkId !== CHECK.INVALID_POLICY;
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  const ka = [a.key, a.checkId, a.fingerprint];
  const kb = [b.key, b.checkId, b.fingerprint];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] as string) < (kb[i] as string) ? -1 : 1;
  return 0;
}

/**
 * The baseline of the given findings, sorted, each fingerprint once. Findings not judged and INVALID_POLICY are
 * left out (`leftOut` counts them): they must be fixed, not accepted.
 */
export function baselineOf(findings: readonly (BaselineEntry & { notJudged?: true })[], tool: Baseline['tool']): { baseline: Baseline; leftOut: number } {
  const byFingerprint = new Map<string, BaselineEntry>();
  let leftOut = 0;
  for (const f of findings) {
    if (!acceptable(f)) {
      leftOut += 1;
      continue;
    }
    if (!byFingerprint.has(f.fingerprint)) {
      byFingerprint.set(f.fingerprint, { fingerprint: f.fingerprint, checkId: f.checkId, key: f.key, ...(f.statement !== undefined ? { statement: f.statement } : {}) });
    }
  }
  return { baseline: { version: BASELINE_VERSION, tool: { name: tool.name, version: tool.version }, findings: [...byFingerprint.values()].sort(compareEntries) }, leftOut };
}

/** The file's text: stable, one entry per line block, so a review diff shows what changed. */
export function serializeBaseline(baseline: Baseline): string {
  return JSON.stringify(baseline, null, 2) + '\n';
}

export interface AppliedBaseline<F extends Finding> {
  readonly findings: MarkedFinding<F>[];
  /** Entries that met none of the findings given: what they recorded was fixed (or the key is gone, or was not judged). */
  readonly fixed: BaselineEntry[];
  /** Entries that met a finding they cannot accept, each saying why. */
  readonly problems: string[];
}

/** `findings[3] (ALLOW_WITH_NEGATION on other.json)`: an entry as a reviewer finds it in the file. */
function entryName(baseline: Baseline, entry: BaselineEntry): string {
  return `findings[${baseline.findings.indexOf(entry)}] (${entry.checkId} on ${entry.key})`;
}

/**
 * Marks the findings of one key (`key`, its identity as in the fingerprint) whose fingerprint an entry lists with
 * the finding's own checkId and key (`reason` says which baseline). A finding already suppressed keeps its
 * suppression; its entry counts as met. An entry with the fingerprint but other labels accepts nothing, and is said.
 */
export function applyBaseline<F extends Finding & { fingerprint: string }>(findings: readonly MarkedFinding<F>[], key: string, baseline: Baseline, reason: string): AppliedBaseline<F> {
  const byFingerprint = new Map<string, BaselineEntry[]>();
  for (const e of baseline.findings) {
    const same = byFingerprint.get(e.fingerprint);
    if (same === undefined) byFingerprint.set(e.fingerprint, [e]);
    else same.push(e);
  }
  const met = new Set<BaselineEntry>();
  const problems: string[] = [];
  const marked = findings.map((f): MarkedFinding<F> => {
    const entries = byFingerprint.get(f.fingerprint) ?? [];
    if (entries.length === 0) return f;
    entries.forEach((e) => met.add(e));
    if (!acceptable(f)) {
      const why = f.notJudged === true ? 'the finding was not judged (a check failed)' : `${CHECK.INVALID_POLICY} cannot be accepted`;
      problems.push(`baseline entry ${entries.map((e) => entryName(baseline, e)).join(', ')} refused: ${why}; fix the key policy`);
      return f;
    }
    for (const e of entries.filter((e) => e.checkId !== f.checkId || e.key !== key)) {
      problems.push(
        `baseline entry ${entryName(baseline, e)} refused: its fingerprint is that of a ${f.checkId} finding on ${key}, which it does not name; an entry accepts only the finding its checkId and key say (write the baseline again with --write-baseline)`,
      );
    }
    if (!entries.some((e) => e.checkId === f.checkId && e.key === key)) return f;
    return f.suppression !== undefined ? f : { ...f, suppression: { kind: 'baseline', reason } };
  });
  return { findings: marked, fixed: baseline.findings.filter((e) => !met.has(e)), problems };
}

/** A note for each fingerprint the baseline lists more than once (harmless, but a sign of a hand edit). */
export function duplicateEntries(baseline: Baseline, source: string): string[] {
  const first = new Map<string, number>();
  const notes: string[] = [];
  baseline.findings.forEach((e, i) => {
    const earlier = first.get(e.fingerprint);
    if (earlier === undefined) first.set(e.fingerprint, i);
    else notes.push(`baseline ${source}: findings[${i}] repeats the fingerprint of findings[${earlier}]; remove one`);
  });
  return notes;
}
