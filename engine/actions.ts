/**
 * KMS actions: the complete list (generated from the Service Authorization Reference into
 * data/kms-actions.json), this project's classification of each, and wildcard matching into bit sets.
 *
 * The Service Authorization Reference calls both key administration and key use "Write", so the
 * classification below is our own. Every action in the data file must appear in it (a test enforces that).
 */
import kmsActionData from './data/kms-actions.json';
import { globMatch } from './glob';
import { memoize } from './memo';

export const ACTION_CLASSES = ['administration', 'cryptographic', 'grant', 'read'] as const;
export type ActionClass = (typeof ACTION_CLASSES)[number];

export const ACTION_CLASS_LABELS: Record<ActionClass, string> = {
  administration: 'administration',
  cryptographic: 'cryptographic use',
  grant: 'grant management',
  read: 'read-only',
};

/**
 * Our classification. Actions without a key resource (CreateKey, GenerateRandom, ListKeys, custom key
 * stores) cannot be authorised by a key policy, but they are classified too so the table is complete.
 */
export const ACTION_CLASSIFICATION: Readonly<Record<string, ActionClass>> = {
  CancelKeyDeletion: 'administration',
  ConnectCustomKeyStore: 'administration',
  CreateAlias: 'administration',
  CreateCustomKeyStore: 'administration',
  CreateKey: 'administration',
  DeleteAlias: 'administration',
  DeleteCustomKeyStore: 'administration',
  DeleteImportedKeyMaterial: 'administration',
  DisableKey: 'administration',
  DisableKeyRotation: 'administration',
  DisconnectCustomKeyStore: 'administration',
  EnableKey: 'administration',
  EnableKeyRotation: 'administration',
  ImportKeyMaterial: 'administration',
  PutKeyPolicy: 'administration',
  ReplicateKey: 'administration',
  RotateKeyOnDemand: 'administration',
  ScheduleKeyDeletion: 'administration',
  SynchronizeMultiRegionKey: 'administration',
  TagResource: 'administration',
  UntagResource: 'administration',
  UpdateAlias: 'administration',
  UpdateCustomKeyStore: 'administration',
  UpdateKeyDescription: 'administration',
  UpdatePrimaryRegion: 'administration',

  Decrypt: 'cryptographic',
  DeriveSharedSecret: 'cryptographic',
  Encrypt: 'cryptographic',
  GenerateDataKey: 'cryptographic',
  GenerateDataKeyPair: 'cryptographic',
  GenerateDataKeyPairWithoutPlaintext: 'cryptographic',
  GenerateDataKeyWithoutPlaintext: 'cryptographic',
  GenerateMac: 'cryptographic',
  GenerateRandom: 'cryptographic',
  ReEncryptFrom: 'cryptographic',
  ReEncryptTo: 'cryptographic',
  Sign: 'cryptographic',
  Verify: 'cryptographic',
  VerifyMac: 'cryptographic',

  CreateGrant: 'grant',
  RetireGrant: 'grant',
  RevokeGrant: 'grant',

  DescribeCustomKeyStores: 'read',
  DescribeKey: 'read',
  GetKeyLastUsage: 'read',
  GetKeyPolicy: 'read',
  // Returns a wrapping public key and an import token; it changes nothing until ImportKeyMaterial (administration).
  GetParametersForImport: 'read',
  GetKeyRotationStatus: 'read',
  GetPublicKey: 'read',
  ListAliases: 'read',
  ListGrants: 'read',
  ListKeyPolicies: 'read',
  ListKeyRotations: 'read',
  ListKeys: 'read',
  ListResourceTags: 'read',
  ListRetirableGrants: 'read',
};

interface KmsActionInfo {
  /** Canonical name without prefix, e.g. `Decrypt`. */
  name: string;
  actionClass: ActionClass;
  /** Whether the action takes a key as its resource, and so can be granted by a key policy at all. */
  keyResource: boolean;
  /** The action's bit; 0 for actions a key policy cannot grant (they take no key). */
  bit: ActionSet;
}

/**
 * An action set: one bit per key-scoped action, plus FUTURE_BIT for KMS actions AWS adds later. Stored
 * in a plain number (up to 53 exact bits) rather than a bigint: the analysis combines sets constantly,
 * and bigint operations allocate on the heap.
 */
export type ActionSet = number;

const TWO32 = 4294967296;
const hi = (a: ActionSet): number => Math.floor(a / TWO32);

export function union(a: ActionSet, b: ActionSet): ActionSet {
  return ((hi(a) | hi(b)) >>> 0) * TWO32 + (((a >>> 0) | (b >>> 0)) >>> 0);
}

export function intersect(a: ActionSet, b: ActionSet): ActionSet {
  return ((hi(a) & hi(b)) >>> 0) * TWO32 + (((a >>> 0) & (b >>> 0)) >>> 0);
}

/** a without b. */
export function minus(a: ActionSet, b: ActionSet): ActionSet {
  return ((hi(a) & ~hi(b)) >>> 0) * TWO32 + (((a >>> 0) & ~(b >>> 0)) >>> 0);
}

