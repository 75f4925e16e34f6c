/** scan --exemption-tag-key: the rule's exemption tag, read only when it could matter, never hiding a finding. */
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListGrantsCommand, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../support/cli';
import { OWN, ROOT, APP_ROLE, allow, policy } from '../support/policies';

const kms = mockClient(KMSClient);
const sts = mockClient(STSClient);
const REGION = 'eu-west-1';
const arn = (id: string) => `arn:aws:kms:${REGION}:${OWN}:key/${id}`;
const TAG = 'kpg-exempt';

const POLICIES: Record<string, string> = {
  'k-wide': JSON.stringify(policy({ Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') })),
  'k-clean': JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']))),
  'k-broken': '{"Version": "2012-10-17"}',
  'k-public': JSON.stringify(policy({ Sid: 'Public', ...allow({ AWS: '*' }, 'kms:Decrypt') }, { Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') })),
};

interface Out {
  results: { keyArn: string; findings: { checkId: string; suppression?: { kind: string; reason: string } }[]; warnings: { code: string; message: string }[] }[];
  summary: { findings: { new: number; unchanged: number; suppressed: number; fixed: number } };
}

function keys(ids: string[]): void {
  kms.on(ListKeysCommand).resolves({ Keys: ids.map((id) => ({ KeyId: id, KeyArn: arn(id) })), Truncated: false });
  kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
  kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }) => ({ KeyMetadata: { KeyId: input.KeyId, Arn: arn(input.KeyId), KeyManager: 'CUSTOMER', KeyState: 'Enabled' } }));
  kms.on(GetKeyPolicyCommand).callsFake(async (input: { KeyId: string }) => ({ Policy: POLICIES[input.KeyId], PolicyName: 'default' }));
  kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
}

const scan = async (more: string[] = []) => {
  const r = await runCli(['scan', '--regions', REGION, '--no-effective-access', '--format', 'json', '--exemption-tag-key', TAG, ...more]);
  return { ...r, out: JSON.parse(r.stdout) as Out };
};

beforeEach(() => {
  kms.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/Auditor/s`, UserId: 'AROA:s' });
});

afterAll(() => {
  kms.restore();
  sts.restore();
});

describe('scan --exemption-tag-key', () => {
  it('marks the findings of a key whose tag has a value (found on a later page), the value as the reason; they no longer fail the run', async () => {
    keys(['k-wide']);
    kms
      .on(ListResourceTagsCommand)
      .resolvesOnce({ Tags: [{ TagKey: 'owner', TagValue: 'team-a' }], Truncated: true, NextMarker: 'm1' })
      .resolvesOnce({ Tags: [{ TagKey: TAG, TagValue: '  Break-glass key, SEC-1234  ' }], Truncated: false });
    const r = await scan();
    expect(r.out.results[0]?.findings).toEqual([expect.objectContaining({ checkId: 'ACCOUNT_WIDE_FULL_ACCESS', suppression: { kind: 'exemption-tag', reason: 'Break-glass key, SEC-1234' } })]);
    expect(kms.commandCalls(ListResourceTagsCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: 'k-wide' }, { KeyId: 'k-wide', Marker: 'm1' }]);
    expect(r.out.summary.findings).toEqual({ new: 0, unchanged: 0, suppressed: 1, fixed: 0 });
    expect(r.code).toBe(0);
  });

  it('reads no tags for a key without findings that count (none, or all below --min-severity)', async () => {
    keys(['k-clean', 'k-wide']);
    kms.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
    await scan(['--min-severity', 'critical']);
    expect(kms.commandCalls(ListResourceTagsCommand)).toHaveLength(0);
    kms.resetHistory();
    await scan();
    expect(kms.commandCalls(ListResourceTagsCommand).map((c) => c.args[0].input.KeyId)).toEqual(['k-wide']);
  });

  it('applies no exemption for an empty value, and says so', async () => {
    keys(['k-wide']);
    kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: TAG, TagValue: '  ' }], Truncated: false });
    const r = await scan();
    expect(r.out.results[0]?.findings[0]?.suppression).toBeUndefined();
    expect(r.out.results[0]?.warnings).toEqual([expect.objectContaining({ code: 'EXEMPTION_NOT_APPLIED', message: expect.stringContaining('has an empty value') })]);
    expect(r.code).toBe(1);
  });

  it('applies no exemption when the tags cannot be read, and says which permission', async () => {
    keys(['k-wide']);
    kms.on(ListResourceTagsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const r = await scan();
    expect(r.out.results[0]?.findings[0]?.suppression).toBeUndefined();
    expect(r.out.results[0]?.warnings[0]?.message).toMatch(/kms:ListResourceTags failed with AccessDeniedException; no exemption applied/);
    expect(r.code).toBe(1);
  });

  it('never exempts a policy that cannot be parsed', async () => {
    keys(['k-broken']);
    kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: TAG, TagValue: 'accepted by the security team' }], Truncated: false });
    const r = await scan();
    expect(r.out.results[0]?.findings.every((f) => f.suppression === undefined)).toBe(true);
    expect(r.out.results[0]?.warnings[0]?.message).toMatch(/INVALID_POLICY/);
    expect(r.code).toBe(2);
  });

  it('cannot exempt a key with a finding of a non-suppressible check (PUBLIC_ACCESS by default), as the rule: none of its findings is accepted', async () => {
    keys(['k-public']);
    kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: TAG, TagValue: 'accepted by the security team' }], Truncated: false });
    const r = await scan();
    expect(r.out.results[0]?.findings.map((f) => f.checkId)).toContain('PUBLIC_ACCESS');
    expect(r.out.results[0]?.findings.every((f) => f.suppression === undefined)).toBe(true);
    expect(r.out.results[0]?.warnings[0]?.message).toBe(
      `exemption tag ${TAG}: cannot exempt PUBLIC_ACCESS (non-suppressible checks: PUBLIC_ACCESS; --non-suppressible-checks); no finding of the key was accepted`,
    );
    expect(r.code).toBe(1);
  });

  it('--non-suppressible-checks NONE lets the tag accept every check; a named check is refused', async () => {
    keys(['k-public']);
    kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: TAG, TagValue: 'accepted by the security team' }], Truncated: false });
    const none = await scan(['--non-suppressible-checks', 'none']);
    expect(none.out.results[0]?.findings.every((f) => f.suppression?.kind === 'exemption-tag')).toBe(true);
    expect(none.code).toBe(0);
    // Empty is the default (PUBLIC_ACCESS), as in the rule: never "no check".
    const empty = await scan(['--non-suppressible-checks', ' ']);
    expect(empty.out.results[0]?.findings.every((f) => f.suppression === undefined)).toBe(true);
    const named = await scan(['--non-suppressible-checks', 'account_wide_full_access']);
    expect(named.out.results[0]?.findings.every((f) => f.suppression === undefined)).toBe(true);
    expect(named.out.results[0]?.warnings[0]?.message).toMatch(/cannot exempt ACCOUNT_WIDE_FULL_ACCESS/);
  });

  it.each<[string[], string]>([
    [['--non-suppressible-checks', 'INVALID_POLICY'], '--non-suppressible-checks: INVALID_POLICY is never suppressible'],
    [['--non-suppressible-checks', 'NONE,PUBLIC_ACCESS'], '--non-suppressible-checks: NONE stands alone'],
  ])('refuses %j with exit 2', async (args, message) => {
    const r = await runCli(['scan', '--regions', REGION, '--no-effective-access', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('does nothing without the flag: no tag is read', async () => {
    keys(['k-wide']);
    const r = await runCli(['scan', '--regions', REGION, '--no-effective-access', '--format', 'json']);
    expect(kms.commandCalls(ListResourceTagsCommand)).toHaveLength(0);
    expect(r.code).toBe(1);
  });
});
