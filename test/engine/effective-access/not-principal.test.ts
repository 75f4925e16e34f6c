/**
 * A key-policy Deny with NotPrincipal denies every principal it does not name itself. Naming the account
 * (its root ARN or id) exempts the root user only, not the account's roles and users: "NotPrincipal
 * [user/Bob, account root]" with Deny denies everyone except Bob. And "the NotPrincipal element with a Deny
 * effect will always deny any IAM principal that has a permissions boundary policy attached, regardless of the
 * values specified in the NotPrincipal element."
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
 */
import { compileAccount, effectiveAccess } from '../../../engine/index';
import { ACCOUNT, DEFAULT_KEY_POLICY, NO_ORG, ROOT, allow, doc, key, managed, policyArn, role, roleArn, useOf, user, userArn } from './build';

const kms = doc(allow('kms:*'));
const denyAllBut = (...names: string[]): unknown => doc(DEFAULT_KEY_POLICY.Statement[0]!, { Effect: 'Deny', NotPrincipal: { AWS: names }, Action: 'kms:*', Resource: '*' });

function uses(details: Record<string, unknown[]>, keyPolicy: unknown, suffixes: string[]): string[] {
  const r = effectiveAccess(compileAccount(details, { accountId: ACCOUNT }), key(keyPolicy), NO_ORG);
  return suffixes.map((s) => useOf(r, s));
}

describe('a key-policy Deny with NotPrincipal', () => {
  const details = { RoleDetailList: [role('admin', { inline: { p: kms } }), role('other', { inline: { p: kms } })], UserDetailList: [user('Bob', { inline: { p: kms } })] };

  it('naming a role and the account root exempts that role and the root user only', () => {
    expect(uses(details, denyAllBut(roleArn('admin'), ROOT), [':role/admin', ':role/other', ':user/Bob', ':root'])).toEqual(['unconditional', 'missing', 'missing', 'unconditional']);
  });

  it('naming a user and the account id exempts that user and the root user only', () => {
    expect(uses(details, denyAllBut(userArn('Bob'), ACCOUNT), [':role/admin', ':role/other', ':user/Bob', ':root'])).toEqual(['missing', 'missing', 'unconditional', 'unconditional']);
  });

  it('naming a session of a role leaves that role conditional (only that session is spared)', () => {
    expect(uses(details, denyAllBut(`arn:aws:sts::${ACCOUNT}:assumed-role/admin/build`, ROOT), [':role/admin', ':role/other'])).toEqual(['conditional', 'missing']);
  });

  it('still denies a named role or user that has a permissions boundary, readable or not', () => {
    const bounded = {
      RoleDetailList: [role('admin', { inline: { p: kms }, boundary: policyArn('b') }), role('lost', { inline: { p: kms }, boundary: policyArn('missing') })],
      UserDetailList: [user('Bob', { inline: { p: kms }, boundary: policyArn('b') })],
      Policies: [managed(policyArn('b'), doc(allow('*')))],
    };
    expect(uses(bounded, denyAllBut(roleArn('admin'), roleArn('lost'), userArn('Bob'), ROOT), [':role/admin', ':role/lost', ':user/Bob', ':root'])).toEqual(['missing', 'missing', 'missing', 'unconditional']);
  });
});
