/**
 * A policy variable in Resource or NotResource takes its value from the request ("You can use policy variables in
 * the Resource element"): it is not literal text, so it may match the key, under conditions the inputs cannot know.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
import { compileAccount, effectiveAccess } from '../../../engine/index';
import { ACCOUNT, DEFAULT_KEY_POLICY, KEY_ARN, NO_ORG, allow, doc, key, role, useOf } from './build';

function useOfRole(resource: string | string[], negated = false): string {
  const statement = negated ? { Effect: 'Allow', Action: 'kms:Decrypt', NotResource: resource } : allow('kms:Decrypt', resource);
  const account = compileAccount({ RoleDetailList: [role('r', { inline: { p: doc(statement) } })] }, { accountId: ACCOUNT });
  return useOf(effectiveAccess(account, key(DEFAULT_KEY_POLICY), NO_ORG), ':role/r');
}

describe('policy variables in Resource', () => {
  it.each([
    ['the key id from a principal tag', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/\${aws:PrincipalTag/kmskey}`, 'conditional'],
    ['the whole ARN from a variable', '${aws:PrincipalTag/keyarn}', 'conditional'],
    ['the account from aws:PrincipalAccount', 'arn:aws:kms:eu-west-1:${aws:PrincipalAccount}:key/*', 'conditional'],
    ['a variable in another Region still cannot match', `arn:aws:kms:us-east-1:${ACCOUNT}:key/\${aws:username}`, 'missing'],
    ['a literal key ARN beside it still matches surely', [KEY_ARN, `arn:aws:kms:eu-west-1:${ACCOUNT}:key/\${aws:username}`], 'unconditional'],
  ])('%s', (_, resource, expected) => {
    expect(useOfRole(resource)).toBe(expected);
  });

  it('NotResource with a variable may or may not exclude the key: conditional', () => {
    expect(useOfRole(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/\${aws:PrincipalTag/kmskey}`, true)).toBe('conditional');
  });
});
