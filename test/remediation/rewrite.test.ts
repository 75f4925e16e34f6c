import { analyzePolicy, type Grant } from '../../engine';
import { ALL_KEY_POLICY_ACTIONS, actionRole, expandActionPatterns } from '../../remediation/kms-actions';
import { lineDiff } from '../../remediation/line-diff';
import { policyAdministrators, rewriteKeyPolicy, toPolicyDocument, worstCaseDenies, type PolicyStatement } from '../../remediation/rewrite';
import { ACCOUNT, ADMIN, fixture, FIXTURES, KEY_ARN, USER } from './fixtures';

const options = { accountId: ACCOUNT, keyArn: KEY_ARN, administrationPrincipalArns: [ADMIN], usePrincipalArns: [USER] };

/** Who certainly may call kms:PutKeyPolicy: the engine's access summary of the policy with every Deny at its strongest. */
function administrators(policy: unknown): string[] {
  const document = toPolicyDocument(policy);
  const analysis = analyzePolicy(document, { accountId: ACCOUNT, keyArn: KEY_ARN });
  return policyAdministrators(analyzePolicy(worstCaseDenies(document, analysis), { accountId: ACCOUNT, keyArn: KEY_ARN }));
}

function actionsOf(statement: PolicyStatement | undefined): string[] {
  const action = statement?.Action;
  return Array.isArray(action) ? action.map(String) : action === undefined ? [] : [String(action)];
}

function bySid(statements: PolicyStatement[], sid: string): PolicyStatement | undefined {
  return statements.find((s) => s.Sid === sid);
}

