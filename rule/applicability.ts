/**
 * The applicability gate: whether the rule judges a resource at all, decided once per resource from what is
 * known before its policy is read, as rdklib's `is_applicable` does. A resource the rule has no business with is
 * NOT_APPLICABLE with an annotation that says why; every other key goes on to be judged (rule/verdict.ts).
 *
 * What is known of a resource:
 * - from the event or Config's records: out of the rule's scope, another resource type, deleted;
 * - from the stale clean-up or a second NotFoundException: gone from the account and Region;
 * - from the configuration item or DescribeKey: who manages the key and its state. A key pending deletion
 *   is on its way out; an AWS-managed key's policy is set by AWS (judged only with IncludeAwsManagedKeys).
 *
 * The gate is asked once per key, as soon as these are known and before the policy is read; again only when a
 * later read brings new facts (GetKeyPolicy answers NotFoundException and a second DescribeKey finds the key gone,
 * or scheduled for deletion meanwhile).
 *
 * An exemption is not a matter of applicability: it makes a key with findings COMPLIANT, saying so, and only
 * once its policy was read and judged (rule/verdict.ts).
 */
import { isPendingDeletion } from '../aws/key-state';
import { clip } from './annotation';
import type { RuleParameters } from './parameters';

export type KnownResource =
  | { kind: 'deleted' }
  | { kind: 'out-of-scope' }
  | { kind: 'other-resource-type'; resourceType: string }
  | { kind: 'gone' }
  | { kind: 'key'; keyManager?: string; keyState?: string };

export type NotApplicableReason = 'deleted' | 'out-of-scope' | 'other-resource-type' | 'gone' | 'pending-deletion' | 'aws-managed';

export interface NotApplicable {
  applicable: false;
  reason: NotApplicableReason;
  annotation: string;
}

export type Applicability = { applicable: true } | NotApplicable;

const notApplicable = (reason: NotApplicableReason, annotation: string): NotApplicable => ({ applicable: false, reason, annotation });

/** Whatever the parameters, a resource that is not a present key is never applicable. */
export function applicability(resource: Exclude<KnownResource, { kind: 'key' }>, params: Pick<RuleParameters, 'includeAwsManagedKeys'>): NotApplicable;
export function applicability(resource: KnownResource, params: Pick<RuleParameters, 'includeAwsManagedKeys'>): Applicability;
export function applicability(resource: KnownResource, params: Pick<RuleParameters, 'includeAwsManagedKeys'>): Applicability {
  switch (resource.kind) {
    case 'deleted':
      return notApplicable('deleted', 'The key was deleted.');
    case 'out-of-scope':
      return notApplicable('out-of-scope', 'The key left the rule scope.');
    case 'other-resource-type':
      return notApplicable('other-resource-type', clip(`This rule evaluates AWS::KMS::Key, not ${resource.resourceType}.`));
    case 'gone':
      return notApplicable('gone', 'The key no longer exists in this account and Region.');
    case 'key':
      if (isPendingDeletion(resource.keyState)) return notApplicable('pending-deletion', `The key is in state ${resource.keyState ?? ''}.`);
      if (resource.keyManager === 'AWS' && !params.includeAwsManagedKeys) {
        return notApplicable('aws-managed', 'AWS-managed key: its policy is set by AWS (set IncludeAwsManagedKeys to evaluate it).');
      }
      return { applicable: true };
    default: {
      const unreachable: never = resource;
      throw new Error(`unhandled resource ${JSON.stringify(unreachable)}`);
    }
  }
}
