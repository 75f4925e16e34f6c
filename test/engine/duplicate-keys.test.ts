/**
 * Keys that appear twice in one object: JSON readers disagree on which value counts, so the policy means
 * different things to different readers. Each one is an INVALID_POLICY finding at its JSON path.
 */
import { analyzePolicy, type AnalysisOptions } from '../../engine';
import { MAX_POLICY_TEXT_CHARS, parsePolicy } from '../../engine/parse-policy';
import { OWN, ROOT, allow, deny, policy } from '../support/policies';

const opts: AnalysisOptions = { accountId: OWN };
const ok = '"Principal": {"AWS": "arn:aws:iam::111122223333:role/App"}, "Action": "kms:Decrypt", "Resource": "*"';

function invalid(input: unknown, options: AnalysisOptions = opts) {
  return analyzePolicy(input, options).findings.filter((f) => f.checkId === 'INVALID_POLICY');
}

describe('exact duplicate keys in policy text', () => {
  it.each<[string, string, string, RegExp]>([
    ['Effect twice', `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny", ${ok}}]}`, '$.Statement[0].Effect', /"Effect" appears more than once/],
    ['Version twice', `{"Version": "2012-10-17", "Version": "2008-10-17", "Statement": [{"Effect": "Allow", ${ok}}]}`, '$.Version', /"Version" appears more than once/],
    ['Statement twice', `{"Statement": [{"Effect": "Deny", ${ok}}], "Statement": [{"Effect": "Allow", ${ok}}]}`, '$.Statement', /"Statement" appears more than once/],
    ['Statement as one object, key twice', `{"Statement": {"Effect": "Allow", ${ok}, "Resource": "*"}}`, '$.Statement.Resource', /"Resource" appears more than once/],
    ['principal type twice', `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "${ROOT}", "AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}`, '$.Statement[0].Principal.AWS', /"AWS"/],
    ['operator twice', `{"Statement": [{"Effect": "Allow", ${ok}, "Condition": {"StringEquals": {"kms:ViaService": "a"}, "StringEquals": {"kms:CallerAccount": "1"}}}]}`, '$.Statement[0].Condition.StringEquals', /"StringEquals"/],
    ['condition key twice', `{"Statement": [{"Effect": "Allow", ${ok}, "Condition": {"StringEquals": {"aws:PrincipalArn": "a", "aws:PrincipalArn": "b"}}}]}`, '$.Statement[0].Condition.StringEquals["aws:PrincipalArn"]', /"aws:PrincipalArn"/],
    ['the same key spelled with an escape', `{"Statement": [{"Effect": "Allow", "Eff\\u0065ct": "Deny", ${ok}}]}`, '$.Statement[0].Effect', /"Effect" appears more than once/],
    ['in the second statement', `{"Statement": [{"Effect": "Allow", ${ok}}, {"Sid": "a", "Sid": "b", "Effect": "Allow", ${ok}}]}`, '$.Statement[1].Sid', /"Sid"/],
    ['deep inside an unknown element', `{"Statement": [{"Effect": "Allow", ${ok}}], "Extra": [1, {"a": {"b b": 1, "b b": 2}}]}`, '$.Extra[1].a["b b"]', /"b b"/],
    ['three times', `{"Statement": [{"Effect": "Allow", "Effect": "Allow", "Effect": "Deny", ${ok}}]}`, '$.Statement[0].Effect', /readers may disagree/],
    ['after a value that looks like a key', `{"Statement": [{"Sid": "x\\": 1, \\"y", "Effect": "Allow", "Effect": "Deny", ${ok}}]}`, '$.Statement[0].Effect', /"Effect"/],
  ])('%s', (_name, text, path, message) => {
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    const found = invalid(text);
    expect(found.filter((f) => f.path === path)).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
    expect(found.find((f) => f.path === path)?.message).toMatch(/keep one/i);
  });

  it('leaves a statement with a duplicate key out, never relying on it (a duplicated Deny denies nothing)', () => {
    const text = `{"Statement": [{"Effect": "Deny", "Effect": "Deny", "Principal": {"AWS": "${ROOT}"}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Allow", "Principal": {"AWS": "${ROOT}"}, "Action": "kms:*", "Resource": "*"}]}`;
    const ids = analyzePolicy(text, opts).findings.map((f) => f.checkId);
    expect(ids).toContain('INVALID_POLICY');
    expect(ids).toContain('ACCOUNT_WIDE_FULL_ACCESS');
  });

  it.each<[string, string]>([
    ['one key per object', `{"Statement": [{"Effect": "Allow", ${ok}}, {"Effect": "Allow", ${ok}}]}`],
    ['a value holding a quoted colon', `{"Statement": [{"Sid": "a\\":b", "Effect": "Allow", ${ok}}]}`],
    ['condition keys differing in case in different operator blocks', `{"Statement": [{"Effect": "Allow", ${ok}, "Condition": {"StringEquals": {"aws:PrincipalTag/Team": "a"}, "StringLike": {"AWS:PrincipalTag/team": "b"}}}]}`],
  ])('finds no duplicate: %s', (_name, text) => {
    expect(invalid(text)).toEqual([]);
  });
});

