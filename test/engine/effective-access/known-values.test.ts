/**
 * Conditions whose value the inputs know for every principal of the account: aws:PrincipalIsAWSService is
 * "false" in every request of an IAM principal, and aws:PrincipalOrgID is the organisation's id when it is known.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
 */
import { compileAccount, effectiveAccess } from '../../../engine/index';
import { ACCOUNT, DEFAULT_KEY_POLICY, NO_ORG, ROOT, allow, doc, key, role, useOf, type Doc } from './build';

function useOfRole(identity: Doc, keyPolicy: unknown = DEFAULT_KEY_POLICY): string {
  const account = compileAccount({ RoleDetailList: [role('r', { inline: { p: identity } })] }, { accountId: ACCOUNT });
  return useOf(effectiveAccess(account, key(keyPolicy), NO_ORG), ':role/r');
}

describe('aws:PrincipalIsAWSService', () => {
  const isService = (value: string): Record<string, unknown> => ({ Bool: { 'aws:PrincipalIsAWSService': value } });

  it('a key-policy Deny "if not an AWS service" surely denies the IAM principals', () => {
    const kp = doc(DEFAULT_KEY_POLICY.Statement[0]!, { Effect: 'Deny', Principal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*', Condition: isService('false') });
    expect(useOfRole(doc(allow('kms:Decrypt')), kp)).toBe('missing');
  });

  it('an identity-policy Allow "if not an AWS service" surely holds; one "if an AWS service" never does', () => {
    expect(useOfRole(doc(allow('kms:Decrypt', '*', { Condition: isService('false') })))).toBe('unconditional');
    expect(useOfRole(doc(allow('kms:Decrypt', '*', { Condition: isService('true') })))).toBe('missing');
  });
});
