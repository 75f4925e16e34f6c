/**
 * Conditions whose value the inputs know for every principal of the account: aws:PrincipalIsAWSService is
 * "false" in every request of an IAM principal, and aws:PrincipalOrgID is the organisation's id when it is known.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
 */
import { compileAccount, effectiveAccess } from '../../../engine/index';
import type { OrganizationPolicies } from '../../../engine/effective-access/types';
import { ACCOUNT, DEFAULT_KEY_POLICY, NO_ORG, ROOT, allow, deny, doc, key, role, useOf, type Doc } from './build';

const ORG: OrganizationPolicies = { ...NO_ORG, inOrganization: true, organizationId: 'o-abc123' };

function useOfRole(identity: Doc, keyPolicy: unknown = DEFAULT_KEY_POLICY, org: OrganizationPolicies = NO_ORG): string {
  const account = compileAccount({ RoleDetailList: [role('r', { inline: { p: identity } })] }, { accountId: ACCOUNT });
  return useOf(effectiveAccess(account, key(keyPolicy), org), ':role/r');
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

describe('aws:PrincipalOrgID in identity policies', () => {
  const denyOutside = doc(allow('kms:*'), deny('kms:*', '*', { Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } }));

  it('"Deny unless in my organisation" does not touch the principals of an account of that organisation', () => {
    expect(useOfRole(denyOutside, DEFAULT_KEY_POLICY, ORG)).toBe('unconditional');
  });

  it('denies them in another organisation or in none (the key is then absent), and leaves them conditional when the organisation is not known', () => {
    expect(useOfRole(denyOutside, DEFAULT_KEY_POLICY, { ...ORG, organizationId: 'o-other1' })).toBe('missing');
    expect(useOfRole(denyOutside, DEFAULT_KEY_POLICY, NO_ORG)).toBe('missing');
    expect(useOfRole(denyOutside, DEFAULT_KEY_POLICY, { ...ORG, organizationId: undefined })).toBe('conditional');
  });

  it('a key-policy "Deny unless in my organisation" to everyone spares the account of that organisation', () => {
    const kp = doc(DEFAULT_KEY_POLICY.Statement[0]!, { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } });
    expect([useOfRole(doc(allow('kms:*')), kp, ORG), useOfRole(doc(allow('kms:*')), kp, { ...ORG, organizationId: 'o-other1' })]).toEqual(['unconditional', 'missing']);
  });

  it('one compiled account judged for two organisations gives each its own answer', () => {
    const account = compileAccount({ RoleDetailList: [role('r', { inline: { p: denyOutside } })] }, { accountId: ACCOUNT });
    const k = key(DEFAULT_KEY_POLICY);
    expect(useOf(effectiveAccess(account, k, { ...ORG, organizationId: 'o-other1' }), ':role/r')).toBe('missing');
    expect(useOf(effectiveAccess(account, k, ORG), ':role/r')).toBe('unconditional');
    expect(useOf(effectiveAccess(account, k, undefined), ':role/r')).toBe('conditional');
  });
});
