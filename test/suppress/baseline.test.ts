/** Baseline files: read strictly, written in a stable order, matched by fingerprint without losing a finding. */
import { CHECK, type Finding } from '../../engine';
import { applyBaseline, BASELINE_VERSION, BaselineError, baselineOf, duplicateEntries, parseBaseline, serializeBaseline, type Baseline, type BaselineEntry } from '../../suppress';

const TOOL = { name: 'kms-policy-guard', version: '9.9.9' };
const FP_A = `kpg2:${'a'.repeat(64)}`;
const FP_B = `kpg2:${'b'.repeat(64)}`;
const FP_C = `kpg2:${'c'.repeat(64)}`;

function finding(checkId: Finding['checkId'], fingerprint: string, more: Partial<Finding> = {}): Finding & { fingerprint: string } {
  return { checkId, severity: 'high', title: 't', message: 'm', statementIndexes: [0], sids: [undefined], path: '$.Statement[0]', principals: [], actions: [], fingerprint, ...more } as Finding & { fingerprint: string };
}

const entry = (fingerprint: string, checkId: string = CHECK.ACCOUNT_WIDE_FULL_ACCESS, key = 'k'): BaselineEntry => ({ fingerprint, checkId, key });

describe('parseBaseline', () => {
  it('reads a baseline that serializeBaseline wrote', () => {
    const b = baselineOf([{ ...entry(FP_A), statement: 'Sid Admins' }], TOOL).baseline;
    expect(parseBaseline(serializeBaseline(b), 'b.json')).toEqual(b);
  });

  it.each<[string, string, string]>([
    ['not JSON', '{"version": 1,', 'b.json: not JSON ('],
    ['not an object', '[]', 'b.json: must be a JSON object {"version": 1, "tool": …, "findings": […]}, got an array'],
    ['no version', '{"findings": []}', `b.json: "version" must be ${BASELINE_VERSION} (this release reads version ${BASELINE_VERSION}), got undefined`],
    ['a later version', '{"version": 2, "findings": []}', `b.json: "version" must be ${BASELINE_VERSION} (this release reads version ${BASELINE_VERSION}), got 2`],
    ['no findings list', '{"version": 1}', 'b.json: "findings" must be a list'],
    ['an entry without fingerprint', '{"version": 1, "findings": [{"checkId": "X", "key": "k"}]}', 'b.json: findings[0].fingerprint: missing'],
    ['a fingerprint of another version', `{"version": 1, "findings": [{"fingerprint": "kpg0:${'a'.repeat(64)}", "checkId": "X", "key": "k"}]}`, 'b.json: findings[0].fingerprint: "kpg0:'],
    ['an entry without checkId', `{"version": 1, "findings": [{"fingerprint": "${FP_A}", "key": "k"}]}`, 'b.json: findings[0].checkId: missing'],
    [
      'a fingerprint of the earlier release (kpg1), made of less',
      `{"version": 1, "findings": [{"fingerprint": "kpg1:${'a'.repeat(64)}", "checkId": "X", "key": "k"}]}`,
      'b.json: findings[0].fingerprint: a fingerprint of an earlier release (kpg1:), made of less than a kpg2: fingerprint',
    ],
    ['an entry with an unknown field', `{"version": 1, "findings": [{"fingerprint": "${FP_A}", "checkId": "X", "key": "k", "expires": "2030-01-01"}]}`, 'b.json: findings[0]: unknown field "expires"'],
    ['an unknown top-level field', '{"version": 1, "findings": [], "accept": ["*"]}', 'b.json: unknown field "accept"'],
  ])('refuses %s, saying what is wrong', (_what, text, message) => {
    expect(() => parseBaseline(text, 'b.json')).toThrow(BaselineError);
    expect(() => parseBaseline(text, 'b.json')).toThrow(message);
  });
});

describe('baselineOf', () => {
  it('sorts and de-duplicates the entries', () => {
    const { baseline } = baselineOf([entry(FP_B, 'X', 'k2'), entry(FP_A, 'X', 'k1'), entry(FP_B, 'X', 'k2')], TOOL);
    expect(baseline).toEqual({ version: BASELINE_VERSION, tool: TOOL, findings: [entry(FP_A, 'X', 'k1'), entry(FP_B, 'X', 'k2')] });
  });
});

