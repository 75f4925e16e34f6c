/** The exemption tag decided once for every gate: what it accepts, and each way it accepts nothing. */
import { analyzePolicy, CHECK, type Finding } from '../../engine';
import { decideExemptionTag, tagValuesOf, type MarkedFinding } from '../../suppress';

const ROOT_FULL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] };
const PUBLIC = { Version: '2012-10-17', Statement: [...ROOT_FULL.Statement, { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] };
const findings = (policy: unknown): Finding[] => analyzePolicy(policy, { accountId: '111122223333' }).findings;
const NS = [CHECK.PUBLIC_ACCESS];

describe('decideExemptionTag', () => {
  it('a value accepts every open finding, trimmed, and keeps an inline mark as it is', () => {
    const [first, ...rest] = findings(PUBLIC);
    expect(rest.length).toBeGreaterThan(0);
    const inline: MarkedFinding = { ...first!, suppression: { kind: 'inline', reason: 'accepted inline, SEC-1' } };
    const decision = decideExemptionTag({ values: ['  SEC-1234 reviewed '], findings: [inline, ...rest], nonSuppressible: [] });
    expect(decision.kind).toBe('accepted');
    if (decision.kind !== 'accepted') return;
    expect(decision.reason).toBe('SEC-1234 reviewed');
    expect(decision.findings[0]?.suppression).toEqual({ kind: 'inline', reason: 'accepted inline, SEC-1' });
    for (const f of decision.findings.slice(1)) expect(f.suppression).toEqual({ kind: 'exemption-tag', reason: 'SEC-1234 reviewed' });
  });

  it.each([
    ['no tag', [], 'absent'],
    ['an empty value', ['  '], /empty value/],
    ['a value that is not a string', [42], /not a string/],
    ['the tag written twice', ['SEC-1', 'SEC-2'], /written 2 times/],
  ])('%s accepts nothing', (_name, values, outcome) => {
    const decision = decideExemptionTag({ values, findings: findings(ROOT_FULL), nonSuppressible: NS });
    if (outcome === 'absent') expect(decision).toEqual({ kind: 'absent' });
    else expect(decision).toMatchObject({ kind: 'refused', why: expect.stringMatching(outcome), refused: [] });
  });

  it('a counted finding of a non-suppressible check refuses the whole key', () => {
    const all = findings(PUBLIC);
    const decision = decideExemptionTag({ values: ['SEC-1'], findings: all, nonSuppressible: NS });
    expect(decision).toMatchObject({ kind: 'refused', why: expect.stringContaining('cannot exempt PUBLIC_ACCESS'), reason: 'SEC-1' });
    if (decision.kind === 'refused') expect(decision.refused.map((f) => f.checkId)).toEqual([CHECK.PUBLIC_ACCESS]);
    // Not counted (below the minimum severity), it no longer refuses.
    expect(decideExemptionTag({ values: ['SEC-1'], findings: all, counts: (f) => f.checkId !== CHECK.PUBLIC_ACCESS, nonSuppressible: NS }).kind).toBe('accepted');
  });

  it('never covers INVALID_POLICY or a finding not judged', () => {
    expect(decideExemptionTag({ values: ['SEC-1'], findings: findings('{'), nonSuppressible: [] })).toMatchObject({ kind: 'refused', why: expect.stringContaining('INVALID_POLICY') });
    const unjudged = findings(ROOT_FULL).map((f) => ({ ...f, notJudged: true as const }));
    expect(decideExemptionTag({ values: ['SEC-1'], findings: unjudged, nonSuppressible: [] })).toMatchObject({ kind: 'refused', why: expect.stringContaining('could not run') });
  });
});

describe('tagValuesOf', () => {
  it('every value of the key, in order; anything but a list gives none', () => {
    expect(tagValuesOf([{ Key: 'a', Value: '1' }, { Key: 'k', Value: 'x' }, null, 'k', { Key: 'k', Value: '' }], 'k')).toEqual(['x', '']);
    expect(tagValuesOf({ k: 'x' }, 'k')).toEqual([]);
    expect(tagValuesOf(undefined, 'k')).toEqual([]);
  });
});

describe('a finding not judged, below the minimum severity', () => {
  it('is never marked accepted, and keeps the tag from accepting the rest', () => {
    const [wide] = findings(ROOT_FULL);
    const crashed: Finding = { ...wide!, checkId: CHECK.NO_SEPARATION_OF_DUTIES, severity: 'low', notJudged: true };
    // Only high and critical findings count, so the crashed low check does not count against the key.
    const decision = decideExemptionTag({ values: ['SEC-1'], findings: [wide!, crashed], counts: (f) => f.severity === 'high' || f.severity === 'critical', nonSuppressible: [] });
    expect(decision.kind).toBe('refused');
    if (decision.kind === 'refused') expect(decision.why).toMatch(/never covers a check that could not run/);
  });
});

describe('only what counts is accepted', () => {
  it('a finding that does not count (below the minimum severity) is left unmarked, non-suppressible or not', () => {
    for (const nonSuppressible of [[], [CHECK.PUBLIC_ACCESS]]) {
      const decision = decideExemptionTag({ values: ['SEC-1'], findings: findings(PUBLIC), counts: (f) => f.checkId !== CHECK.PUBLIC_ACCESS, nonSuppressible });
      expect(decision.kind).toBe('accepted');
      if (decision.kind !== 'accepted') continue;
      expect(decision.findings.filter((f) => f.checkId === CHECK.PUBLIC_ACCESS).map((f) => f.suppression)).toEqual([undefined]);
      expect(decision.findings.filter((f) => f.checkId !== CHECK.PUBLIC_ACCESS).every((f) => f.suppression?.kind === 'exemption-tag')).toBe(true);
    }
  });
});
