/**
 * KMS grants: the other way, beside the key policy, to let a principal use a key. A grant never appears in
 * the key policy, and lets its grantee perform its operations whatever the key policy and IAM say
 * (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
 */

/** One grant of the key, as ListGrants answers it (GrantListEntry), in the engine's terms. */
export interface KeyGrant {
  grantId: string;
  name?: string;
  /** ARN of the grantee: an IAM principal (role, user, account root) or an AWS service principal. */
  granteePrincipal?: string;
  /** Who may retire the grant. */
  retiringPrincipal?: string;
  /** The account that created the grant. */
  issuingAccount?: string;
  /** The grant's operations as ListGrants writes them, without the `kms:` prefix (e.g. `Decrypt`). */
  operations: readonly string[];
  /** Encryption-context constraints: the grant only applies to requests whose context matches. */
  constraints?: {
    encryptionContextSubset?: Readonly<Record<string, string>>;
    encryptionContextEquals?: Readonly<Record<string, string>>;
  };
}
