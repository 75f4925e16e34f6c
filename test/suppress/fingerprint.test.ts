/** Finding fingerprints: stable under reordering and reformatting, different when what was found differs. */
import fc from 'fast-check';
import { canonicalJson, canonicalStatement, FINGERPRINT_VERSION, findingFingerprint, type FingerprintInput } from '../../suppress';

const WIDE = { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::111122223333:root'] }, Action: ['kms:Decrypt', 'kms:*'], Resource: '*' };
const OTHER = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/R' }, Action: 'kms:Decrypt', Resource: '*' };

function input(over: Partial<FingerprintInput> = {}): FingerprintInput {
  return { key: 'arn:aws:kms:eu-west-1:111122223333:key/k1', checkId: 'ACCOUNT_WIDE_FULL_ACCESS', statements: [WIDE], path: '$.Statement[0]', principals: [], actions: ['kms:*'], ...over };
}

describe('canonicalJson', () => {
  it('sorts object keys and keeps every list in its order', () => {
    expect(canonicalJson({ b: ['y', 'x'], a: 1 })).toBe('{"a":1,"b":["y","x"]}');
    expect(canonicalJson(['a'])).not.toBe(canonicalJson('a'));
  });

  it('tells types apart', () => {
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });
});

describe('canonicalStatement', () => {
  it('reads the values of Action, Resource, each principal type and each condition key as sets, a lone value as its string', () => {
    const a = { Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:Encrypt'], Principal: { AWS: ['b', 'a'] }, Resource: ['*'], Condition: { StringEquals: { 'kms:ViaService': ['s3', 'ec2'] } } };
    const b = { Condition: { StringEquals: { 'kms:ViaService': ['ec2', 's3'] } }, Resource: '*', Principal: { AWS: ['a', 'b'] }, Action: ['kms:Decrypt', 'kms:Encrypt'] };
    expect(canonicalStatement(a)).toBe(canonicalStatement(b));
  });

  it.each<[string, unknown, unknown]>([
    ['Fn::If branches swapped in a principal', { Principal: { AWS: { 'Fn::If': ['IsProd', 'arn:role', '*'] } } }, { Principal: { AWS: { 'Fn::If': ['IsProd', '*', 'arn:role'] } } }],
    ['Fn::If branches swapped as a whole Principal', { Principal: { 'Fn::If': ['IsProd', { AWS: 'x' }, '*'] } }, { Principal: { 'Fn::If': ['IsProd', '*', { AWS: 'x' }] } }],
    ['Fn::Select index list', { Resource: { 'Fn::Select': ['0', ['a', 'b']] } }, { Resource: { 'Fn::Select': ['0', ['b', 'a']] } }],
    ['Fn::Join parts', { Principal: { AWS: { 'Fn::Join': ['', ['arn:aws:iam::', '1', ':root']] } } }, { Principal: { AWS: { 'Fn::Join': ['', [':root', '1', 'arn:aws:iam::']] } } }],
    ['Fn::If inside an Action list', { Action: [{ 'Fn::If': ['C', 'kms:Decrypt', 'kms:*'] }] }, { Action: [{ 'Fn::If': ['C', 'kms:*', 'kms:Decrypt'] }] }],
    ['a condition value chosen by Fn::If', { Condition: { StringEquals: { 'aws:PrincipalAccount': { 'Fn::If': ['C', ['1', '2'], ['3']] } } } }, { Condition: { StringEquals: { 'aws:PrincipalAccount': { 'Fn::If': ['C', ['3'], ['1', '2']] } } } }],
    ['a list outside IAM value sets', { Sid: ['b', 'a'] }, { Sid: ['a', 'b'] }],
  ])('never reorders the arguments of an intrinsic or a list IAM does not read as a set: %s', (_what, a, b) => {
    expect(canonicalStatement(a)).not.toBe(canonicalStatement(b));
  });

  it('does not throw on values nested far deeper than the call stack allows', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { 'Fn::Join': ['', [deep]] };
    expect(canonicalStatement({ Action: [deep, 'kms:Decrypt'] }).length).toBeGreaterThan(100_000);
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

  it('does not depend on the order of the actions, principals, condition keys or variants', () => {
    const a = findingFingerprint(input({ principals: ['p1', 'p2'], actions: ['kms:Decrypt', 'kms:Encrypt'], conditionKeys: ['k1', 'k2'], variants: ['Env=dev', 'Env=test'] }));
    const b = findingFingerprint(input({ principals: ['p2', 'p1'], actions: ['kms:Encrypt', 'kms:Decrypt'], conditionKeys: ['k2', 'k1'], variants: ['Env=test', 'Env=dev'] }));
    expect(a).toBe(b);
  });

  it.each<[string, Partial<FingerprintInput>]>([
    ['the key', { key: 'arn:aws:kms:eu-west-1:111122223333:key/k2' }],
    ['the check', { checkId: 'PUBLIC_ACCESS' }],
    ['the statement content', { statements: [{ ...WIDE, Action: 'kms:Encrypt' }] }],
    ['the principals', { principals: ['arn:aws:iam::111122223333:root'] }],
    // A Deny removed elsewhere in the policy widens the grant; the granting statement is unchanged.
    ['the actions granted', { actions: ['kms:*', 'kms:PutKeyPolicy'] }],
    ['whether the access is conditional', { access: 'unconditional' }],
    ['the condition keys', { access: 'conditional', conditionKeys: ['aws:SourceVpce'] }],
    ['the variants the finding is in', { variants: ['Env=prod'] }],
  ])('changes with %s', (_what, over) => {
    expect(findingFingerprint(input(over))).not.toBe(findingFingerprint(input()));
  });

  it('uses the path for a finding about the whole policy (no statement)', () => {
    const version = findingFingerprint(input({ checkId: 'INVALID_POLICY', statements: [], path: '$.Version' }));
    const root = findingFingerprint(input({ checkId: 'INVALID_POLICY', statements: [], path: '$' }));
    expect(version).not.toBe(root);
  });

  it('is the same for any order of the statements, of IAM value sets and of object keys, and for one-element sets written as strings', () => {
    const name = fc.constantFrom('kms:Decrypt', 'kms:Encrypt', 'kms:*', 'kms:ReEncrypt*', 'arn:aws:iam::111122223333:root', '*');
    const set = fc.uniqueArray(name, { minLength: 1, maxLength: 4 });
    const statement = fc.record(
      {
        Sid: fc.constantFrom('A', 'B'),
        Effect: fc.constantFrom('Allow', 'Deny'),
        Action: set,
        NotResource: set,
        Principal: fc.dictionary(fc.constantFrom('AWS', 'Service'), set, { minKeys: 1 }),
        Condition: fc.dictionary(fc.constantFrom('StringEquals', 'ArnLike'), fc.dictionary(fc.constantFrom('aws:PrincipalArn', 'kms:ViaService'), set, { minKeys: 1 }), { minKeys: 1 }),
      },
      { requiredKeys: ['Effect'] },
    );
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), fc.infiniteStream(fc.boolean()), (statements, flips) => {
        const rewritten = [...statements].reverse().map((s) => reformatStatement(s, flips));
        expect(findingFingerprint(input({ statements: rewritten }))).toBe(findingFingerprint(input({ statements })));
      }),
    );
  });
});

/** A value set written differently: reversed with one item repeated, or a lone item as its string. */
function reformatSet(values: string[], flips: fc.Stream<boolean>): unknown {
  if (values.length === 1) return flips.next().value ? values[0] : values;
  return [...values].reverse().concat(flips.next().value ? [values[0] as string] : []);
}

const reversedEntries = <T>(record: Record<string, T>, f: (v: T) => unknown): Record<string, unknown> => Object.fromEntries(Object.entries(record).reverse().map(([k, v]) => [k, f(v)]));

/** The same statement written differently: object keys reversed, IAM value sets reformatted. */
function reformatStatement(statement: Record<string, unknown>, flips: fc.Stream<boolean>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(statement)
      .reverse()
      .map(([k, v]) => {
        if (k === 'Action' || k === 'NotResource') return [k, reformatSet(v as string[], flips)];
        if (k === 'Principal') return [k, reversedEntries(v as Record<string, string[]>, (s) => reformatSet(s, flips))];
        if (k === 'Condition') return [k, reversedEntries(v as Record<string, Record<string, string[]>>, (keys) => reversedEntries(keys, (s) => reformatSet(s, flips)))];
        return [k, v];
      }),
  );
}
