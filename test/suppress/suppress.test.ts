import { CHECK, type Finding } from '../../engine';
import { applyInlineSuppressions, DEFAULT_NON_SUPPRESSIBLE_CHECKS, isCalendarDate, readInlineSuppressions, utcDay, type SuppressionPolicy } from '../../suppress';

const POLICY: SuppressionPolicy = { nonSuppressible: DEFAULT_NON_SUPPRESSIBLE_CHECKS, today: '2026-12-05' };
const REASON = 'Accepted by the platform team, ticket SEC-42';

function finding(checkId: Finding['checkId'], extra: Partial<Finding> = {}): Finding {
  return { checkId, severity: 'high', title: checkId, message: 'm', statementIndexes: [0], sids: [undefined], path: '$.Statement[0]', principals: [], actions: [], ...extra };
}

describe('readInlineSuppressions', () => {
  it('reads a well-formed block, upper-casing ids as --disable-checks does', () => {
    const read = readInlineSuppressions({ 'kms-policy-guard': { suppress: [{ id: 'account_wide_full_access', reason: `  ${REASON} `, expires: '2027-01-31' }] } });
    expect(read).toEqual({ suppressions: [{ id: CHECK.ACCOUNT_WIDE_FULL_ACCESS, reason: REASON, expires: '2027-01-31' }], problems: [] });
  });

  it('an absent block, or Metadata without it, is no suppression and no problem', () => {
    expect(readInlineSuppressions(undefined)).toEqual({ suppressions: [], problems: [] });
    expect(readInlineSuppressions({ 'cdk_nag': {} })).toEqual({ suppressions: [], problems: [] });
  });

  it.each([
    [{ suppress: [{ id: 'ACCOUNT_WIDE_FULL_ACCESS' }] }, /suppress\[0\]\.reason: a reason of at least 10 characters/],
    [{ suppress: [{ id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: 'ok' }] }, /suppress\[0\]\.reason/],
    [{ suppress: [{ id: 'NOPE', reason: REASON }] }, /suppress\[0\]\.id: "NOPE" is not a check id/],
    [{ suppress: [{ id: 'INVALID_POLICY', reason: REASON }] }, /INVALID_POLICY cannot be suppressed/],
    [{ suppress: [{ id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON, expires: '2027-02-30' }] }, /suppress\[0\]\.expires: "2027-02-30" is not a date/],
    [{ suppress: [{ id: 'ACCOUNT_WIDE_FULL_ACCESS', reson: REASON }] }, /unknown field "reson"/],
    [{ suppress: { id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON } }, /suppress: must be a list/],
    ['ACCOUNT_WIDE_FULL_ACCESS', /kms-policy-guard: must be a mapping/],
  ])('refuses %j, saying where and why', (block, message) => {
    const read = readInlineSuppressions({ 'kms-policy-guard': block });
    expect(read.suppressions).toEqual([]);
    expect(read.problems).toEqual([expect.stringMatching(message)]);
  });

  it('keeps the good entries beside a bad one', () => {
    const read = readInlineSuppressions({ 'kms-policy-guard': { suppress: [{ id: 'X', reason: REASON }, { id: 'UNSCOPED_SERVICE_PRINCIPAL', reason: REASON }] } });
    expect(read.suppressions.map((s) => s.id)).toEqual([CHECK.UNSCOPED_SERVICE_PRINCIPAL]);
    expect(read.problems).toHaveLength(1);
  });

  it('knows calendar dates', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2027-02-29')).toBe(false);
    expect(isCalendarDate('2027-1-01')).toBe(false);
    expect(utcDay(new Date('2026-12-05T23:59:59Z'))).toBe('2026-12-05');
  });
});

describe('applyInlineSuppressions', () => {
  const findings = [finding(CHECK.ACCOUNT_WIDE_FULL_ACCESS), finding(CHECK.PUBLIC_ACCESS, { severity: 'critical' }), finding(CHECK.ACCOUNT_WIDE_FULL_ACCESS, { statementIndexes: [2] })];

  it('marks every finding of a suppressed check, keeps the others, and drops none', () => {
    const out = applyInlineSuppressions(findings, [{ id: CHECK.ACCOUNT_WIDE_FULL_ACCESS, reason: REASON }], POLICY);
    expect(out.findings).toHaveLength(3);
    expect(out.findings.map((f) => f.suppression?.kind)).toEqual(['inline', undefined, 'inline']);
    expect(out.findings[0]?.suppression?.reason).toBe(REASON);
    expect(out.problems).toEqual([]);
  });

  it('refuses a non-suppressible check and says so', () => {
    const out = applyInlineSuppressions(findings, [{ id: CHECK.PUBLIC_ACCESS, reason: REASON }], POLICY);
    expect(out.findings.every((f) => f.suppression === undefined)).toBe(true);
    expect(out.problems).toEqual([expect.stringMatching(/PUBLIC_ACCESS cannot be suppressed inline/)]);
  });

  it('a deployer may allow what the default refuses', () => {
    const out = applyInlineSuppressions(findings, [{ id: CHECK.PUBLIC_ACCESS, reason: REASON }], { ...POLICY, nonSuppressible: [] });
    expect(out.findings[1]?.suppression?.kind).toBe('inline');
  });

  it('applies through its expiry day, not after', () => {
    const s = [{ id: CHECK.ACCOUNT_WIDE_FULL_ACCESS, reason: REASON, expires: '2026-12-05' }];
    expect(applyInlineSuppressions(findings, s, POLICY).findings[0]?.suppression?.expires).toBe('2026-12-05');
    const later = applyInlineSuppressions(findings, s, { ...POLICY, today: '2026-12-06' });
    expect(later.findings[0]?.suppression).toBeUndefined();
    expect(later.problems).toEqual([expect.stringMatching(/expired on 2026-12-05/)]);
  });

  it('never accepts a finding of a check that could not run', () => {
    const out = applyInlineSuppressions([finding(CHECK.ACCOUNT_WIDE_FULL_ACCESS, { notJudged: true })], [{ id: CHECK.ACCOUNT_WIDE_FULL_ACCESS, reason: REASON }], POLICY);
    expect(out.findings[0]?.suppression).toBeUndefined();
  });

  it('reports a suppression that matched nothing', () => {
    const out = applyInlineSuppressions(findings, [{ id: CHECK.UNSCOPED_SERVICE_PRINCIPAL, reason: REASON }], POLICY);
    expect(out.problems).toEqual([expect.stringMatching(/UNSCOPED_SERVICE_PRINCIPAL matched no finding/)]);
  });
});
