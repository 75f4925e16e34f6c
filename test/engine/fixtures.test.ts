/**
 * Real-world key policies (AWS documentation, CDK and Terraform defaults, the seed article) and edge
 * cases: each must produce exactly the findings its fixture expects, each pointing at the statements and
 * the principal it expects.
 */
import { analyzePolicy, CHECK_IDS, CHECKS, type ComplianceMapping, type Finding } from '../../engine';
import { loadPolicyFixtures, type ExpectedFinding } from '../support/fixtures';

const fixtures = loadPolicyFixtures();

/** What a finding points at, in the fixtures' terms: each statement by Sid where it has one, else by index. */
function pointedAt(f: Finding): ExpectedFinding {
  return { check: f.checkId, statements: f.statementIndexes.map((index, k) => f.sids[k] ?? index), principals: f.principals };
}

const byKey = (a: ExpectedFinding, b: ExpectedFinding): number => {
  const x = JSON.stringify([a.check, a.principals, a.statements]);
  const y = JSON.stringify([b.check, b.principals, b.statements]);
  return x < y ? -1 : x > y ? 1 : 0;
};

describe('policy fixtures', () => {
  it.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const result = analyzePolicy(f.input, f.options);
    expect(result.internalErrors).toEqual([]);
    expect(result.findings.map(pointedAt).sort(byKey)).toEqual([...f.expectedFindings].sort(byKey));
    const got = result.findings.map((x) => x.checkId);
    for (const id of f.nearMissFor) expect(got).not.toContain(id);
    // Every finding must say where and why: a JSON path into the policy, or the grant (`grants[<GrantId>]`).
    for (const finding of result.findings) {
      expect(finding.path).toMatch(finding.statementIndexes.length === 0 && finding.path.startsWith('grants[') ? /^grants\[[^\]]+\]/ : /^\$/);
      expect(finding.message.length).toBeGreaterThan(20);
    }
  });
});

describe('check registry', () => {
  it('lists every check id once, in the declared order', () => {
    expect(CHECKS.map((c) => c.meta.id).sort()).toEqual([...CHECK_IDS].sort());
    expect(new Set(CHECKS.map((c) => c.meta.id)).size).toBe(CHECKS.length);
  });

  it.each(CHECKS.map((c) => [c.meta.id, c] as const))('%s has complete metadata', (_id, c) => {
    expect(c.meta.title.length).toBeGreaterThan(10);
    expect(c.meta.rationale.length).toBeGreaterThan(40);
    expect(c.meta.remediation.length).toBeGreaterThan(20);
    // The one-line fix: one sentence a terminal line holds.
    expect(c.meta.fix).toMatch(/^[A-Z][^\n]{19,118}\.$/);
    expect(c.meta.references.length).toBeGreaterThan(0);
    for (const r of c.meta.references) expect(r).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it.each(CHECKS.map((c) => [c.meta.id, c] as const))('%s maps to control ids, or says none', (_id, c) => {
    const mapping: ComplianceMapping = c.meta.compliance;
    const { cisV5, cisV1, fsbp, note } = mapping;
    // Ids only, never a title: "3.6", "2.1.4"; FSBP ids are "<Service>.<n>".
    for (const id of cisV5 === 'none' ? [] : cisV5) expect(id).toMatch(/^\d+(\.\d+){1,3}$/);
    for (const id of cisV1 === 'none' ? [] : cisV1) expect(id).toMatch(/^\d+(\.\d+){1,3}$/);
    for (const id of fsbp === 'none' ? [] : fsbp) expect(id).toMatch(/^[A-Z][A-Za-z0-9]*\.\d+$/);
    if (note !== undefined) expect(note).toMatch(/^[A-Z][^\n]{19,}\.$/);
  });

  it('maps PUBLIC_ACCESS to FSBP KMS.5, and no check to a CIS recommendation (CIS has no key-policy control)', () => {
    expect(CHECKS.find((c) => c.meta.id === 'PUBLIC_ACCESS')?.meta.compliance.fsbp).toEqual(['KMS.5']);
    expect(CHECKS.filter((c) => c.meta.compliance.cisV5 !== 'none' || c.meta.compliance.cisV1 !== 'none')).toEqual([]);
  });

  it.each(CHECKS.map((c) => [c.meta.id] as const))('%s has at least three flagged and three clean fixtures', (id) => {
    const flagged = fixtures.filter((f) => f.expected.includes(id));
    const clean = fixtures.filter((f) => f.nearMissFor.includes(id));
    expect({ id, flagged: flagged.length >= 3, clean: clean.length >= 3 }).toEqual({ id, flagged: true, clean: true });
  });

  it('every fixture source is named', () => {
    for (const f of fixtures) expect(f.source.trim().length).toBeGreaterThan(3);
  });
});
