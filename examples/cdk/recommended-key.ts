import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface RecommendedKeyStackProps extends StackProps {
  /**
   * Roles that administer the key: they manage it and its policy, and cannot use it. Include the role
   * CloudFormation deploys with (for the CDK's default bootstrap, cdk-hnb659fds-cfn-exec-role-ACCOUNT-REGION):
   * KMS refuses a policy that would not let the creating principal call PutKeyPolicy again.
   */
  readonly keyAdminRoleArns: readonly string[];
  /** Roles that encrypt and decrypt with the key, and may let AWS services use it on their behalf. */
  readonly keyUserRoleArns: readonly string[];
}

/** Administration only: no Encrypt, Decrypt, GenerateDataKey or CreateGrant (`kms:Create*` would include it). */
const KEY_ADMINISTRATION = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:PutKeyPolicy',
  'kms:UpdateKeyDescription',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

const KEY_USAGE = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

export class RecommendedKeyStack extends Stack {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: RecommendedKeyStackProps) {
    super(scope, id, props);
    const admins = props.keyAdminRoleArns.map((arn) => new iam.ArnPrincipal(arn));
    const users = props.keyUserRoleArns.map((arn) => new iam.ArnPrincipal(arn));
    this.key = new kms.Key(this, 'Key', {
      description: 'Orders table key: named administrators and users, no account-wide access',
      enableKeyRotation: true,
      // A policy given here replaces the default one (account root with kms:*) instead of adding to it.
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ sid: 'KeyAdministration', principals: admins, actions: KEY_ADMINISTRATION, resources: ['*'] }),
          new iam.PolicyStatement({ sid: 'KeyUsage', principals: users, actions: KEY_USAGE, resources: ['*'] }),
          // Grants let an AWS service (EBS, RDS, …) use the key for the user; the condition refuses any other grant.
          new iam.PolicyStatement({
            sid: 'GrantsForAwsResourcesOnly',
            principals: users,
            actions: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
            resources: ['*'],
            conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
          }),
        ],
      }),
    });
  }
}
