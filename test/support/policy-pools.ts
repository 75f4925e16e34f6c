/**
 * The pools the property tests draw key-policy statements from (test/engine/properties.test.ts: recall
 * properties; test/engine/witness.property.test.ts: every finding has a witness): principals, actions and
 * conditions that exercise every class of principal, action and condition the engine tells apart, and the
 * statements built from them.
 */
import fc from 'fast-check';
import { ADMIN_ROLE, APP_ROLE, FOREIGN, FOREIGN_ROOT, OWN, ROOT, type Json } from './policies';

export const principalPool = fc.constantFrom<Json>(
  '*',
  { AWS: '*' },
  { AWS: ROOT },
  { AWS: OWN },
  { AWS: FOREIGN_ROOT },
  { AWS: ADMIN_ROLE },
  { AWS: APP_ROLE },
  { AWS: [ADMIN_ROLE, APP_ROLE] },
  { AWS: `arn:aws:iam::${FOREIGN}:role/Reader` },
  { AWS: 'AROAEXAMPLEID1234567' },
  { Service: 'cloudtrail.amazonaws.com' },
  { Service: 'logs.us-east-1.amazonaws.com', AWS: ROOT },
);
export const actionPool = fc.constantFrom<Json>(
  'kms:*',
  '*',
  'kms:Decrypt',
  ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
  'kms:PutKeyPolicy',
  ['kms:CreateGrant', 'kms:ListGrants'],
  'kms:Get*',
  'kms:DescribeKey',
  ['kms:ScheduleKeyDeletion', 'kms:Sign'],
  ['kms:RevokeGrant', 'kms:RetireGrant'],
);
export const conditionPool = fc.constantFrom<Json | undefined>(
  undefined,
  undefined,
  { ArnEquals: { 'aws:PrincipalArn': APP_ROLE } },
  { ArnNotEquals: { 'aws:PrincipalArn': ADMIN_ROLE } },
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/app-*` } },
  { StringEquals: { 'kms:CallerAccount': OWN } },
  { StringNotEquals: { 'aws:PrincipalAccount': OWN } },
  { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } },
  { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
  { StringNotEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
  { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  { StringEquals: { 'aws:SourceAccount': OWN } },
  { Bool: { 'aws:SecureTransport': 'false' } },
  { StringEqualsIfExists: { 'aws:PrincipalArn': APP_ROLE } },
  { StringEquals: { 'aws:PrincipalTag/team': 'x' } },
  { StringNotEquals: { 'aws:PrincipalTag/team': 'x' } },
  { StringLike: { 'aws:userid': 'AROAJQABLZS4A3QDU576Q:*' } },
  { Bool: { 'aws:PrincipalIsAWSService': 'true' } },
  { StringEquals: { 'aws:SourceOrgID': 'o-foreign123' } },
  { StringEquals: { 'aws:PrincipalAccount': OWN, 'aws:PrincipalTag/team': 'x' } },
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${FOREIGN}:role/partner-*` }, StringEquals: { 'aws:PrincipalTag/team': 'x' } },
  { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${FOREIGN}:role/partner-prod-*` } },
  { StringEquals: { 'kms:EncryptionContext:app': 'billing' } },
  { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['app'] } },
  { 'ForAnyValue:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'CreateGrant'] } },
  { Null: { 'kms:EncryptionContext:app': 'false' } },
);
export const resourcePool = fc.constantFrom<Json>('*', '*', '*', 'arn:aws:s3:::bucket', `arn:aws:kms:us-east-1:${OWN}:key/abc`);

/** One statement drawn from the pools; `effect` fixes or weights its Effect (default: Allow or Deny alike). */
export function statementArb(effect: fc.Arbitrary<'Allow' | 'Deny'> = fc.constantFrom('Allow', 'Deny')): fc.Arbitrary<Record<string, Json>> {
  return fc
    .record({
      effect,
      principal: principalPool,
      notPrincipal: fc.boolean(),
      action: actionPool,
      notAction: fc.boolean(),
      condition: conditionPool,
      resource: resourcePool,
    })
    .map((s) => {
      const st: Record<string, Json> = { Effect: s.effect, Resource: s.resource };
      // NotPrincipal "*" cannot be written; use the object form.
      if (s.notPrincipal && s.principal !== '*') st.NotPrincipal = s.principal;
      else st.Principal = s.principal;
      st[s.notAction ? 'NotAction' : 'Action'] = s.action;
      if (s.condition !== undefined) st.Condition = s.condition;
      return st;
    });
}
