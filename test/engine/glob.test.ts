import fc from 'fast-check';
import { globMatch } from '../../engine/glob';
import { analyzePolicy, CHECKS } from '../../engine';

/** The obvious (backtracking) definition, as an oracle on small inputs. */
function oracle(pattern: string, text: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(text);
}

describe('globMatch', () => {
  it.each([
    ['kms:*', 'kms:Decrypt', true],
    ['kms:Re?ncrypt*', 'kms:ReEncryptFrom', true],
    ['*Key*', 'DescribeKey', true],
    ['*Key*', 'Decrypt', false],
    ['', '', true],
    ['a', '', false],
    ['*', '', true],
    ['?', '', false],
  ])('%j against %j is %j', (p, t, expected) => {
    expect(globMatch(p, t)).toBe(expected);
  });

  it('ignores case when asked', () => {
    expect(globMatch('KMS:decrypt', 'kms:Decrypt', true)).toBe(true);
    expect(globMatch('KMS:decrypt', 'kms:Decrypt')).toBe(false);
  });

  it('agrees with the regular-expression definition', () => {
    const chars = fc.constantFrom('a', 'b', '*', '?', ':');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', ':'), maxLength: 10 }), (p, t) => {
        expect(globMatch(p, t)).toBe(oracle(p, t));
      }),
      { numRuns: 3000 },
    );
  });

  it('answers patterns that make a backtracking regular expression explode', () => {
    const evil = `kms:${'*?'.repeat(40)}Q`;
    expect(globMatch(evil, `kms:${'A'.repeat(200)}`)).toBe(false);
    const r = analyzePolicy(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: evil, Resource: `arn:aws:kms:*:*:key/${'*?'.repeat(40)}Q` }],
      },
      { accountId: '111122223333', keyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    );
    expect(r.warnings.map((w) => w.code)).toContain('UNKNOWN_ACTION');
  });
});

describe('analyzePolicy never throws', () => {
  it.each<[string, unknown, unknown]>([
    ['a bigint Version', { Version: 10n, Statement: [] }, {}],
    ['a bigint Effect', { Statement: [{ Effect: 1n, Principal: '*', Action: 'kms:*', Resource: '*' }] }, {}],
    ['a circular Effect', (() => { const o: Record<string, unknown> = {}; o.self = o; return { Statement: [{ Effect: o, Principal: '*', Action: 'kms:*', Resource: '*' }] }; })(), {}],
    ['null options', { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] }, null],
  ])('on %s', (_n, input, options) => {
    const r = analyzePolicy(input, options as never);
    expect(r.findings.length).toBeGreaterThan(0);
  });

  it('marks the finding of an analysis that could not run as not judged', () => {
    const options = Object.defineProperty({}, 'accountId', {
      get() {
        throw new Error('boom');
      },
    });
    const r = analyzePolicy({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] }, options);
    expect(r.findings).toEqual([expect.objectContaining({ checkId: 'INVALID_POLICY', path: '$', notJudged: true })]);
  });

  it('marks the finding of a check that threw as not judged, and only that one', () => {
    const check = CHECKS.find((c) => c.meta.id === 'ALLOW_WITH_NEGATION');
    if (check === undefined) throw new Error('no ALLOW_WITH_NEGATION');
    const run = jest.spyOn(check, 'run').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      const r = analyzePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] });
      expect(r.findings.filter((f) => f.notJudged === true).map((f) => [f.checkId, f.severity, f.path])).toEqual([['ALLOW_WITH_NEGATION', 'low', '$']]);
      expect(r.findings.some((f) => f.checkId === 'PUBLIC_ACCESS' && f.notJudged === undefined)).toBe(true);
    } finally {
      run.mockRestore();
    }
  });
});