let nextBit = 0;
export const KMS_ACTIONS: readonly KmsActionInfo[] = kmsActionData.actions.map((a) => ({
  name: a.name,
  actionClass: ACTION_CLASSIFICATION[a.name] ?? 'administration',
  keyResource: a.keyResource,
  bit: a.keyResource ? 2 ** nextBit++ : 0,
}));
if (nextBit > 52) throw new Error(`${nextBit} key-scoped KMS actions no longer fit an ActionSet number: widen ActionSet`);

/** Stands for every KMS action not in the data file (added after it was generated). */
export const FUTURE_BIT: ActionSet = 2 ** nextBit;
/** Every key-scoped action known today. */
const KEY_SCOPED: ActionSet = 2 ** nextBit - 1;
/** `kms:*` and `*`: every action, including those AWS adds later. */
export const ALL_ACTIONS: ActionSet = union(KEY_SCOPED, FUTURE_BIT);
export const NO_ACTIONS: ActionSet = 0;

const byLowerName = new Map(KMS_ACTIONS.map((a) => [a.name.toLowerCase(), a]));

export function actionBit(name: string): ActionSet {
  return byLowerName.get(name.toLowerCase())?.bit ?? NO_ACTIONS;
}

function classMask(actionClass: ActionClass): ActionSet {
  let mask = NO_ACTIONS;
  for (const a of KMS_ACTIONS) if (a.actionClass === actionClass) mask = union(mask, a.bit);
  return mask;
}

/**
 * Masks per class, over key-scoped actions (CreateKey, GenerateRandom, ListKeys and the custom key
 * store actions take no key, so a key policy cannot grant them). An unknown future action could be
 * anything, so FUTURE_BIT counts as administration and as cryptographic use: a grant of `kms:*` already
 * covers both, so this only matters for NotAction.
 */
export const CLASS_MASKS: Record<ActionClass, ActionSet> = {
  administration: union(classMask('administration'), FUTURE_BIT),
  cryptographic: union(classMask('cryptographic'), FUTURE_BIT),
  grant: classMask('grant'),
  read: classMask('read'),
};

export const PUT_KEY_POLICY: ActionSet = actionBit('PutKeyPolicy');
export const CREATE_GRANT: ActionSet = actionBit('CreateGrant');

type PatternMatch =
  | { kind: 'kms'; set: ActionSet; known: boolean }
  | { kind: 'other-service'; set: ActionSet }
  | { kind: 'invalid'; reason: string };

const CACHE_LIMIT = 10_000;

/**
 * Resolve one Action/NotAction entry to the KMS actions it matches.
 * `*` and `kms:*` also match actions AWS adds later; a narrower wildcard such as `kms:Get*` matches only
 * the actions known today (a later `Get…` action is unknown to us, so we do not claim it).
 */
export const matchActionPattern: (pattern: string) => PatternMatch = memoize(computeMatch, CACHE_LIMIT);

function computeMatch(pattern: string): PatternMatch {
  if (pattern === '*') return { kind: 'kms', set: ALL_ACTIONS, known: true };
  const colon = pattern.indexOf(':');
  if (colon <= 0 || colon === pattern.length - 1) {
    return { kind: 'invalid', reason: `"${pattern}" is not an action: write it as "service:Action", e.g. "kms:Decrypt"` };
  }
  const service = pattern.slice(0, colon);
  const name = pattern.slice(colon + 1);
  if (!/^[A-Za-z0-9*?-]+$/.test(service) || !/^[A-Za-z0-9*?]+$/.test(name)) {
    return { kind: 'invalid', reason: `"${pattern}" has characters an action name cannot contain` };
  }
  if (!globMatch(service, 'kms', true)) return { kind: 'other-service', set: NO_ACTIONS };
  if (/^\*+$/.test(name)) return { kind: 'kms', set: ALL_ACTIONS, known: true };
  let set = NO_ACTIONS;
  let known = false;
  for (const a of KMS_ACTIONS) {
    if (globMatch(name, a.name, true)) {
      set = union(set, a.bit);
      known = true;
    }
  }
  return { kind: 'kms', set, known };
}

/** Canonical names of the key-scoped actions in a set (plus a marker for actions added later). */
export function actionNames(set: ActionSet): string[] {
  return [...namesOf(set)];
}

// The same few sets recur across policies (kms:*, the usual administrator and user lists): name each once.
const namesOf = memoize((set: ActionSet): readonly string[] => {
  const out: string[] = [];
  for (const a of KMS_ACTIONS) if (a.keyResource && hasAny(set, a.bit)) out.push(`kms:${a.name}`);
  if (hasAny(set, FUTURE_BIT)) out.push('kms:<actions added later>');
  return out;
}, CACHE_LIMIT);

/** Short human form of an action set: `kms:*` when it is everything, else the first few names. */
export function describeActions(set: ActionSet): string {
  return describe(set);
}

const describe = memoize((set: ActionSet): string => {
  const max = 5;
  if (intersect(set, ALL_ACTIONS) === ALL_ACTIONS) return 'kms:*, every action including those added later';
  const names = namesOf(set);
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}, CACHE_LIMIT);

export function hasAny(set: ActionSet, mask: ActionSet): boolean {
  return intersect(set, mask) !== NO_ACTIONS;
}
