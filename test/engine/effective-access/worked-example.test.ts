import { compileAccount, effectiveAccess } from '../../../engine/index';
import { ACCOUNT, DEFAULT_KEY_POLICY, NO_ORG, ROOT, allow, doc, encoded, key, role, roleArn } from './build';

describe('the README worked example', () => {
  // An account with KMS's default key policy and three roles; only one has an identity policy that reaches KMS.
  const details = {
    RoleDetailList: [
      role('app-reader', { inline: { s3: encoded(doc(allow('s3:GetObject', 'arn:aws:s3:::bucket/*'))) } }),
      role('data-processor', { inline: { kms: encoded(doc(allow('kms:*', '*'))) } }),
      role('audit', { inline: { describe: encoded(doc(allow(['kms:DescribeKey', 'kms:ListAliases'], '*'))) } }),
    ],
    GroupDetailList: [],
    UserDetailList: [],
    Policies: [],
  };

  it('names exactly the role with kms:* on *, and the root user', () => {
    const account = compileAccount(details, { accountId: ACCOUNT, partition: 'aws' });
    expect(account.problems).toEqual([]);
    expect(account.principalCount).toBe(3);
    const result = effectiveAccess(account, key(DEFAULT_KEY_POLICY), NO_ORG);
    expect(result.complete).toBe(true);
    expect(result.principals.map((p) => [p.arn, p.use, p.administer])).toEqual([
      [roleArn('data-processor'), 'unconditional', 'unconditional'],
      [ROOT, 'unconditional', 'unconditional'],
    ]);
    const processor = result.principals[0];
    expect(processor?.via).toEqual([
      { source: 'key-policy', effect: 'Allow', statementIndex: 0, sid: 'Enable IAM User Permissions', decides: ['use', 'administer'] },
      { source: 'identity-policy', effect: 'Allow', policy: 'inline:role/data-processor/kms', statementIndex: 0, decides: ['use', 'administer'] },
    ]);
  });
});