describe('rewriteKeyPolicy on real policies', () => {
  it.each(FIXTURES)('%s: the engine finds no account-wide grant afterwards', (name) => {
    const before = analyzePolicy(fixture(name), { accountId: ACCOUNT, keyArn: KEY_ARN });
    expect(before.findings.some((f) => f.checkId.startsWith('ACCOUNT_WIDE_'))).toBe(true);

    const result = rewriteKeyPolicy(fixture(name), options);
    expect(result.changed).toBe(true);
    const after = analyzePolicy(result.policy, { accountId: ACCOUNT, keyArn: KEY_ARN });
    expect(after.findings.filter((f) => /^(ACCOUNT_WIDE_|INVALID_POLICY)/.test(f.checkId))).toEqual([]);
    expect(JSON.stringify(result.policy)).not.toContain(`${ACCOUNT}:root`);
  });

  it.each(FIXTURES)('%s: someone can still call kms:PutKeyPolicy', (name) => {
    const result = rewriteKeyPolicy(fixture(name), options);
    expect(administrators(result.policy).length).toBeGreaterThan(0);
  });

  it.each(FIXTURES)('%s: statements without an account-wide principal are kept byte for byte', (name) => {
    const original = fixture(name).Statement;
    const rewritten = rewriteKeyPolicy(fixture(name), options).policy.Statement.map((s) => JSON.stringify(s));
    for (const statement of original) {
      if (JSON.stringify(statement).includes(`${ACCOUNT}:root`) || JSON.stringify(statement.Principal).includes('"*"')) continue;
      expect(rewritten).toContain(JSON.stringify(statement));
    }
  });

  it('seed "bad-policy" (root, kms:*): split into an administration and a usage statement', () => {
    const { policy, changes } = rewriteKeyPolicy(fixture('seed-bad-policy'), options);
    expect(policy.Id).toBe('bad-policy');
    expect(policy.Statement).toHaveLength(3);
    const admin = bySid(policy.Statement, 'Allow key access administration');
    const usage = bySid(policy.Statement, 'Allow key access usage');
    const attachment = bySid(policy.Statement, 'Allow key access attachment of persistent resources');
    // Unconditioned CreateGrant would let administrators grant themselves Decrypt: users get grants for AWS
    // resources only, as in the console's default policy.
    expect(actionsOf(admin)).not.toContain('kms:CreateGrant');
    expect(attachment?.Principal).toEqual({ AWS: USER });
    expect(actionsOf(attachment)).toEqual(['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant']);
    expect(attachment?.Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    expect(admin?.Principal).toEqual({ AWS: ADMIN });
    expect(usage?.Principal).toEqual({ AWS: USER });
    expect(actionsOf(admin)).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DescribeKey']));
    expect(actionsOf(admin)).not.toContain('kms:Decrypt');
    expect(actionsOf(usage)).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']));
    expect(actionsOf(usage)).not.toContain('kms:PutKeyPolicy');
    expect(admin?.Resource).toBe('*');
    expect(changes).toHaveLength(1);
  });

  it('seed "less-bad-policy": only the usage statement changes, its Action kept verbatim', () => {
    const original = fixture('seed-less-bad-policy');
    const { policy } = rewriteKeyPolicy(original, options);
    expect(policy.Statement).toHaveLength(2);
    expect(policy.Statement[0]).toEqual(original.Statement[0]);
    expect(policy.Statement[1]).toEqual({ ...original.Statement[1], Principal: { AWS: USER } });
    expect(administrators(policy)).toEqual(['arn:aws:iam::111122223333:role/KMSAdminRole']);
  });

  it('console default: the "Enable IAM User Permissions" statement is split, the other three kept in order', () => {
    const original = fixture('console-default-policy');
    const { policy } = rewriteKeyPolicy(original, options);
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      'Enable IAM User Permissions administration',
      'Enable IAM User Permissions usage',
      'Enable IAM User Permissions attachment of persistent resources',
      'Allow access for Key Administrators',
      'Allow use of the key',
      'Allow attachment of persistent resources',
    ]);
    expect(policy.Statement.slice(3)).toEqual(original.Statement.slice(1));
  });

  it('CDK default (no Sid): generated Sids', () => {
    const { policy } = rewriteKeyPolicy(fixture('cdk-default-policy'), options);
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      'KmsPolicyGuard0 administration',
      'KmsPolicyGuard0 usage',
      'KmsPolicyGuard0 attachment of persistent resources',
    ]);
  });

  it('a grant-only root statement limited to AWS resources is no account-wide finding, so it stays', () => {
    const original = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Grants',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
        },
      ],
    };
    expect(analyzePolicy(original, { accountId: ACCOUNT, keyArn: KEY_ARN }).findings).toEqual([]);
    const { policy, changed } = rewriteKeyPolicy(original, options);
    expect(changed).toBe(false);
    expect(policy.Statement).toEqual(original.Statement);
  });

  // kms:GrantIsForAWSResource is carried only by grant requests: under a plain Bool on it, PutKeyPolicy and Decrypt
  // are granted to no one, so the statement allows only CreateGrant for AWS resources and is not account-wide.
  it('a mixed grant under kms:GrantIsForAWSResource allows only the grant action, and is left as written', () => {
    const original = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'All',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ['kms:PutKeyPolicy', 'kms:Decrypt', 'kms:CreateGrant'],
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
        },
      ],
    };
    expect(analyzePolicy(original, { accountId: ACCOUNT, keyArn: KEY_ARN }).findings).toEqual([]);
    const { policy, changed } = rewriteKeyPolicy(original, options);
    expect(changed).toBe(false);
    expect(policy.Statement).toEqual(original.Statement);
  });

  // kms:* still reaches the account through the actions KMS adds later (their keys are unknown), so the statement is
  // account-wide and split: the grant actions, for AWS resources only, go to the users.
  it('in a mixed account-wide grant (kms:*) under kms:GrantIsForAWSResource, grants for AWS resources go to the users, not the administrators', () => {
    const original = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'All',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:*',
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
        },
      ],
    };
    expect(analyzePolicy(original, { accountId: ACCOUNT, keyArn: KEY_ARN }).findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    const { policy } = rewriteKeyPolicy(original, options);
    expect(actionsOf(bySid(policy.Statement, 'All usage'))).toEqual(expect.arrayContaining(['kms:CreateGrant', 'kms:Decrypt']));
    expect(actionsOf(bySid(policy.Statement, 'All administration'))).toContain('kms:PutKeyPolicy');
    expect(actionsOf(bySid(policy.Statement, 'All administration'))).not.toContain('kms:CreateGrant');
  });

  it('"*" narrowed to the account by kms:CallerAccount: principal replaced, conditions kept', () => {
    const original = fixture('same-account-via-service-policy');
    const { policy } = rewriteKeyPolicy(original, options);
    expect(policy.Statement[0]).toEqual({ ...original.Statement[0], Principal: { AWS: USER } });
    expect(policy.Statement.slice(1)).toEqual(original.Statement.slice(1));
  });
});

