import { analyzePolicy } from '../../engine';
import { parsePolicy } from '../../engine/parse-policy';
import { ROOT, allow, deny, policy } from '../support/policies';

describe('parsePolicy: malformed input yields errors with the JSON path and the reason', () => {
  const ok = allow({ AWS: ROOT }, 'kms:Decrypt');
  it.each<[string, unknown, string, RegExp]>([
    ['not JSON', '{"Version": ', '$', /not valid JSON/],
    ['an array', '[]', '$', /must be a JSON object/],
    ['a number', 42, '$', /must be a JSON object/],
    ['null', null, '$', /must be a JSON object/],
    ['no Statement', { Version: '2012-10-17' }, '$', /no Statement/],
    ['empty Statement', { Statement: [] }, '$.Statement', /empty array/],
    ['bad Version', { Version: '2020-01-01', Statement: [ok] }, '$.Version', /2012-10-17/],
    ['unknown top-level element', { Statement: [ok], Foo: 1 }, '$.Foo', /unknown policy element/],
    ['wrong case element', { Statement: [{ ...ok, effect: 'Allow' }] }, '$.Statement[0].effect', /case-sensitive/],
    ['missing Effect', { Statement: [{ Principal: '*', Action: 'kms:*', Resource: '*' }] }, '$.Statement[0]', /no Effect/],
    ['lower-case Effect', { Statement: [{ ...ok, Effect: 'allow' }] }, '$.Statement[0].Effect', /exactly "Allow" or "Deny"/],
    ['Principal as an array', { Statement: [{ ...ok, Principal: [ROOT] }] }, '$.Statement[0].Principal', /not an array/],
    ['Principal and NotPrincipal', { Statement: [{ ...ok, NotPrincipal: { AWS: ROOT } }] }, '$.Statement[0]', /both Principal and NotPrincipal/],
    ['no Principal', { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }, '$.Statement[0]', /no Principal/],
    ['Action and NotAction', { Statement: [{ ...ok, NotAction: 'kms:Encrypt' }] }, '$.Statement[0]', /both Action and NotAction/],
    ['no Action', { Statement: [{ Effect: 'Allow', Principal: '*', Resource: '*' }] }, '$.Statement[0]', /no Action/],
    ['Action of the wrong type', { Statement: [{ ...ok, Action: 5 }] }, '$.Statement[0].Action', /string or an array of strings/],
    ['empty Action array', { Statement: [{ ...ok, Action: [] }] }, '$.Statement[0].Action', /empty array/],
    ['Action entry not a string', { Statement: [{ ...ok, Action: ['kms:Decrypt', 7] }] }, '$.Statement[0].Action[1]', /non-empty strings/],
    ['malformed action', { Statement: [{ ...ok, Action: 'Decrypt' }] }, '$.Statement[0].Action', /service:Action/],
    ['no Resource', { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*' }] }, '$.Statement[0]', /no Resource/],
    ['Resource and NotResource', { Statement: [{ ...ok, NotResource: 'x' }] }, '$.Statement[0]', /both Resource and NotResource/],
    ['bad principal type', { Statement: [{ ...ok, Principal: { IAM: ROOT } }] }, '$.Statement[0].Principal.IAM', /unknown Principal element/],
    ['bad AWS principal', { Statement: [{ ...ok, Principal: { AWS: 'bob' } }] }, '$.Statement[0].Principal.AWS', /not an AWS principal/],
    ['wildcard in a principal ARN', { Statement: [{ ...ok, Principal: { AWS: 'arn:aws:iam::111122223333:role/*' } }] }, '$.Statement[0].Principal.AWS', /aws:PrincipalArn/],
    ['Principal a number', { Statement: [{ ...ok, Principal: 1 }] }, '$.Statement[0].Principal', /must be "\*" or an object/],
    ['empty Principal object', { Statement: [{ ...ok, Principal: {} }] }, '$.Statement[0].Principal', /empty object/],
    ['Condition not an object', { Statement: [{ ...ok, Condition: 'x' }] }, '$.Statement[0].Condition', /must be an object/],
    ['unknown operator', { Statement: [{ ...ok, Condition: { StringEqualz: { 'aws:PrincipalArn': 'x' } } }] }, '$.Statement[0].Condition.StringEqualz', /unknown condition operator/],
    ['operator block not an object', { Statement: [{ ...ok, Condition: { StringEquals: 'x' } }] }, '$.Statement[0].Condition.StringEquals', /must be an object/],
    ['Bool with a non-boolean', { Statement: [{ ...ok, Condition: { Bool: { 'aws:SecureTransport': 'yes' } } }] }, '$.Statement[0].Condition.Bool["aws:SecureTransport"]', /true or false/],
    ['condition value an object', { Statement: [{ ...ok, Condition: { StringEquals: { 'kms:ViaService': { a: 1 } } } }] }, '$.Statement[0].Condition.StringEquals["kms:ViaService"]', /string, number or boolean/],
    ['duplicate Sid', { Statement: [{ ...ok, Sid: 'A' }, { ...ok, Sid: 'A' }] }, '$.Statement[1].Sid', /used twice/],
    ['statement not an object', { Statement: ['x'] }, '$.Statement[0]', /must be an object/],
    ['Id not a string', { Id: 3, Statement: [ok] }, '$.Id', /must be a string/],
  ])('%s', (_name, input, path, reason) => {
    const r = parsePolicy(input);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path, reason: expect.stringMatching(reason) })]));
    const findings = analyzePolicy(input, { accountId: '111122223333' }).findings.filter((f) => f.checkId === 'INVALID_POLICY');
    expect(findings.map((f) => f.path)).toContain(path);
  });

  it.each<[string, unknown]>([
    ['Statement as a single object', { Version: '2012-10-17', Statement: allow({ AWS: ROOT }, 'kms:Decrypt') }],
    ['policy as text', JSON.stringify(policy(allow('*', 'kms:Decrypt')))],
    ['Bool with a JSON boolean', policy(allow({ AWS: ROOT }, 'kms:CreateGrant', { Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } }))],
    ['Bool with a string', policy(allow({ AWS: ROOT }, 'kms:CreateGrant', { Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }))],
    ['IfExists and set qualifiers', policy(allow('*', 'kms:Decrypt', { Condition: { 'ForAnyValue:StringLikeIfExists': { 'kms:EncryptionContextKeys': ['a*'] } } }))],
    ['Null operator', policy(deny('*', 'kms:*', { Condition: { Null: { 'aws:PrincipalArn': 'true' } } }))],
    ['all principal types', policy(allow({ AWS: [ROOT], Service: 'logs.amazonaws.com', Federated: 'cognito-identity.amazonaws.com', CanonicalUser: 'abc' }, 'kms:Decrypt'))],
    ['numeric condition value', policy(allow({ AWS: ROOT }, 'kms:Decrypt', { Condition: { NumericLessThan: { 'kms:MultiRegion': 1 } } }))],
  ])('accepts %s', (_name, input) => {
    expect(parsePolicy(input).errors).toEqual([]);
  });

  it('keeps analysing the valid statements next to an invalid one', () => {
    const r = analyzePolicy(policy({ Effect: 'allow', Principal: '*', Action: 'kms:*', Resource: '*' }, allow({ AWS: ROOT }, 'kms:*')), {
      accountId: '111122223333',
    });
    expect(r.findings.map((f) => f.checkId).sort()).toEqual(['ACCOUNT_WIDE_FULL_ACCESS', 'INVALID_POLICY']);
  });

  it('warns about unknown KMS actions and non-KMS actions', () => {
    const r = analyzePolicy(policy(allow({ AWS: ROOT }, ['kms:Describe', 's3:GetObject'])), { accountId: '111122223333' });
    expect(r.warnings.map((w) => [w.code, w.path])).toEqual([
      ['UNKNOWN_ACTION', '$.Statement[0].Action[0]'],
      ['NON_KMS_ACTION', '$.Statement[0].Action[1]'],
    ]);
    expect(r.findings).toEqual([]);
  });
});

