/** Finding fingerprints: stable under reordering and reformatting, different when what was found differs. */
import fc from 'fast-check';
import { canonicalJson, FINGERPRINT_VERSION, findingFingerprint, type FingerprintInput } from '../../suppress';

const WIDE = { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::111122223333:root'] }, Action: ['kms:Decrypt', 'kms:*'], Resource: '*' };
const OTHER = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/R' }, Action: 'kms:Decrypt', Resource: '*' };

function input(over: Partial<FingerprintInput> = {}): FingerprintInput {
  return { key: 'arn:aws:kms:eu-west-1:111122223333:key/k1', checkId: 'ACCOUNT_WIDE_FULL_ACCESS', statements: [WIDE], path: '$.Statement[0]', principals: [], ...over };
}

describe('canonicalJson', () => {
  it('sorts object keys, reads a one-element string list as the string, sorts and de-duplicates string lists', () => {
    expect(canonicalJson({ b: ['y', 'x', 'y'], a: ['only'] })).toBe('{"a":"only","b":["x","y"]}');
    expect(canonicalJson({ a: 'only' })).toBe(canonicalJson({ a: ['only'] }));
  });

  it('keeps the order of lists that are not all strings, and tells types apart', () => {
    expect(canonicalJson([{ a: 1 }, { b: 2 }])).not.toBe(canonicalJson([{ b: 2 }, { a: 1 }]));
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });
});

describe('findingFingerprint', () => {
  it('starts with the version prefix', () => {
    expect(findingFingerprint(input())).toMatch(new RegExp(`^${FINGERPRINT_VERSION}:[0-9a-f]{64}$`));
  });

  it('does not depend on the statement index, the path inside a statement, or the order of the statements', () => {
    const a = findingFingerprint(input({ statements: [WIDE, OTHER], path: '$.Statement[0].Principal' }));
    const b = findingFingerprint(input({ statements: [OTHER, WIDE], path: '$.Statement[7].Action' }));
    expect(a).toBe(b);
  });

  it('changes with the key, the check, the statement content or the principals', () => {
    const base = findingFingerprint(input());
    expect(findingFingerprint(input({ key: 'arn:aws:kms:eu-west-1:111122223333:key/k2' }))).not.toBe(base);
    expect(findingFingerprint(input({ checkId: 'PUBLIC_ACCESS' }))).not.toBe(base);
    expect(findingFingerprint(input({ statements: [{ ...WIDE, Action: 'kms:Encrypt' }] }))).not.toBe(base);
    expect(findingFingerprint(input({ principals: ['arn:aws:iam::111122223333:root'] }))).not.toBe(base);
  });

  it('uses the path for a finding about the whole policy (no statement)', () => {
    const version = findingFingerprint(input({ checkId: 'INVALID_POLICY', statements: [], path: '$.Version' }));
    const root = findingFingerprint(input({ checkId: 'INVALID_POLICY', statements: [], path: '$' }));
    expect(version).not.toBe(root);
  });

  it('is the same for any order of the statements, of string lists and of object keys, and for one-element lists written as strings', () => {
    const value = fc.oneof(fc.constantFrom('kms:Decrypt', 'kms:Encrypt', 'kms:*', 'arn:aws:iam::111122223333:root', '*'), fc.integer({ min: 0, max: 3 }), fc.boolean());
    const stringList = fc.uniqueArray(fc.constantFrom('kms:Decrypt', 'kms:Encrypt', 'kms:*', 'kms:ReEncrypt*'), { minLength: 1, maxLength: 4 });
    const statement = fc.dictionary(fc.constantFrom('Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'Condition'), fc.oneof(value, stringList, fc.dictionary(fc.constantFrom('AWS', 'Service'), stringList)), { minKeys: 1 });
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), fc.infiniteStream(fc.boolean()), (statements, flips) => {
        const rewritten = [...statements].reverse().map((s) => reformat(s, flips));
        expect(findingFingerprint(input({ statements: rewritten }))).toBe(findingFingerprint(input({ statements })));
      }),
    );
  });
});

/** The same value written differently: object keys reversed, string lists reversed with one item repeated, a one-element list as its string. */
function reformat(value: unknown, flips: fc.Stream<boolean>): unknown {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      if (value.length === 1) return flips.next().value ? value[0] : value;
      return [...value].reverse().concat(flips.next().value ? [value[0] as string] : []);
    }
    return value.map((v) => reformat(v, flips));
  }
  if (typeof value === 'string') return flips.next().value ? [value] : value;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reformat(v, flips)]));
  return value;
}

describe('canonicalJson on hostile input', () => {
  it('does not throw on values nested far deeper than the call stack allows', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { 'Fn::Join': ['', [deep]] };
    expect(canonicalJson(deep).length).toBeGreaterThan(100_000);
  });
});
