/**
 * The KMS actions a key policy can grant, split into the two sides of the rewrite. The action list, its
 * classes and the matching of action patterns come from the engine (generated from the Service
 * Authorization Reference), so the remediation and the checks never disagree about what an action is.
 * Actions without a key resource (kms:CreateKey, kms:ListKeys, kms:GenerateRandom) cannot be granted by a
 * key policy and are left out (https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html).
 *
 * The split follows the AWS console's default key policy: "key administrators" get the management actions,
 * "key users" get the cryptographic operations, and both get the two metadata reads a user needs to call the
 * key (DescribeKey, GetPublicKey). Grant management counts as administration: a grant hands out use, so
 * whoever creates grants decides who uses the key.
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)
 */
import { actionNames, KMS_ACTIONS, matchActionPattern, type ActionClass } from '../engine';

export type KeyActionRole = 'administration' | 'use' | 'shared';

/** Metadata reads a key user needs before calling the key (the console gives users kms:DescribeKey). */
const SHARED_READS = new Set(['DescribeKey', 'GetPublicKey']);

function roleOf(name: string, actionClass: ActionClass): KeyActionRole {
  switch (actionClass) {
    case 'cryptographic':
      return 'use';
    case 'administration':
    case 'grant':
      return 'administration';
    case 'read':
      return SHARED_READS.has(name) ? 'shared' : 'administration';
  }
}

/** Canonical `kms:Name` of every action a key policy can grant, with its side in the rewrite. */
const KEY_POLICY_ACTIONS: ReadonlyMap<string, KeyActionRole> = new Map(
  KMS_ACTIONS.filter((a) => a.keyResource).map((a) => [`kms:${a.name}`, roleOf(a.name, a.actionClass)]),
);

export type KeyPolicyAction = string;

export const ALL_KEY_POLICY_ACTIONS: readonly KeyPolicyAction[] = [...KEY_POLICY_ACTIONS.keys()];

/** The rewrite side of a known key action; unknown actions are treated as administration. */
export function actionRole(action: KeyPolicyAction): KeyActionRole {
  return KEY_POLICY_ACTIONS.get(action) ?? 'administration';
}

/** The known key actions one Action/NotAction entry matches, as the engine reads it (case-insensitive, `*` and `?`). */
function actionsMatched(pattern: string): readonly string[] {
  const match = matchActionPattern(pattern);
  return match.kind === 'kms' ? actionNames(match.set).filter((a) => KEY_POLICY_ACTIONS.has(a)) : [];
}

/** The known key actions matched by at least one of the patterns. */
export function expandActionPatterns(patterns: readonly string[]): KeyPolicyAction[] {
  const matched = new Set(patterns.flatMap(actionsMatched));
  return ALL_KEY_POLICY_ACTIONS.filter((action) => matched.has(action));
}