describe('an INVALID_POLICY finding names the statement it lies in', () => {
  const opts = { accountId: '111122223333' };
  const invalid = (input: unknown, options = {}) => analyzePolicy(input, { ...opts, ...options }).findings.filter((f) => f.checkId === 'INVALID_POLICY');

  it('by index and Sid, when the statement has a Sid', () => {
    const found = invalid(policy(allow({ AWS: ROOT }, 'kms:Decrypt'), { ...allow({ AWS: ROOT }, 'kms:*'), Sid: 'Broken', Effect: 'allow' }));
    expect(found.map((f) => [f.statementIndexes, f.sids])).toEqual([[[1], ['Broken']]]);
  });

  it('by index alone, when it has none or its Sid is not a string', () => {
    const found = invalid(policy({ ...allow({ AWS: ROOT }, 'kms:*'), Effect: 'allow' }, { ...allow({ AWS: ROOT }, 'kms:*'), Sid: 7 }));
    expect(found.map((f) => [f.path, f.statementIndexes, f.sids])).toEqual([
      ['$.Statement[0].Effect', [0], [undefined]],
      ['$.Statement[1].Sid', [1], [undefined]],
    ]);
  });

  it('by its Sid for a key written twice, found in the text or passed in', () => {
    const text = `{"Statement":[{"Sid":"Twice","Effect":"Allow","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*"}]}`;
    expect(invalid(text).map((f) => f.sids)).toEqual([['Twice']]);
    expect(invalid(JSON.parse(text), { duplicateKeyPaths: ['$.Statement[0].Effect'] }).map((f) => f.sids)).toEqual([['Twice']]);
  });

  it('for the second of two statements sharing a Sid, by that Sid', () => {
    const found = invalid(policy({ ...allow({ AWS: ROOT }, 'kms:Decrypt'), Sid: 'Same' }, { ...allow({ AWS: ROOT }, 'kms:Encrypt'), Sid: 'Same' }));
    expect(found.map((f) => [f.path, f.statementIndexes, f.sids])).toEqual([['$.Statement[1].Sid', [1], ['Same']]]);
  });

  it('not at all for an error outside the statements, nor in a Statement written as one object', () => {
    const found = invalid({ Version: '2020-01-01', Statement: { ...allow({ AWS: ROOT }, 'kms:*'), Sid: 'Only', Effect: 'allow' } });
    expect(found.map((f) => [f.path, f.statementIndexes, f.sids])).toEqual([
      ['$.Statement.Effect', [], []],
      ['$.Version', [], []],
    ]);
  });
});
