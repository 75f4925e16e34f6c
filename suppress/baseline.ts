/**
 * Baselines: a file listing the findings a team has already seen, so that a tool adopted on an estate with
 * findings fails only on new ones. A baselined finding is never dropped: it is marked (kind `baseline`) and
 * stays in every output; a baseline entry that no finding matches any more is reported as fixed.
 *
 * What a baseline can never accept: a finding that was not judged (`notJudged`: a check threw) and any
 * INVALID_POLICY finding. Nobody reviewed what those would have found, so they are neither written to a
 * baseline nor accepted from one (a hand-edited entry for them is reported, and does nothing).
 *
 * ```json
 * {"version": 1, "tool": {"name": "kms-policy-guard", "version": "…"},
 *  "findings": [{"fingerprint": "kpg1:…", "checkId": "ACCOUNT_WIDE_FULL_ACCESS", "key": "arn:aws:kms:…", "statement": "…"}]}
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
  const fingerprint = text('fingerprint');
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
  /** Entries that matched no finding: what they recorded was fixed (or the key is gone). */
  readonly fixed: BaselineEntry[];
  /** Entries that match a finding a baseline cannot accept, each saying why. */
  readonly problems: string[];
}

/**
 * Marks the findings whose fingerprint the baseline lists (`reason` says which baseline). A finding already
 * suppressed keeps its suppression; its entry counts as matched.
 */
export function applyBaseline<F extends Finding & { fingerprint: string }>(findings: readonly MarkedFinding<F>[], baseline: Baseline, reason: string): AppliedBaseline<F> {
  const listed = new Set(baseline.findings.map((e) => e.fingerprint));
  const matched = new Set<string>();
  const problems: string[] = [];
  const marked = findings.map((f): MarkedFinding<F> => {
    if (!listed.has(f.fingerprint)) return f;
    if (!acceptable(f)) {
      problems.push(`baseline entry ${f.fingerprint} (${f.checkId}) refused: ${f.notJudged === true ? 'the finding was not judged (a check failed)' : `${CHECK.INVALID_POLICY} cannot be accepted`}; fix the key policy`);
      return f;
    }
    matched.add(f.fingerprint);
    return f.suppression !== undefined ? f : { ...f, suppression: { kind: 'baseline', reason } };
  });
  const refused = new Set(findings.filter((f) => !acceptable(f)).map((f) => f.fingerprint));
  const fixed = baseline.findings.filter((e) => !matched.has(e.fingerprint) && !refused.has(e.fingerprint));
  return { findings: marked, fixed, problems };
}
