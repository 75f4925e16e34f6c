/**
 * A failure of the engine itself is told apart from a fault of the policy: both fail closed with a finding,
 * but only the engine's own failure is listed in `internalErrors`.
 */
import { analyzePolicy, CHECKS } from '../../engine';
import { OWN, ROOT, allow, policy } from '../support/policies';

const opts = { accountId: OWN };

afterEach(() => jest.restoreAllMocks());

describe('internal errors', () => {
  it('a grammar error is a finding, not an internal error', () => {
    const r = analyzePolicy(policy({ Effect: 'allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }), opts);
    expect(r.findings.map((f) => f.checkId)).toContain('INVALID_POLICY');
    expect(r.findings.some((f) => f.notJudged === true)).toBe(false);
    expect(r.internalErrors).toEqual([]);
  });

  it('a check that throws yields a not-judged finding of that check and an internal error naming it', () => {
    const check = CHECKS.find((c) => c.meta.id === 'PUBLIC_ACCESS');
    if (!check) throw new Error('PUBLIC_ACCESS is not registered');
    jest.spyOn(check, 'run').mockImplementation(() => {
      throw new Error('boom');
    });
    const r = analyzePolicy(policy(allow({ AWS: ROOT }, 'kms:Decrypt')), opts);
    expect(r.internalErrors).toEqual([{ check: 'PUBLIC_ACCESS', message: 'boom' }]);
    expect(r.findings.filter((f) => f.notJudged === true)).toEqual([
      expect.objectContaining({ checkId: 'PUBLIC_ACCESS', severity: 'critical', path: '$', principals: [], statementIndexes: [] }),
    ]);
    // The other checks still ran.
    expect(r.findings.map((f) => f.checkId)).toContain('ACCOUNT_WIDE_USAGE');
  });

  it('an analysis that cannot run yields a not-judged INVALID_POLICY finding and an internal error without a check', () => {
    const hostile = {
      Version: '2012-10-17',
      get Statement(): unknown {
        throw new Error('unreadable');
      },
    };
    const r = analyzePolicy(hostile, opts);
    expect(r.internalErrors).toEqual([{ message: 'unreadable' }]);
    expect(r.findings).toEqual([expect.objectContaining({ checkId: 'INVALID_POLICY', notJudged: true, path: '$' })]);
    expect(r.summary.entries).toEqual([]);
  });

  it('something other than an Error thrown is named as an unknown error', () => {
    const check = CHECKS.find((c) => c.meta.id === 'ALLOW_WITH_NEGATION');
    if (!check) throw new Error('ALLOW_WITH_NEGATION is not registered');
    jest.spyOn(check, 'run').mockImplementation(() => {
      throw 'not an error';
    });
    const r = analyzePolicy(policy(allow({ AWS: ROOT }, 'kms:Decrypt')), opts);
    expect(r.internalErrors).toEqual([{ check: 'ALLOW_WITH_NEGATION', message: 'unknown error' }]);
    expect(r.findings.find((f) => f.notJudged === true)?.message).toContain('(unknown error)');
  });
});
