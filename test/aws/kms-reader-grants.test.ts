/**
 * KmsKeyReader.grants: ListGrants page after page under the shared rate limit, retried on throttling, and a
 * failure (of any page) reported as a failed read, never as "no grants".
 */
import { KMSClient, KMSServiceException, ListGrantsCommand, type GrantListEntry } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsKeyReader, type KmsOperation } from '../../aws/kms-reader';
import { TokenBucket } from '../../runtime/token-bucket';
import { VirtualClock } from '../rule/support';

const kms = mockClient(KMSClient);
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = 'arn:aws:iam::111122223333:role/App';

function awsError(name: string, status: number): KMSServiceException {
  return new KMSServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });
}

function reader(): { reader: KmsKeyReader; requests: KmsOperation[]; clock: VirtualClock } {
  const clock = new VirtualClock(0);
  const requests: KmsOperation[] = [];
  return { reader: new KmsKeyReader({ kms: new KMSClient({ region: 'us-east-1' }), limiter: new TokenBucket(1, clock, 1), clock, retry: { random: () => 0.5 }, onRequest: (op) => requests.push(op) }), requests, clock };
}

const entry = (id: string): GrantListEntry => ({ GrantId: id, GranteePrincipal: ROLE, Operations: ['Decrypt'] });

beforeEach(() => kms.reset());

describe('KmsKeyReader.grants', () => {
  it('reads every page, 100 grants a page, following the marker', async () => {
    kms
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100 })
      .resolves({ Grants: [entry('g1'), entry('g2')], Truncated: true, NextMarker: 'm1' })
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100, Marker: 'm1' })
      .resolves({ Grants: [entry('g3')], Truncated: false });
    const { reader: r, requests, clock } = reader();
    const read = await r.grants(KEY);
    expect(read).toEqual({ ok: true, value: { grants: [expect.objectContaining({ grantId: 'g1' }), expect.objectContaining({ grantId: 'g2' }), expect.objectContaining({ grantId: 'g3' })], problems: [] } });
    expect(kms.commandCalls(ListGrantsCommand).map((c) => c.args[0].input)).toEqual([
      { KeyId: KEY, Limit: 100 },
      { KeyId: KEY, Limit: 100, Marker: 'm1' },
    ]);
    // Both pages passed the rate limit of one request a second.
    expect(requests).toEqual(['kms:ListGrants', 'kms:ListGrants']);
    expect(clock.now()).toBeGreaterThanOrEqual(1000);
  });

  it('reads a key without grants as an empty list', async () => {
    kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
    expect(await reader().reader.grants(KEY)).toEqual({ ok: true, value: { grants: [], problems: [] } });
  });

  it('retries a throttled page and goes on', async () => {
    kms
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100 })
      .resolves({ Grants: [entry('g1')], Truncated: true, NextMarker: 'm1' })
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100, Marker: 'm1' })
      .rejectsOnce(awsError('ThrottlingException', 400))
      .resolves({ Grants: [entry('g2')], Truncated: false });
    const { reader: r, requests } = reader();
    const read = await r.grants(KEY);
    expect(read.ok && read.value.grants.map((g) => g.grantId)).toEqual(['g1', 'g2']);
    expect(requests).toEqual(['kms:ListGrants', 'kms:ListGrants', 'kms:ListGrants']);
  });

  it('fails the whole read when a later page is denied: a partial list would pass for every grant', async () => {
    kms
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100 })
      .resolves({ Grants: [entry('g1')], Truncated: true, NextMarker: 'm1' })
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100, Marker: 'm1' })
      .rejects(awsError('AccessDeniedException', 400));
    const read = await reader().reader.grants(KEY);
    expect(read).toMatchObject({ ok: false, operation: 'kms:ListGrants', kind: 'access-denied', errorName: 'AccessDeniedException' });
  });

  it('reports access denied on the first page, without retrying', async () => {
    kms.on(ListGrantsCommand).rejects(awsError('AccessDeniedException', 400));
    const { reader: r, requests } = reader();
    expect(await r.grants(KEY)).toMatchObject({ ok: false, operation: 'kms:ListGrants', kind: 'access-denied' });
    expect(requests).toEqual(['kms:ListGrants']);
  });

  it('reports throttling that outlasts the retries as throttled', async () => {
    kms.on(ListGrantsCommand).rejects(awsError('ThrottlingException', 400));
    const { reader: r, requests } = reader();
    expect(await r.grants(KEY)).toMatchObject({ ok: false, operation: 'kms:ListGrants', kind: 'throttled', errorName: 'ThrottlingException' });
    expect(requests).toHaveLength(6);
  });

  it('follows a NextMarker even when the page does not say Truncated (as the SDK paginator does), never taking the first page as the whole list', async () => {
    kms
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100 })
      .resolves({ Grants: [entry('g1')], NextMarker: 'm1' })
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100, Marker: 'm1' })
      .resolves({ Grants: [entry('g2')], Truncated: false });
    const read = await reader().reader.grants(KEY);
    expect(read.ok && read.value.grants.map((g) => g.grantId)).toEqual(['g1', 'g2']);
  });

  it.each([
    ['no answer at all', undefined],
    ['a truncated page without a marker', { Grants: [entry('g1')], Truncated: true }],
    ['a page whose Grants is an object, not a list', { Grants: { GrantId: 'g1' }, Truncated: false }],
    ['a page whose Grants is text', { Grants: 'g1', Truncated: false }],
    ['a page whose NextMarker is no text', { Grants: [entry('g1')], Truncated: true, NextMarker: 7 }],
    ['a page that gives back the marker it was asked with', { Grants: [entry('g1')], Truncated: true, NextMarker: 'same' }],
  ])('fails on %s rather than taking the grants as none', async (_what, answer) => {
    kms.on(ListGrantsCommand).resolves(answer as never);
    expect(await reader().reader.grants(KEY)).toMatchObject({ ok: false, operation: 'kms:ListGrants', kind: 'error', errorName: 'InvalidResponse' });
  });

  it('passes on what could not be read of an entry, with the entry', async () => {
    kms.on(ListGrantsCommand).resolves({ Grants: [{ GranteePrincipal: ROLE, Operations: ['Decrypt'] }], Truncated: false });
    const read = await reader().reader.grants(KEY);
    expect(read).toEqual({ ok: true, value: { grants: [expect.objectContaining({ grantId: '#0' })], problems: [{ index: 0, grantId: '#0', message: 'it has no GrantId' }] } });
  });
});
