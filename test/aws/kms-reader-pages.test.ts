/**
 * KmsKeyReader.listKeys and .tags on malformed pages: a page that is not what KMS documents fails the read
 * (InvalidResponse), never throws a TypeError past the caller, and never ends a paginated list early.
 */
import { KMSClient, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsKeyReader } from '../../aws/kms-reader';
import { TokenBucket } from '../../runtime/token-bucket';
import { VirtualClock } from '../rule/support';

const kms = mockClient(KMSClient);
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER = '0987dcba-09fe-87dc-65ba-ab0987654321';

function reader(): KmsKeyReader {
  const clock = new VirtualClock(0);
  return new KmsKeyReader({ kms: new KMSClient({ region: 'us-east-1' }), limiter: new TokenBucket(100, clock, 100), clock, retry: { random: () => 0.5 } });
}

beforeEach(() => kms.reset());

describe('KmsKeyReader.listKeys', () => {
  it('follows a NextMarker even when the page does not say Truncated', async () => {
    kms
      .on(ListKeysCommand, { Limit: 1000 })
      .resolves({ Keys: [{ KeyId: KEY }], NextMarker: 'm1' })
      .on(ListKeysCommand, { Limit: 1000, Marker: 'm1' })
      .resolves({ Keys: [{ KeyId: OTHER }], Truncated: false });
    expect(await reader().listKeys()).toEqual([{ keyId: KEY }, { keyId: OTHER }]);
  });

  it.each([
    ['Keys is an object, not a list', { Keys: { KeyId: KEY }, Truncated: false }],
    ['an entry of Keys is null', { Keys: [null], Truncated: false }],
    ['a truncated page has no marker', { Keys: [{ KeyId: KEY }], Truncated: true }],
    ['a page gives back the marker it was asked with', { Keys: [{ KeyId: KEY }], Truncated: true, NextMarker: 'same' }],
  ])('fails with InvalidResponse when %s', async (_what, answer) => {
    kms.on(ListKeysCommand).resolves(answer as never);
    await expect(reader().listKeys()).rejects.toMatchObject({ name: 'InvalidResponse' });
  });
});

describe('KmsKeyReader.tags', () => {
  it('follows a NextMarker even when the page does not say Truncated', async () => {
    kms
      .on(ListResourceTagsCommand, { KeyId: KEY })
      .resolves({ Tags: [{ TagKey: 'a', TagValue: '1' }], NextMarker: 'm1' })
      .on(ListResourceTagsCommand, { KeyId: KEY, Marker: 'm1' })
      .resolves({ Tags: [{ TagKey: 'b', TagValue: '2' }], Truncated: false });
    const read = await reader().tags(KEY);
    expect(read.ok && { ...read.value }).toEqual({ a: '1', b: '2' });
  });

  it.each([
    ['Tags is an object, not a list', { Tags: { TagKey: 'a' }, Truncated: false }],
    ['an entry of Tags is null', { Tags: [null], Truncated: false }],
    ['a truncated page has no marker', { Tags: [{ TagKey: 'a', TagValue: '1' }], Truncated: true }],
    ['the answer is no object', undefined],
  ])('fails the read with InvalidResponse when %s', async (_what, answer) => {
    kms.on(ListResourceTagsCommand).resolves(answer as never);
    await expect(reader().tags(KEY)).resolves.toMatchObject({ ok: false, operation: 'kms:ListResourceTags', kind: 'error', errorName: 'InvalidResponse' });
  });
});
