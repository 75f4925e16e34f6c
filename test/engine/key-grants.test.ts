/**
 * KMS grants in the engine: ListGrants entries read into KeyGrants (nothing dropped, every problem said), the
 * grant checks on what cannot be read (fail closed), and grants beside statements in the access matrix.
 */
import { GrantOperation } from '@aws-sdk/client-kms';
import { accessMatrix, analyzePolicy, GRANT_OPERATIONS, keyGrantsFromListGrants, type KeyGrant } from '../../engine';

const ACCOUNT = '111122223333';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ADMIN_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Admin` }, Action: ['kms:Describe*', 'kms:Put*'], Resource: '*' }],
};
const PARTNER = 'arn:aws:iam::444455556666:role/PartnerApp';

function grants(entries: unknown[]): KeyGrant[] {
  const reading = keyGrantsFromListGrants(entries);
  return reading.grants;
}

describe('keyGrantsFromListGrants', () => {
  it('reads a ListGrants entry as the SDK returns it', () => {
    const reading = keyGrantsFromListGrants([
      {
        KeyId: KEY_ARN,
        GrantId: 'g-1',
        Name: 'batch',
        GranteePrincipal: PARTNER,
        RetiringPrincipal: `arn:aws:iam::${ACCOUNT}:root`,
        IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
        Operations: ['Decrypt', 'GenerateDataKey'],
        CreationDate: new Date('2026-11-01T00:00:00Z'),
        Constraints: { EncryptionContextSubset: { Department: 'IT' }, EncryptionContextEquals: { Team: 'a' } },
      },
    ]);
    expect(reading.problems).toEqual([]);
    expect(reading.grants).toEqual([
      {
        grantId: 'g-1',
        name: 'batch',
        granteePrincipal: PARTNER,
        retiringPrincipal: `arn:aws:iam::${ACCOUNT}:root`,
        issuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
        operations: ['Decrypt', 'GenerateDataKey'],
        constraints: { encryptionContextSubset: { Department: 'IT' }, encryptionContextEquals: { Team: 'a' } },
      },
    ]);
  });

  it('accepts the output of aws kms list-grants ({"Grants": [...]})', () => {
    expect(keyGrantsFromListGrants({ Grants: [{ GrantId: 'g', GranteePrincipal: PARTNER, Operations: ['Decrypt'] }] }).grants.map((g) => g.grantId)).toEqual(['g']);
  });

  it.each([
    ['no GrantId', { GranteePrincipal: PARTNER, Operations: ['Decrypt'] }, { grantId: '#0' }, 'it has no GrantId'],
    ['an empty GrantId', { GrantId: '', GranteePrincipal: PARTNER, Operations: ['Decrypt'] }, { grantId: '#0' }, 'it has no GrantId'],
    ['an operation unknown to this release', { GrantId: 'g', GranteePrincipal: PARTNER, Operations: ['Decrypt', 'Teleport'] }, { operations: ['Decrypt', 'Teleport'] }, 'operation "Teleport" unknown to this release'],
    ['Operations that are not a list', { GrantId: 'g', GranteePrincipal: PARTNER, Operations: 'Decrypt' }, { operations: [], operationsUnreadable: true }, 'Operations is not a list of strings'],
    ['no Operations', { GrantId: 'g', GranteePrincipal: PARTNER }, { operationsUnreadable: true }, 'it has no Operations'],
    ['no GranteePrincipal', { GrantId: 'g', Operations: ['Decrypt'] }, { grantId: 'g' }, 'it has no GranteePrincipal'],
    ['a GranteePrincipal that is not a string', { GrantId: 'g', GranteePrincipal: 7, Operations: ['Decrypt'] }, { grantId: 'g' }, 'GranteePrincipal is not a non-empty string'],
    ['a constraint value that is not a string', { GrantId: 'g', GranteePrincipal: PARTNER, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { a: 1, b: 'x' } } }, { constraints: { encryptionContextSubset: { b: 'x' } } }, 'Constraints.EncryptionContextSubset.a is not a string'],
  ])('keeps an entry with %s and says what is wrong', (_what, entry, kept, problem) => {
    const reading = keyGrantsFromListGrants([entry]);
    expect(reading.grants).toHaveLength(1);
    expect(reading.grants[0]).toMatchObject(kept);
    expect(reading.grants[0]?.problems).toContain(problem);
    expect(reading.problems.map((p) => p.message)).toContain(problem);
    expect(reading.problems.every((p) => p.index === 0 && p.grantId === reading.grants[0]?.grantId)).toBe(true);
  });

  it('keeps an entry that is not an object, under its position', () => {
    const reading = keyGrantsFromListGrants([{ GrantId: 'a', GranteePrincipal: PARTNER, Operations: ['Decrypt'] }, 'junk']);
    expect(reading.grants.map((g) => g.grantId)).toEqual(['a', '#1']);
    expect(reading.problems).toEqual([{ index: 1, grantId: '#1', message: 'the entry is not an object' }]);
  });

  it('says that a value which is no list holds no readable grants (never "no grants")', () => {
    const reading = keyGrantsFromListGrants({ NextMarker: 'x' });
    expect(reading.grants).toEqual([]);
    expect(reading.problems).toHaveLength(1);
  });

  it('knows exactly the grant operations of the KMS API', () => {
    expect([...GRANT_OPERATIONS].sort()).toEqual(Object.values(GrantOperation).sort());
  });
});

describe('grant checks on grants that cannot be fully read', () => {
  const options = { accountId: ACCOUNT, keyArn: KEY_ARN };

  it('says nothing of grants when they were not read (the caller reports that)', () => {
    const result = analyzePolicy(ADMIN_POLICY, options);
    expect(result.findings.filter((f) => f.path.startsWith('grants['))).toEqual([]);
    expect(result.summary.keyGrants).toBeUndefined();
  });

  it('reports a grant whose grantee cannot be read as not judged', () => {
    const result = analyzePolicy(ADMIN_POLICY, { ...options, grants: grants([{ GrantId: 'g-x', GranteePrincipal: 'not a principal', Operations: ['Decrypt'] }]) });
    const f = result.findings.find((x) => x.checkId === 'UNTRUSTED_GRANTEE');
    expect(f).toMatchObject({ notJudged: true, path: 'grants[g-x]', statementIndexes: [], principals: ['not a principal'], actions: ['kms:Decrypt'] });
    expect(f?.message).toContain('cannot be read');
  });

  it('reports a grant whose grantee is missing as not judged, even when the key account is unknown', () => {
    const result = analyzePolicy(ADMIN_POLICY, { grants: grants([{ GrantId: 'g-y', Operations: ['Decrypt'] }]) });
    expect(result.findings.find((x) => x.checkId === 'UNTRUSTED_GRANTEE')).toMatchObject({ notJudged: true, path: 'grants[g-y]', principals: [] });
    expect(result.warnings).toContainEqual({ code: 'INVALID_GRANT', path: 'grants[g-y]', message: 'grant g-y: it has no GranteePrincipal; the grant is judged on what could be read.' });
  });

  it.each([
    ['a number', 444455556666],
    ['an object', { bad: 1 }],
    ['empty text', ''],
  ])('reports a grant whose RetiringPrincipal is %s as not judged, even when the key account is unknown', (_what, retiring) => {
    const entry = { GrantId: 'g-r', GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/App`, RetiringPrincipal: retiring, Operations: ['Decrypt'] };
    for (const context of [options, {}]) {
      const result = analyzePolicy(ADMIN_POLICY, { ...context, grants: grants([entry]) });
      const f = result.findings.find((x) => x.path === 'grants[g-r].RetiringPrincipal');
      expect(f).toMatchObject({ notJudged: true, principals: [], actions: ['kms:RetireGrant'] });
      expect(f?.message).toContain('cannot be read');
    }
  });

  it('reports a grant whose operations cannot be read as possibly redelegable, not judged', () => {
    const result = analyzePolicy(ADMIN_POLICY, { ...options, grants: grants([{ GrantId: 'g-z', GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/App` }]) });
    expect(result.findings.find((x) => x.checkId === 'REDELEGABLE_GRANT')).toMatchObject({ notJudged: true, path: 'grants[g-z].Operations', actions: ['kms:CreateGrant'] });
  });

  it('judges a grant without GrantId under its position, and warns', () => {
    const result = analyzePolicy(ADMIN_POLICY, { ...options, grants: grants([{ GranteePrincipal: PARTNER, Operations: ['Decrypt'] }]) });
    expect(result.findings.find((x) => x.checkId === 'UNTRUSTED_GRANTEE')).toMatchObject({ path: 'grants[#0]', principals: [PARTNER] });
    expect(result.warnings.map((w) => w.code)).toContain('INVALID_GRANT');
  });

  it('judges an unknown operation without calling it CreateGrant, and warns', () => {
    const result = analyzePolicy(ADMIN_POLICY, { ...options, grants: grants([{ GrantId: 'g', GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/App`, Operations: ['Teleport'] }]) });
    expect(result.findings.filter((x) => x.checkId === 'REDELEGABLE_GRANT')).toEqual([]);
    expect(result.warnings.find((w) => w.code === 'INVALID_GRANT')?.message).toContain('"Teleport"');
  });
});

