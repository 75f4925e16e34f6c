import { parseRuleParameters } from '../../rule/parameters';
import { applicability, type Applicability, type KnownResource } from '../../rule/applicability';

const defaults = parseRuleParameters({});
const included = { ...defaults, includeAwsManagedKeys: true };

describe('applicability', () => {
  it.each<[string, KnownResource, boolean, Applicability]>([
    ['deleted', { kind: 'deleted' }, false, { applicable: false, reason: 'deleted', annotation: 'The key was deleted.' }],
    ['out of scope', { kind: 'out-of-scope' }, false, { applicable: false, reason: 'out-of-scope', annotation: 'The key left the rule scope.' }],
    [
      'another resource type',
      { kind: 'other-resource-type', resourceType: 'AWS::S3::Bucket' },
      false,
      { applicable: false, reason: 'other-resource-type', annotation: 'This rule evaluates AWS::KMS::Key, not AWS::S3::Bucket.' },
    ],
    ['gone', { kind: 'gone' }, false, { applicable: false, reason: 'gone', annotation: 'The key no longer exists in this account and Region.' }],
    [
      'pending deletion',
      { kind: 'key', keyManager: 'CUSTOMER', keyState: 'PendingDeletion' },
      false,
      { applicable: false, reason: 'pending-deletion', annotation: 'The key is in state PendingDeletion.' },
    ],
    [
      'a replica pending deletion, even AWS-managed and included',
      { kind: 'key', keyManager: 'AWS', keyState: 'PendingReplicaDeletion' },
      true,
      { applicable: false, reason: 'pending-deletion', annotation: 'The key is in state PendingReplicaDeletion.' },
    ],
    [
      'AWS-managed',
      { kind: 'key', keyManager: 'AWS', keyState: 'Enabled' },
      false,
      {
        applicable: false,
        reason: 'aws-managed',
        annotation: 'AWS-managed key: its policy is set by AWS (set IncludeAwsManagedKeys to evaluate it).',
      },
    ],
    ['AWS-managed with IncludeAwsManagedKeys', { kind: 'key', keyManager: 'AWS', keyState: 'Enabled' }, true, { applicable: true }],
    ['a disabled customer key', { kind: 'key', keyManager: 'CUSTOMER', keyState: 'Disabled' }, false, { applicable: true }],
    ['a key whose manager and state are unknown', { kind: 'key' }, false, { applicable: true }],
  ])('%s', (_name, resource, includeAwsManaged, expected) => {
    expect(applicability(resource, includeAwsManaged ? included : defaults)).toEqual(expected);
  });

  it('cuts an annotation naming a very long resource type to 256 characters', () => {
    const gate = applicability({ kind: 'other-resource-type', resourceType: `AWS::${'X'.repeat(400)}` }, defaults);
    expect(gate.annotation.length).toBe(256);
  });
});
