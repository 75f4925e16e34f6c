/**
 * KMS's default key policy, as CreateKey attaches it when none is given
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 */

/** The policy KMS attaches to a key created without one: the account may use and manage the key through IAM alone. */
export function defaultKeyPolicy(partition: string, account: string): unknown {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}