describe('rewriteKeyPolicy edge cases', () => {
  const base = { Version: '2012-10-17' };

  it('keeps the other principals of a mixed statement in place', () => {
    const { policy } = rewriteKeyPolicy(
      {
        ...base,
        Statement: [
          {
            Sid: 'Use',
            Effect: 'Allow',
            Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, 'arn:aws:iam::444455556666:role/Partner'] },
            Action: 'kms:Decrypt',
            Resource: '*',
          },
        ],
      },
      options,
    );
    expect(policy.Statement).toEqual([
      { Sid: 'Use', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/Partner' }, Action: 'kms:Decrypt', Resource: '*' },
      { Sid: 'Use usage', Effect: 'Allow', Principal: { AWS: USER }, Action: 'kms:Decrypt', Resource: '*' },
    ]);
  });

  it('treats a bare account ID as the account principal', () => {
    const { policy, changed } = rewriteKeyPolicy(
      { ...base, Statement: { Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:Encrypt', Resource: '*' } },
      options,
    );
    expect(changed).toBe(true);
    expect(policy.Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: USER }, Action: 'kms:Encrypt', Resource: '*' }]);
  });

  it('never touches Deny statements, public grants or other accounts', () => {
    const statements = [
      { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
      { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'kms:Decrypt', Resource: '*' },
    ];
    const { policy, changed } = rewriteKeyPolicy({ ...base, Statement: statements }, options);
    expect(changed).toBe(false);
    expect(policy.Statement).toEqual(statements);
  });

  it('expands NotAction into the concrete actions it allows', () => {
    const { policy } = rewriteKeyPolicy(
      {
        ...base,
        Statement: [{ Sid: 'All but deletion', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, NotAction: 'kms:ScheduleKeyDeletion', Resource: '*' }],
      },
      options,
    );
    const all = policy.Statement.flatMap(actionsOf);
    expect(all).not.toContain('kms:ScheduleKeyDeletion');
    expect(all).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:Decrypt']));
    expect(policy.Statement.every((s) => s.NotAction === undefined)).toBe(true);
  });

  it('drops non-KMS actions, which have no effect in a key policy', () => {
    const { policy, changes } = rewriteKeyPolicy(
      { ...base, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['kms:Decrypt', 's3:GetObject'], Resource: '*' }] },
      options,
    );
    expect(policy.Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: USER }, Action: 'kms:Decrypt', Resource: '*' }]);
    expect(changes.join('\n')).toContain('s3:GetObject');
  });

  it('uses a list for several principals', () => {
    const { policy } = rewriteKeyPolicy(fixture('seed-less-bad-policy'), { ...options, usePrincipalArns: [USER, ADMIN] });
    expect(policy.Statement[1]?.Principal).toEqual({ AWS: [USER, ADMIN] });
  });

  it('rejects documents that are not key policies', () => {
    expect(() => toPolicyDocument('[]')).toThrow(/JSON object/);
    expect(() => toPolicyDocument('{"Version":"2012-10-17"}')).toThrow(/Statement/);
    expect(() => toPolicyDocument('{not json')).toThrow();
  });
});

