/**
 * Conditions on who calls, judged for the account's known principals from what the IAM details say of them:
 * aws:PrincipalTag/<key> (the role's or user's tags; a role session's tags may override them), aws:userid
 * ("<RoleId>:<session>" for a role, the UserId for a user, the account id for the root user), aws:username
 * (IAM users only) and aws:PrincipalArn under any string or ARN operator.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */
import { compileAccount, effectiveAccess } from '../../../engine/index';
import type { EffectiveAccess, OrganizationPolicies } from '../../../engine/effective-access/types';
import { ACCOUNT, DEFAULT_KEY_POLICY, NO_ORG, ROOT, allow, deny, doc, key, memberOrg, role, roleArn, useOf, user, type Doc } from './build';

function judge(details: Record<string, unknown[]>, keyPolicy: unknown = DEFAULT_KEY_POLICY, org: OrganizationPolicies = NO_ORG): EffectiveAccess {
  return effectiveAccess(compileAccount(details, { accountId: ACCOUNT, partition: 'aws' }), key(keyPolicy, []), org);
}

const kms = doc(allow('kms:*'));
const tagged = (name: string, p: Doc, tags: { Key: string; Value: string }[] = [{ Key: 'team', Value: 'x' }]): Record<string, unknown> => ({ ...role(name, { inline: { p } }), Tags: tags });
const taggedUser = (name: string, p: Doc, tags: { Key: string; Value: string }[]): Record<string, unknown> => ({ ...user(name, { inline: { p } }), UserId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`, Tags: tags });
const tagCond = { StringEquals: { 'aws:PrincipalTag/team': 'x' } };
const denyUnless = (condition: Record<string, unknown>): Record<string, unknown> => ({ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: condition });

describe('aws:PrincipalTag', () => {
  it('an identity-policy Allow on a tag the role carries gives conditional access (a session tag may override it)', () => {
    const r = judge({ RoleDetailList: [tagged('r', doc(allow('kms:Decrypt', '*', { Condition: tagCond })))] });
    expect(useOf(r, ':role/r')).toBe('conditional');
  });

  it('a key-policy Allow to the account under a tag condition reaches the tagged role', () => {
    const kp = doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*', Condition: tagCond });
    expect(useOf(judge({ RoleDetailList: [tagged('r', kms)] }, kp), ':role/r')).toBe('conditional');
  });

  it('an SCP "Deny unless tagged" leaves the tagged role its access, conditionally', () => {
    const scp = { id: 'p-t', document: doc(deny('kms:*', '*', { Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'x' } } })) };
    expect(useOf(judge({ RoleDetailList: [tagged('r', kms)] }, DEFAULT_KEY_POLICY, memberOrg([scp])), ':role/r')).toBe('conditional');
  });

  it("an IAM user's tags are its own (no session tags): a matching tag holds, a missing one never does", () => {
    const p = doc(allow('kms:Decrypt', '*', { Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalTag/Team': 'X' } } }));
    const r = judge({ UserDetailList: [taggedUser('in', p, [{ Key: 'team', Value: 'x' }]), taggedUser('out', p, [{ Key: 'team', Value: 'y' }])] });
    expect([useOf(r, ':user/in'), useOf(r, ':user/out')]).toEqual(['unconditional', 'missing']);
  });
});

describe('aws:userid', () => {
  const id = role('admin').RoleId as string;

  it('an identity-policy Allow on "<RoleId>:*" holds for every session of that role', () => {
    const r = judge({ RoleDetailList: [role('admin', { inline: { p: doc(allow('kms:Decrypt', '*', { Condition: { StringLike: { 'aws:userid': `${id}:*` } } })) } })] });
    expect(useOf(r, ':role/admin')).toBe('unconditional');
  });

  it('a key policy "Deny unless aws:userid is the admin role or the account" spares admin and the root user only', () => {
    const kp = doc(DEFAULT_KEY_POLICY.Statement[0]!, denyUnless({ StringNotLike: { 'aws:userid': [`${id}:*`, ACCOUNT] } }));
    const r = judge({ RoleDetailList: [role('admin', { inline: { p: kms } }), role('other', { inline: { p: kms } })] }, kp);
    expect([useOf(r, ':role/admin'), useOf(r, ':root'), useOf(r, ':role/other')]).toEqual(['unconditional', 'unconditional', 'missing']);
  });

  it('a key-policy Allow naming one session of the role by aws:userid is conditional for the role', () => {
    const kp = doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'aws:userid': `${id}:build` } } });
    expect(useOf(judge({ RoleDetailList: [role('admin', { inline: { p: kms } })] }, kp), ':role/admin')).toBe('conditional');
  });
});

describe('aws:username', () => {
  it('an identity-policy Allow for user alice, and a key-policy "Deny unless aws:username is alice"', () => {
    const allowAlice = doc(allow('kms:Decrypt', '*', { Condition: { StringEquals: { 'aws:username': 'alice' } } }));
    expect(useOf(judge({ UserDetailList: [user('alice', { inline: { p: allowAlice } })] }), ':user/alice')).toBe('unconditional');
    const kp = doc(DEFAULT_KEY_POLICY.Statement[0]!, denyUnless({ StringNotEquals: { 'aws:username': 'alice' } }));
    const r = judge({ UserDetailList: [user('alice', { inline: { p: kms } }), user('bob', { inline: { p: kms } })], RoleDetailList: [role('r', { inline: { p: kms } })] }, kp);
    // Roles and the root user carry no aws:username: the Deny holds for them.
    expect([useOf(r, ':user/alice'), useOf(r, ':user/bob'), useOf(r, ':role/r'), useOf(r, ':root')]).toEqual(['unconditional', 'missing', 'missing', 'missing']);
  });
});

describe('aws:PrincipalArn', () => {
  it('StringNotEqualsIgnoreCase in an identity "Deny unless" spares the role it names in another letter case', () => {
    const d = doc(allow('kms:Decrypt'), deny('kms:Decrypt', '*', { Condition: { StringNotEqualsIgnoreCase: { 'aws:PrincipalArn': roleArn('App').toLowerCase() } } }));
    expect(useOf(judge({ RoleDetailList: [role('App', { inline: { p: d } })] }), ':role/App')).toBe('unconditional');
  });

  it('a key-policy Allow to the account narrowed by StringEqualsIgnoreCase reaches the role', () => {
    const kp = doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*', Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalArn': roleArn('App').toLowerCase() } } });
    expect(useOf(judge({ RoleDetailList: [role('App', { inline: { p: kms } })] }, kp), ':role/App')).not.toBe('missing');
  });

  it('an SCP "Deny unless ArnNotLike arn:aws:iam::*:role/admin" spares admin only', () => {
    const scp = { id: 'p-x', document: doc(deny('kms:*', '*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin' } } })) };
    const r = judge({ RoleDetailList: [role('admin', { inline: { p: kms } }), role('other', { inline: { p: kms } })] }, DEFAULT_KEY_POLICY, memberOrg([scp]));
    expect([useOf(r, ':role/admin'), useOf(r, ':role/other'), useOf(r, ':root')]).toEqual(['unconditional', 'missing', 'missing']);
  });
});