describe('keys IAM reads case-insensitively, written twice in different case', () => {
  it.each<[string, unknown, string, RegExp]>([
    [
      'condition keys in one block',
      policy(allow({ AWS: ROOT }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/A', 'AWS:PrincipalARN': 'arn:aws:iam::111122223333:role/B' } } })),
      '$.Statement[0].Condition.StringEquals["AWS:PrincipalARN"]',
      /differ only in case.*"aws:PrincipalArn"/,
    ],
    [
      'set-qualified operators',
      policy(allow({ AWS: ROOT }, 'kms:Decrypt', { Condition: { 'ForAnyValue:StringLike': { 'kms:EncryptionContextKeys': 'a' }, 'foranyvalue:StringLike': { 'kms:EncryptionContextKeys': 'b' } } })),
      '$.Statement[0].Condition["foranyvalue:StringLike"]',
      /differ only in case/,
    ],
    // IAM element names are case-sensitive: the other spelling is an unknown element, reported as such.
    ['Effect and effect', policy({ ...allow({ AWS: ROOT }, 'kms:Decrypt'), effect: 'Deny' }), '$.Statement[0].effect', /case-sensitive: write "Effect"/],
    ['AWS and aws in Principal', policy(allow({ AWS: ROOT, aws: '*' }, 'kms:Decrypt')), '$.Statement[0].Principal.aws', /case-sensitive: write "AWS"/],
  ])('%s', (_name, input, path, message) => {
    const found = invalid(input);
    expect(found.map((f) => f.path)).toContain(path);
    expect(found.find((f) => f.path === path)?.message).toMatch(message);
    // The same from text.
    expect(invalid(JSON.stringify(input)).map((f) => f.path)).toContain(path);
  });
});

describe('duplicate key paths passed in by a caller that parsed the document', () => {
  const input = policy(allow({ AWS: ROOT }, 'kms:Decrypt'), allow({ AWS: ROOT }, 'kms:*'));

  it('reports each path as INVALID_POLICY and keeps analysing the other statements', () => {
    const r = analyzePolicy(input, { ...opts, duplicateKeyPaths: ['$.Statement[0].Effect', '$.Version'] });
    const found = r.findings.filter((f) => f.checkId === 'INVALID_POLICY');
    expect(found.map((f) => f.path).sort()).toEqual(['$.Statement[0].Effect', '$.Version']);
    expect(found.find((f) => f.path === '$.Statement[0].Effect')).toMatchObject({ statementIndexes: [0], message: expect.stringMatching(/"Effect" appears more than once.*"Allow"/) });
    expect(r.findings.map((f) => f.checkId)).toContain('ACCOUNT_WIDE_FULL_ACCESS');
  });

  it('does not report a duplicate twice when the text shows it too', () => {
    const text = `{"Statement": [{"Effect": "Allow", "Effect": "Allow", ${ok}}]}`;
    expect(invalid(text, { ...opts, duplicateKeyPaths: ['$.Statement[0].Effect'] }).map((f) => f.path)).toEqual(['$.Statement[0].Effect']);
  });

  it('leaves the statement named by a path out of the analysis', () => {
    const r = analyzePolicy(policy(deny({ AWS: ROOT }, 'kms:*'), allow({ AWS: ROOT }, 'kms:*')), { ...opts, duplicateKeyPaths: ['$.Statement[0].Action'] });
    expect(r.findings.map((f) => f.checkId)).toEqual(expect.arrayContaining(['INVALID_POLICY', 'ACCOUNT_WIDE_FULL_ACCESS']));
  });
});

describe('policy text far above what KMS accepts', () => {
  it('refuses a 10 MB text with a finding naming its size and the limit', () => {
    const statement = JSON.stringify(allow({ AWS: ROOT }, 'kms:Decrypt'));
    const count = Math.ceil((10 * 1024 * 1024) / (statement.length + 1));
    const text = `{"Version": "2012-10-17", "Statement": [${Array.from({ length: count }, () => statement).join(',')}]}`;
    const r = analyzePolicy(text, opts);
    expect(r.findings).toEqual([
      expect.objectContaining({ checkId: 'INVALID_POLICY', path: '$', message: expect.stringMatching(new RegExp(`${text.length.toLocaleString('en-US')} characters.*1 MiB.*32 KB`)) }),
    ]);
    expect(parsePolicy(text).policy).toBeUndefined();
  });

  it('reads a text just under the limit', () => {
    const statement = JSON.stringify(allow({ AWS: ROOT }, 'kms:Decrypt'));
    const body = `{"Version": "2012-10-17", "Statement": [${statement}]}`;
    const text = body + ' '.repeat(MAX_POLICY_TEXT_CHARS - body.length);
    expect(text.length).toBe(MAX_POLICY_TEXT_CHARS);
    expect(parsePolicy(text).errors).toEqual([]);
  });
});

describe('one document, given as text or as a parsed value with its duplicate key paths', () => {
  // Statement 0 writes Effect twice and shares its Sid with statement 1: whichever way the duplicate is
  // learnt, the statement is left out and the Sid written twice is still reported.
  const text = `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`;

  it('gives the same errors and the same statements', () => {
    const fromText = parsePolicy(text);
    const fromValue = parsePolicy(JSON.parse(text), ['$.Statement[0].Effect']);
    expect(fromValue.errors).toEqual(fromText.errors);
    expect(fromValue.policy?.statements.map((s) => s.index)).toEqual([1]);
    expect(fromText.policy?.statements.map((s) => s.index)).toEqual([1]);
    expect(fromText.errors.map((e) => e.path).sort()).toEqual(['$.Statement[0].Effect', '$.Statement[1].Sid']);
  });
});