describe('applyBaseline', () => {
  const baseline: Baseline = { version: BASELINE_VERSION, tool: TOOL, findings: [entry(FP_A), entry(FP_C)] };

  it('marks the findings the baseline lists, keeps the others new, and names the entries that matched nothing', () => {
    const applied = applyBaseline([finding(CHECK.ACCOUNT_WIDE_FULL_ACCESS, FP_A), finding(CHECK.ACCOUNT_WIDE_FULL_ACCESS, FP_B)], 'k', baseline, 'in baseline b.json');
    expect(applied.findings[0]?.suppression).toEqual({ kind: 'baseline', reason: 'in baseline b.json' });
    expect(applied.findings[1]?.suppression).toBeUndefined();
    expect(applied.fixed).toEqual([entry(FP_C)]);
  });

  it('never accepts a finding that was not judged or a policy that cannot be parsed, even when listed', () => {
    const listed: Baseline = { ...baseline, findings: [entry(FP_A), entry(FP_B, CHECK.INVALID_POLICY)] };
    const applied = applyBaseline([finding(CHECK.ACCOUNT_WIDE_FULL_ACCESS, FP_A, { notJudged: true }), finding(CHECK.INVALID_POLICY, FP_B)], 'k', listed, 'in baseline b.json');
    expect(applied.findings.map((f) => f.suppression)).toEqual([undefined, undefined]);
    expect(applied.problems).toHaveLength(2);
    expect(applied.fixed).toEqual([]);
  });

  it('keeps an inline suppression as it is, and counts its entry as matched', () => {
    const inline = { ...finding(CHECK.ACCOUNT_WIDE_FULL_ACCESS, FP_A), suppression: { kind: 'inline' as const, reason: 'owned by SEC-1' } };
    const applied = applyBaseline([inline], 'k', baseline, 'in baseline b.json');
    expect(applied.findings[0]?.suppression?.kind).toBe('inline');
    expect(applied.fixed).toEqual([entry(FP_C)]);
  });
});

describe('an entry accepts only the finding its labels name', () => {
  it.each<[string, BaselineEntry]>([
    ['another check', entry(FP_A, CHECK.ALLOW_WITH_NEGATION)],
    ['another key', entry(FP_A, CHECK.ACCOUNT_WIDE_FULL_ACCESS, 'somewhere/else.json')],
  ])('refuses an entry with the finding\'s fingerprint but %s, naming the entry', (_what, disguised) => {
    const listed: Baseline = { version: BASELINE_VERSION, tool: TOOL, findings: [disguised] };
    const applied = applyBaseline([finding(CHECK.ACCOUNT_WIDE_FULL_ACCESS, FP_A)], 'k', listed, 'in baseline b.json');
    expect(applied.findings[0]?.suppression).toBeUndefined();
    expect(applied.problems).toEqual([expect.stringContaining(`baseline entry findings[0] (${disguised.checkId} on ${disguised.key}) refused: its fingerprint is that of a ACCOUNT_WIDE_FULL_ACCESS finding on k`)]);
    expect(applied.fixed).toEqual([]);
  });

  it('reports a fingerprint listed twice', () => {
    const listed: Baseline = { version: BASELINE_VERSION, tool: TOOL, findings: [entry(FP_A), entry(FP_B), entry(FP_A)] };
    expect(duplicateEntries(listed, 'b.json')).toEqual(['baseline b.json: findings[2] repeats the fingerprint of findings[0]; remove one']);
  });
});

describe('baselineOf refuses what must never be accepted', () => {
  it('leaves out unjudged findings and INVALID_POLICY, and counts them', () => {
    const { baseline, leftOut } = baselineOf([entry(FP_A), { ...entry(FP_B, CHECK.INVALID_POLICY) }, { ...entry(FP_C), notJudged: true }], TOOL);
    expect(baseline.findings).toEqual([entry(FP_A)]);
    expect(leftOut).toBe(2);
  });
});
