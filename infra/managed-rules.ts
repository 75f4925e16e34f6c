/**
 * The AWS managed rules of the conformance pack, with what they map to and why each is there: the one place the
 * pack README's mapping is generated from (npm run docs:pack), beside the checks' own metadata. The pack YAML
 * stays the single deployable source; a test holds the two to the same rules.
 *
 * Control ids come from the Security Hub CSPM user guide: the table "Mapping of controls to CIS requirements in
 * each version" (CIS AWS Foundations Benchmark in Security Hub CSPM) for the CIS ids, and the per-service
 * control pages (Security Hub CSPM controls for AWS KMS, Amazon EC2, Amazon RDS, Amazon EFS, AWS CloudTrail)
 * for the FSBP control each Config rule backs. Ids only: the benchmark's text is licensed.
 */
import type { ComplianceMapping } from '../engine';

export interface ManagedRule {
  /** The rule's logical id in the pack template. */
  readonly logicalId: string;
  readonly configRuleName: string;
  /** Source.SourceIdentifier: the AWS managed rule. */
  readonly identifier: string;
  readonly compliance: ComplianceMapping;
  /** Why it is in the pack. */
  readonly why: string;
  /** The pack parameter that turns the rule off, for a rule some Regions lack. */
  readonly switchParameter?: string;
}

/** The pack parameter that deploys (`true`, the default) or leaves out KMS_KEY_POLICY_NO_PUBLIC_ACCESS. */
export const KMS_KEY_POLICY_NO_PUBLIC_ACCESS_PARAMETER = 'KmsKeyPolicyNoPublicAccessRule';

/**
 * Regions where AWS Config does not offer KMS_KEY_POLICY_NO_PUBLIC_ACCESS, from the rule's page in the AWS
 * Config developer guide ("All supported AWS Regions except ..."); successive versions of that page name
 * different sets, and this is every Region any of them names. A pack that includes the rule fails to deploy
 * there: set the parameter to false for such a Region (an organisation pack is deployed per Region).
 */
export const KMS_KEY_POLICY_NO_PUBLIC_ACCESS_MISSING_REGIONS: readonly { readonly region: string; readonly name: string }[] = [
  { region: 'us-gov-east-1', name: 'AWS GovCloud (US-East)' },
  { region: 'us-gov-west-1', name: 'AWS GovCloud (US-West)' },
  { region: 'ca-west-1', name: 'Canada West (Calgary)' },
  { region: 'ap-southeast-5', name: 'Asia Pacific (Malaysia)' },
  { region: 'ap-southeast-6', name: 'Asia Pacific (New Zealand)' },
  { region: 'ap-southeast-7', name: 'Asia Pacific (Thailand)' },
  { region: 'ap-east-2', name: 'Asia Pacific (Taipei)' },
  { region: 'mx-central-1', name: 'Mexico (Central)' },
];

export const MANAGED_RULES: readonly ManagedRule[] = [
  {
    logicalId: 'KmsKeyPolicyNoPublicAccess',
    configRuleName: 'kms-key-policy-no-public-access',
    identifier: 'KMS_KEY_POLICY_NO_PUBLIC_ACCESS',
    // KMS.5 (Security Hub CSPM controls for AWS KMS) runs this rule; it lists no CIS requirement.
    compliance: { cisV5: 'none', cisV1: 'none', fsbp: ['KMS.5'] },
    why: "AWS's own public-access check beside PUBLIC_ACCESS, as defence in depth: a second, independent reading of the same key policies, and the rule behind Security Hub's KMS.5.",
    switchParameter: KMS_KEY_POLICY_NO_PUBLIC_ACCESS_PARAMETER,
  },
  {
    logicalId: 'Ec2EbsEncryptionByDefault',
    configRuleName: 'ec2-ebs-encryption-by-default',
    identifier: 'EC2_EBS_ENCRYPTION_BY_DEFAULT',
    // EC2.7: CIS v5.0.0 5.1.1, v1.4.0 2.2.1.
    compliance: { cisV5: ['5.1.1'], cisV1: ['2.2.1'], fsbp: ['EC2.7'] },
    why: 'New EBS volumes are encrypted with a KMS key without anyone asking for it.',
  },
  {
    logicalId: 'EncryptedVolumes',
    configRuleName: 'encrypted-volumes',
    identifier: 'ENCRYPTED_VOLUMES',
    // EC2.3 lists no CIS requirement.
    compliance: {
      cisV5: 'none',
      cisV1: 'none',
      fsbp: ['EC2.3'],
      note: 'Security Hub relates the CIS EBS recommendation (5.1.1, formerly 2.2.1) to the account default (EC2.7) only; this rule checks the volumes attached now.',
    },
    why: 'Volumes created before encryption by default was turned on stay unencrypted; this finds them.',
  },
  {
    logicalId: 'RdsStorageEncrypted',
    configRuleName: 'rds-storage-encrypted',
    identifier: 'RDS_STORAGE_ENCRYPTED',
    // RDS.3: CIS v5.0.0 2.2.1, v1.4.0 2.3.1.
    compliance: { cisV5: ['2.2.1'], cisV1: ['2.3.1'], fsbp: ['RDS.3'] },
    why: 'RDS instances are encrypted at rest with a KMS key.',
  },
  {
    logicalId: 'EfsEncryptedCheck',
    configRuleName: 'efs-encrypted-check',
    identifier: 'EFS_ENCRYPTED_CHECK',
    // EFS.1: CIS v5.0.0 2.3.1, v3.0.0 2.4.1; Security Hub maps it to no v1.4.0 requirement.
    compliance: {
      cisV5: ['2.3.1'],
      cisV1: ['2.4.1'],
      fsbp: ['EFS.1'],
      note: '2.4.1 is the v1.5.0 (and v3.0.0) number: v1.4.0 has no EFS recommendation.',
    },
    why: 'EFS file systems are encrypted at rest with a KMS key (periodic rule).',
  },
  {
    logicalId: 'CloudTrailEncryptionEnabled',
    configRuleName: 'cloud-trail-encryption-enabled',
    identifier: 'CLOUD_TRAIL_ENCRYPTION_ENABLED',
    // CloudTrail.2: CIS v5.0.0 3.5, v1.4.0 3.7.
    compliance: { cisV5: ['3.5'], cisV1: ['3.7'], fsbp: ['CloudTrail.2'] },
    why: 'CloudTrail logs, the record of every key use, are encrypted with a KMS key (periodic rule).',
  },
  {
    logicalId: 'CmkBackingKeyRotationEnabled',
    configRuleName: 'cmk-backing-key-rotation-enabled',
    identifier: 'CMK_BACKING_KEY_ROTATION_ENABLED',
    // KMS.4: CIS v5.0.0 3.6, v1.4.0 3.8.
    compliance: { cisV5: ['3.6'], cisV1: ['3.8'], fsbp: ['KMS.4'] },
    why: 'Customer managed symmetric keys rotate their key material (periodic rule).',
  },
  {
    logicalId: 'KmsCmkNotScheduledForDeletion',
    configRuleName: 'kms-cmk-not-scheduled-for-deletion',
    identifier: 'KMS_CMK_NOT_SCHEDULED_FOR_DELETION',
    // KMS.3 lists no CIS requirement.
    compliance: {
      cisV5: 'none',
      cisV1: 'none',
      fsbp: ['KMS.3'],
      note: 'Security Hub runs KMS.3 with its own rule (kms-cmk-not-scheduled-for-deletion-2), which checks the same thing.',
    },
    why: 'A key scheduled for deletion takes every ciphertext under it along; this says so during the waiting period.',
  },
];
