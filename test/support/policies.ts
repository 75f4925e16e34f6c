/** Small builders for hand-written policies in tests. */
export const OWN = '111122223333';
export const FOREIGN = '444455556666';
export const ROOT = `arn:aws:iam::${OWN}:root`;
export const FOREIGN_ROOT = `arn:aws:iam::${FOREIGN}:root`;
export const ADMIN_ROLE = `arn:aws:iam::${OWN}:role/KeyAdmin`;
export const APP_ROLE = `arn:aws:iam::${OWN}:role/App`;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function allow(principal: Json, action: Json, extra: Record<string, Json> = {}): Record<string, Json> {
  return { Effect: 'Allow', Principal: principal, Action: action, Resource: '*', ...extra };
}

export function deny(principal: Json, action: Json, extra: Record<string, Json> = {}): Record<string, Json> {
  return { Effect: 'Deny', Principal: principal, Action: action, Resource: '*', ...extra };
}

export function policy(...statements: Record<string, Json>[]): { Version: string; Statement: Record<string, Json>[] } {
  return { Version: '2012-10-17', Statement: statements };
}

export const ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];
export const USE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];
