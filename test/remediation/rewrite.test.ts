import { analyzePolicy } from '../../rule/engine';
import { ALL_KEY_POLICY_ACTIONS, actionRole } from '../../remediation/kms-actions';
import { lineDiff } from '../../remediation/line-diff';
import { principalsAllowed, rewriteKeyPolicy, toPolicyDocument, type PolicyStatement } from '../../remediation/rewrite';
import { ACCOUNT, ADMIN, fixture, FIXTURES, KEY_ARN, USER } from './fixtures';

const options = { accountId: ACCOUNT, adminPrincipalArns: [ADMIN], usagePrincipalArns: [USER] };

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
    expect(principalsAllowed(result.policy, 'kms:PutKeyPolicy', KEY_ARN).length).toBeGreaterThan(0);
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
    expect(principalsAllowed(policy, 'kms:PutKeyPolicy', KEY_ARN)).toEqual(['arn:aws:iam::111122223333:role/KMSAdminRole']);
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

  it('an account-wide grant for AWS resources goes to the users, not the administrators', () => {
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
    const { policy } = rewriteKeyPolicy(original, options);
    expect(policy.Statement).toEqual([{ ...original.Statement[0], Principal: { AWS: USER } }]);
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
    const { policy } = rewriteKeyPolicy(fixture('seed-less-bad-policy'), { ...options, usagePrincipalArns: [USER, ADMIN] });
    expect(policy.Statement[1]?.Principal).toEqual({ AWS: [USER, ADMIN] });
  });

  it('rejects documents that are not key policies', () => {
    expect(() => toPolicyDocument('[]')).toThrow(/JSON object/);
    expect(() => toPolicyDocument('{"Version":"2012-10-17"}')).toThrow(/Statement/);
    expect(() => toPolicyDocument('{not json')).toThrow();
  });
});

describe('principalsAllowed (lockout check)', () => {
  const allow = (principal: string, extra: Record<string, unknown> = {}) => ({
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: 'kms:Put*',
    Resource: '*',
    ...extra,
  });

  it('counts unconditional grants only', () => {
    const policy = toPolicyDocument({
      Statement: [allow(ADMIN), allow(USER, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })],
    });
    expect(principalsAllowed(policy, 'kms:PutKeyPolicy')).toEqual([ADMIN]);
  });

  it('a Deny, even conditional, removes the principal; a Deny on "*" removes everyone', () => {
    const deny = (principal: string) => ({ Effect: 'Deny', Principal: { AWS: principal }, Action: 'kms:PutKeyPolicy', Resource: '*', Condition: { Bool: { 'aws:ViaAWSService': 'true' } } });
    expect(principalsAllowed(toPolicyDocument({ Statement: [allow(ADMIN), allow(USER), deny(ADMIN)] }), 'kms:PutKeyPolicy')).toEqual([USER]);
    expect(principalsAllowed(toPolicyDocument({ Statement: [allow(ADMIN), deny('*')] }), 'kms:PutKeyPolicy')).toEqual([]);
  });

  it('ignores statements whose Resource cannot be this key', () => {
    const policy = toPolicyDocument({ Statement: [allow(ADMIN, { Resource: 'arn:aws:kms:us-east-1:111122223333:key/other' })] });
    expect(principalsAllowed(policy, 'kms:PutKeyPolicy', KEY_ARN)).toEqual([]);
  });
});

describe('action classification', () => {
  it('covers every key action and keeps the two sides apart', () => {
    expect(ALL_KEY_POLICY_ACTIONS.length).toBeGreaterThan(40);
    expect(actionRole('kms:PutKeyPolicy')).toBe('administration');
    expect(actionRole('kms:CreateGrant')).toBe('administration');
    expect(actionRole('kms:Decrypt')).toBe('usage');
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