/**
 * A rewritten statement may narrow who holds a grant, never what it allows: each statement that comes from a
 * rewritten one allows at most the actions of its origin and keeps every condition of its origin unchanged
 * (conditions are ANDed, so one more narrows, and one overwritten may widen: `kms:GrantIsForAWSResource`
 * false turned true would hand out grants for AWS resources that nobody could create before).
 */
describe('the rewrite never grants an action or condition the account principal did not have', () => {
  const root = `arn:aws:iam::${ACCOUNT}:root`;
  type Condition = Record<string, Record<string, unknown>>;
  it.each<[string, string | string[], Condition | undefined]>([
    ['grants only for non-AWS resources (Bool false), kms:*', 'kms:*', { Bool: { 'kms:GrantIsForAWSResource': 'false' } }],
    ['grants only for non-AWS resources (boolean false), kms:*', 'kms:*', { Bool: { 'kms:GrantIsForAWSResource': false as unknown as string } }],
    ['grants only for non-AWS resources, key in lower case', 'kms:*', { Bool: { 'kms:grantisforawsresource': 'false' } }],
    ['grants only for non-AWS resources, BoolIfExists', ['kms:CreateGrant', 'kms:Decrypt', 'kms:PutKeyPolicy'], { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' } }],
    ['grants for AWS resources only', 'kms:*', { Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
    ['only over TLS', 'kms:*', { Bool: { 'aws:SecureTransport': 'true' } }],
    ['only through S3', 'kms:*', { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }],
    ['no condition', 'kms:*', undefined],
  ])('%s', (_label, action, condition) => {
    const original = { Sid: 'R', Effect: 'Allow', Principal: { AWS: root }, Action: action, Resource: '*', ...(condition === undefined ? {} : { Condition: condition }) };
    const result = rewriteKeyPolicy({ Version: '2012-10-17', Statement: [original] }, options);
    expect(result.changed).toBe(true);
    const allowed = expandActionPatterns(Array.isArray(action) ? action : [action]);
    result.policy.Statement.forEach((statement, i) => {
      expect(result.origins[i]).toBe(0);
      expect(allowed).toEqual(expect.arrayContaining(expandActionPatterns(actionsOf(statement))));
      const got = (statement.Condition ?? {}) as Condition;
      for (const [operator, block] of Object.entries(condition ?? {})) {
        for (const [key, value] of Object.entries(block)) {
          expect(got[operator]?.[key]).toEqual(value);
          // No second spelling of the same key (condition keys are case-insensitive) with another value.
          const same = Object.keys(got[operator] ?? {}).filter((k) => k.toLowerCase() === key.toLowerCase());
          expect(same).toEqual([key]);
        }
      }
    });
  });
});

describe('policyAdministrators (lockout check, from the engine)', () => {
  const allow = (principal: string, extra: Record<string, unknown> = {}) => ({
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: 'kms:Put*',
    Resource: '*',
    ...extra,
  });
  const deny = (principal: string, extra: Record<string, unknown> = {}) => ({
    Effect: 'Deny',
    Principal: { AWS: principal },
    Action: 'kms:PutKeyPolicy',
    Resource: '*',
    ...extra,
  });

  it('counts unconditional grants only', () => {
    expect(administrators({ Statement: [allow(ADMIN), allow(USER, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })] })).toEqual([ADMIN]);
  });

  it.each([
    ['a Deny on the administrator', [allow(ADMIN), allow(USER), deny(ADMIN)], [USER]],
    ['a Deny on the administrator without MFA', [allow(ADMIN), allow(USER), deny(ADMIN, { Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })], [USER]],
    // A condition on the request may hold for the next call: the Deny is assumed to apply (fail closed).
    ['a Deny on the administrator through AWS services only', [allow(ADMIN), deny(ADMIN, { Condition: { Bool: { 'aws:ViaAWSService': 'true' } } })], []],
    // A Deny on everyone except the administrator, as the engine carves it.
    ['a Deny on everyone but the administrator', [allow(ADMIN), allow(USER), deny('*', { Condition: { ArnNotEquals: { 'aws:PrincipalArn': ADMIN } } })], [ADMIN]],
    ['a Deny on "*"', [allow(ADMIN), deny('*')], []],
    ['a Deny on "*" for another key', [allow(ADMIN), deny('*', { Resource: 'arn:aws:kms:us-east-1:111122223333:key/other' })], [ADMIN]],
    ['a Deny on "*" for another action', [allow(ADMIN), deny('*', { Action: 'kms:ScheduleKeyDeletion' })], [ADMIN]],
    ['an Allow for another key', [allow(ADMIN, { Resource: 'arn:aws:kms:us-east-1:111122223333:key/other' })], []],
  ])('%s', (_label, statements, expected) => {
    expect(administrators({ Statement: statements })).toEqual(expected);
  });
});

describe('the rewrite is driven by the engine\'s account-wide findings', () => {
  const root = `arn:aws:iam::${ACCOUNT}:root`;
  const base = { Version: '2012-10-17' };
  it.each([
    ['aws:PrincipalArn (ArnEquals)', { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Deploy` } }],
    ['aws:PrincipalArn (StringEquals, two roles)', { StringEquals: { 'aws:PrincipalArn': [ADMIN, `arn:aws:iam::${ACCOUNT}:role/Deploy`] } }],
  ])('a root statement narrowed by %s is left alone', (_label, condition) => {
    const narrowed = { Sid: 'Narrowed', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:Decrypt', Resource: '*', Condition: condition };
    const admin = { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' };
    const { policy, changed } = rewriteKeyPolicy({ ...base, Statement: [admin, narrowed] }, options);
    expect(changed).toBe(false);
    expect(policy.Statement).toEqual([admin, narrowed]);
  });

  it('a root statement whose Resource cannot be this key is left alone', () => {
    const other = { Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: 'arn:aws:kms:us-east-1:111122223333:key/other' };
    const { changed } = rewriteKeyPolicy({ ...base, Statement: [other] }, options);
    expect(changed).toBe(false);
  });

  it('"*" narrowed to the account by aws:PrincipalAccount is account-wide too', () => {
    const statement = { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } };
    const { policy, changed } = rewriteKeyPolicy({ ...base, Statement: [statement] }, options);
    expect(changed).toBe(true);
    expect(policy.Statement).toEqual([{ ...statement, Principal: { AWS: USER } }]);
  });
});

describe('action classification', () => {
  it('covers every key action and keeps the two sides apart', () => {
    expect(ALL_KEY_POLICY_ACTIONS.length).toBeGreaterThan(40);
    expect(actionRole('kms:PutKeyPolicy')).toBe('administration');
    expect(actionRole('kms:CreateGrant')).toBe('administration');
    expect(actionRole('kms:Decrypt')).toBe('use');
    expect(actionRole('kms:DescribeKey')).toBe('shared');
    expect(ALL_KEY_POLICY_ACTIONS).not.toContain('kms:CreateKey');
  });
});

describe('lineDiff', () => {
  it('marks removed and added lines and keeps the rest', () => {
    expect(lineDiff('a\nb\nc', 'a\nx\nc')).toBe('  a\n- b\n+ x\n  c');
    expect(lineDiff('', 'a')).toBe('- \n+ a');
    expect(lineDiff('same', 'same')).toBe('  same');
  });
});

describe('entries the rewrite leaves alone, so the handler refuses with the reason', () => {
  const base = { Version: '2012-10-17' };
  it.each([
    [
      '"*" narrowed to the own account and another one',
      { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': [ACCOUNT, '444455556666'] } } },
      /also grants every principal of account 444455556666/,
    ],
    [
      '"*" narrowed to the key owner\'s organisation and another one',
      { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': ['${aws:ResourceOrgID}', 'o-foreign12345'] } } },
      /grants .*o-foreign12345/,
    ],
    [
      '"*" narrowed to the key owner\'s organisation (other member accounts would lose access)',
      { Effect: 'Allow', Principal: '*', Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': '${aws:ResourceOrgID}' } } },
      /\$\.Statement\[0\]\.Principal grants .*\$\{aws:ResourceOrgID\}.*beyond account 111122223333/,
    ],
    [
      '"*" narrowed to the key owner\'s organisation, as aws:ResourceOrgID matched against aws:PrincipalOrgID',
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': ['${aws:ResourceOrgID}'] } } },
      /grants .*\$\{aws:ResourceOrgID\}.*beyond account/,
    ],
  ])('%s', (_label, statement, reason) => {
    const { policy, changed, skipped } = rewriteKeyPolicy({ ...base, Statement: [statement] }, options);
    expect(changed).toBe(false);
    expect(policy.Statement).toEqual([statement]);
    expect(skipped.join('\n')).toMatch(reason);
  });
});

/**
 * Which other classes the engine lists at the path of an account-wide entry decide whether it is rewritten:
 * own-account principals (carved out by a Deny) are part of the account being replaced; anything reaching
 * beyond the account keeps the entry in place. The extra class is added to the engine's real analysis of a
 * root `kms:*` grant at the root entry's path.
 */
describe('classes at the same path as the account-wide entry', () => {
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
  const path = '$.Statement[0].Principal.AWS';
  type Extra = Grant['principal'];
  it.each<[string, boolean, Extra]>([
    ['a role of the own account', true, { kind: 'principal', id: 'r', label: 'role Admin', subtype: 'role', name: `arn:aws:iam::${ACCOUNT}:role/Admin`, account: ACCOUNT }],
    ['principals tagged team=sec of the own account', true, { kind: 'principal', id: 't', label: 'principals tagged team=sec', subtype: 'tagged', name: 'team=sec', account: ACCOUNT }],
    ['a role of another account', false, { kind: 'principal', id: 'o', label: 'role X of 444455556666', subtype: 'role', name: 'arn:aws:iam::444455556666:role/X', account: '444455556666' }],
    ['a principal of an unknown account', false, { kind: 'principal', id: 'u', label: 'principals tagged x', subtype: 'tagged', name: 'x' }],
    ['another account', false, { kind: 'account', id: 'account:444455556666', label: 'every principal of account 444455556666', account: '444455556666' }],
    ['another organisation', false, { kind: 'organization', id: 'org:o-foreign12345', label: 'organisation o-foreign12345', orgId: 'o-foreign12345' }],
    ['anyone', false, { kind: 'anyone', id: 'anyone', label: 'anyone' }],
    ['an AWS service', false, { kind: 'service', id: 'svc', label: 'service logs.amazonaws.com', service: 'logs.amazonaws.com' }],
  ])('%s: rewritten = %p', (_label, rewritten, extra) => {
    const analysis = analyzePolicy(policy, { accountId: ACCOUNT, keyArn: KEY_ARN });
    const entry = analysis.summary?.entries.find((e) => e.grants.some((g) => g.path === path));
    const template = entry?.grants.find((g) => g.path === path);
    if (entry === undefined || template === undefined) throw new Error('the engine reported no grant at the root entry');
    analysis.summary?.entries.push({ principal: extra, actions: template.actions, grants: [{ ...template, principal: extra }] });
    const result = rewriteKeyPolicy(policy, { ...options, analysis });
    expect(result.changed).toBe(rewritten);
    if (rewritten) expect(result.skipped).toEqual([]);
    else expect(result.skipped.join('\n')).toContain(`${path} also grants ${extra.label}`);
  });
});