describe('grant findings name the request that proves them', () => {
  it('UNTRUSTED_GRANTEE: grant id, operation and grantee; and how to trust the account when an organisation is trusted', () => {
    const result = analyzePolicy(ADMIN_POLICY, {
      accountId: ACCOUNT,
      trustedOrgIds: ['o-a1b2c3d4e5'],
      grants: grants([{ GrantId: 'g-1', Name: 'partner', GranteePrincipal: PARTNER, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { Department: 'IT' } } }]),
    });
    const f = result.findings.find((x) => x.checkId === 'UNTRUSTED_GRANTEE');
    expect(f).toMatchObject({ severity: 'high', path: 'grants[g-1]', statementIndexes: [], sids: [], principals: [PARTNER], actions: ['kms:Decrypt'], access: 'conditional', conditionKeys: ['kms:EncryptionContext:Department'] });
    expect(f?.message).toContain('grant g-1 ("partner")');
    expect(f?.message).toContain(`kms:Decrypt by ${PARTNER}`);
    expect(f?.message).toContain('list 444455556666 in TrustedAccountIds (--trusted-accounts)');
    expect(f?.notJudged).toBeUndefined();
  });

  it('REDELEGABLE_GRANT: grant id, kms:CreateGrant and grantee', () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/App`;
    const result = analyzePolicy(ADMIN_POLICY, { accountId: ACCOUNT, grants: grants([{ GrantId: 'g-2', GranteePrincipal: role, Operations: ['Decrypt', 'CreateGrant'] }]) });
    const f = result.findings.find((x) => x.checkId === 'REDELEGABLE_GRANT');
    expect(f).toMatchObject({ severity: 'medium', path: 'grants[g-2]', principals: [role], actions: ['kms:CreateGrant'], access: 'unconditional' });
    expect(f?.message).toContain(`kms:CreateGrant by ${role}`);
    expect(f?.message).toContain('kms:Decrypt');
  });

  it('does not flag a retiring principal of another account on an AWS service grant, but does on any other grant', () => {
    const ec2 = `arn:aws:sts::${ACCOUNT}:assumed-role/aws:ec2-infrastructure/i-1`;
    const retiring = 'arn:aws:iam::123456789012:root';
    const service = { GrantId: 's', GranteePrincipal: ec2, RetiringPrincipal: retiring, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { 'aws:ebs:id': 'vol-1' } } };
    const unconstrained = { ...service, GrantId: 'u', Constraints: undefined };
    const result = analyzePolicy(ADMIN_POLICY, { accountId: ACCOUNT, grants: grants([service, unconstrained]) });
    expect(result.findings.filter((x) => x.checkId === 'UNTRUSTED_GRANT_RETIREE').map((x) => [x.path, x.severity])).toEqual([['grants[u].RetiringPrincipal', 'low']]);
    expect(result.findings.filter((x) => x.checkId === 'UNTRUSTED_GRANTEE')).toEqual([]);
  });
});

describe('grants in the access matrix', () => {
  it('gives a grantee its own row and names the grant ids, beside the statements', () => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/Admin`;
    const result = analyzePolicy(ADMIN_POLICY, {
      accountId: ACCOUNT,
      grants: grants([
        { GrantId: 'g-partner', GranteePrincipal: PARTNER, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { a: 'b' } } },
        { GrantId: 'g-admin', GranteePrincipal: admin, Operations: ['Encrypt', 'CreateGrant'] },
        { GrantId: 'g-logs', GranteePrincipal: 'logs.us-east-1.amazonaws.com', Operations: ['GenerateDataKey'] },
      ]),
    });
    const matrix = accessMatrix(result.summary);
    expect(matrix.map((r) => r.principal.id)).toEqual([`principal:${admin}`, `principal:${PARTNER}`, 'service:logs.us-east-1.amazonaws.com']);
    const [adminRow, partnerRow] = matrix;
    // The statement and the grant side by side in the admin's row.
    expect(adminRow?.cells.administration).toEqual({ level: 'unconditional', statementIndexes: [0], grantIds: [] });
    expect(adminRow?.cells.cryptographic).toEqual({ level: 'unconditional', statementIndexes: [], grantIds: ['g-admin'] });
    expect(adminRow?.cells.grant).toEqual({ level: 'unconditional', statementIndexes: [], grantIds: ['g-admin'] });
    // An encryption-context constraint makes the grant's access conditional.
    expect(partnerRow?.cells.cryptographic).toEqual({ level: 'conditional', statementIndexes: [], grantIds: ['g-partner'] });
    expect(partnerRow?.cells.administration).toEqual({ level: 'none', statementIndexes: [], grantIds: [] });
  });

  it('keeps the statement-only matrix as it was when no grants are given', () => {
    const matrix = accessMatrix(analyzePolicy(ADMIN_POLICY, { accountId: ACCOUNT }).summary);
    expect(matrix).toHaveLength(1);
    expect(matrix[0]?.cells.administration).toEqual({ level: 'unconditional', statementIndexes: [0], grantIds: [] });
  });
});
