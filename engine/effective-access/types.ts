/**
 * The answer to "who in this account can actually use or administer this key": the key policy, the key's
 * grants, the identity policies of every role and user, their permission boundaries, and the organisation's
 * service control and resource control policies, evaluated together.
 */

/** How far a principal gets: always, only under conditions, or not at all. */
export type EffectiveLevel = 'unconditional' | 'conditional' | 'none';

/** One policy element that decides a principal's access. */
export interface AccessVia {
  source: 'key-policy' | 'grant' | 'identity-policy' | 'permissions-boundary' | 'scp' | 'rcp';
  effect: 'Allow' | 'Deny';
  /**
   * The policy: a managed policy's ARN, `inline:<role|user|group>/<name>/<policy name>` for an inline policy,
   * an SCP or RCP id (`p-…`); unset for the key policy and for grants.
   */
  policy?: string;
  /** Zero-based statement index in that policy (the key policy's too). */
  statementIndex?: number;
  sid?: string;
  /** The grant id, for `source: 'grant'`. */
  grantId?: string;
  /** What this element decides. */
  decides: readonly ('use' | 'administer')[];
}

export interface EffectivePrincipal {
  /** Role or user ARN, or `arn:<partition>:iam::<account>:root` for the account's root user. */
  arn: string;
  type: 'role' | 'user' | 'root';
  /** Any cryptographic action of the key (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, Sign, …). */
  use: EffectiveLevel;
  /** Any administrative action of the key (PutKeyPolicy, ScheduleKeyDeletion, CreateGrant, …). */
  administer: EffectiveLevel;
  via: AccessVia[];
  /**
   * Set on a role that principals outside the account can become: who its trust policy names (other
   * accounts, identity providers, IAM Identity Center, `*`).
   */
  assumableBy?: string[];
}

export interface EffectiveAccess {
  /** False when an input could not be read or judged; `incompleteReasons` then says what and why. */
  complete: boolean;
  incompleteReasons: string[];
  /** What no answer from these inputs covers (session policies, VPC endpoint policies, …). */
  notCovered: string[];
  /** Principals whose `use` or `administer` is not `none`, sorted by ARN. */
  principals: EffectivePrincipal[];
}

/** One policy of the organisation, as Organizations DescribePolicy returns its content. */
export interface OrganizationPolicy {
  id: string;
  name?: string;
  /** The policy document as JSON text. */
  document: string;
}

/**
 * The service control and resource control policies that apply to the key's account, one entry per level of
 * its organisation path: the root, each OU down, then the account. At each level at least one policy must
 * allow; a Deny at any level denies.
 */
export interface OrganizationPolicies {
  /** False when the policies could not be read (not the management account or a delegated administrator). */
  readable: boolean;
  /** Why they could not be read, when `readable` is false. */
  reason?: string;
  /** The account is not in an organisation: no SCP or RCP applies. */
  inOrganization: boolean;
  /** SCPs and RCPs do not apply to the management account. */
  isManagementAccount: boolean;
  /** The organisation's id (o-…), when known: the aws:PrincipalOrgID of every principal of the account. */
  organizationId?: string;
  scps: { target: string; policies: OrganizationPolicy[] }[];
  /** Empty list of levels when RCPs are not enabled for the organisation. */
  rcps: { target: string; policies: OrganizationPolicy[] }[];
}

/**
 * The JSON of IAM GetAccountAuthorizationDetails, pages merged: as the SDK returns it, or as
 * `aws iam get-account-authorization-details` prints it. Policy documents may be URL-encoded JSON text (the
 * API), or objects (the AWS CLI decodes them); both are accepted.
 */
export interface AccountAuthorizationDetails {
  UserDetailList?: unknown[];
  GroupDetailList?: unknown[];
  RoleDetailList?: unknown[];
  Policies?: unknown[];
}

/**
 * An account's IAM (GetAccountAuthorizationDetails), parsed and compiled once, to be judged against many keys.
 * The engine adds what it needs; callers read only these fields.
 */
export interface CompiledAccount {
  accountId: string;
  partition: string;
  /** Roles and users read (the root user not counted). */
  principalCount: number;
  /** Documents that could not be read, each saying where and why; any makes every answer incomplete. */
  problems: string[];
}

/** A key to judge: its ARN, the engine's analysis of its policy, and its grants. */
export interface KeyToJudge {
  arn: string;
  analysis: import('../analyze').AnalysisResult;
  /** The key's grants; undefined when they were not read (the answer is then incomplete, never "no grants"). */
  grants?: readonly import('../key-grants').KeyGrant[];
  /** Why the grants are unknown, when they could not be read or were not asked for. */
  grantsUnknownReason?: string;
}

/** Signatures of the engine's functions (engine/index.ts exports `compileAccount` and `effectiveAccess`). */
export type CompileAccountFn = (details: unknown, options: { accountId: string; partition?: string }) => CompiledAccount;
/** `org` undefined: the organisation's policies were not read; the answer says so (`complete: false`). */
export type EffectiveAccessFn = (account: CompiledAccount, key: KeyToJudge, org: OrganizationPolicies | undefined) => EffectiveAccess;
