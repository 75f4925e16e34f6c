/**
 * KMS key states (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html) that the rule and the
 * scan treat alike.
 */

/** States of a key on its way out: its policy can no longer be used to grant anything new. */
const PENDING_DELETION_STATES: ReadonlySet<string> = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

export function isPendingDeletion(keyState: string | undefined): boolean {
  return keyState !== undefined && PENDING_DELETION_STATES.has(keyState);
}
