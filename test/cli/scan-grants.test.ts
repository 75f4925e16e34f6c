/**
 * `scan` and the keys' grants: read by default (ListGrants, every page, under --max-rps), judged with the policy,
 * carried in the JSON entry (`grants`), shown in the access matrix; a key whose grants cannot be read is
 * incomplete (error, exit 2), never clean; `--no-grants` reads none.
 */
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListGrantsCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { APP_ROLE, OWN, allow, policy } from '../support/policies';

const kms = mockClient(KMSClient);
const sts = mockClient(STSClient);
const REGION = 'eu-west-1';
const KEY = 'key-clean';
const KEY_ARN = `arn:aws:kms:${REGION}:${OWN}:key/${KEY}`;
const PARTNER = 'arn:aws:iam::444455556666:role/PartnerApp';
const denied = () => Object.assign(new Error('not authorized (test)'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });

interface JsonOut {
  results: { keyArn: string; error?: string; findings: { checkId: string; path: string; principals: string[]; fingerprint?: string; suppression?: { kind: string } }[]; grants?: unknown; unreadable?: unknown }[];
  summary: { unreadable: number; findings: { new: number; unchanged: number; fixed: number } };
}

beforeEach(() => {
  kms.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/Auditor/session`, UserId: 'AROA:session' });
  kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: KEY, KeyArn: KEY_ARN }], Truncated: false });
  kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY, Arn: KEY_ARN, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
  // Clean on its own: one role of the key's account may decrypt.
  kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']))), PolicyName: 'default' });
});

describe('scan reads the grants', () => {
  it('judges every page of grants with the policy and puts them in the JSON entry', async () => {
    kms
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100 })
      .resolves({ Grants: [{ GrantId: 'g-own', GranteePrincipal: APP_ROLE, Operations: ['Decrypt'] }], Truncated: true, NextMarker: 'm' })
      .on(ListGrantsCommand, { KeyId: KEY, Limit: 100, Marker: 'm' })
      .resolves({ Grants: [{ GrantId: 'g-partner', GranteePrincipal: PARTNER, Operations: ['Decrypt'] }], Truncated: false });
    const r = await runCli(['scan', '--regions', REGION, '--format', 'json', '--fail-on', 'none']);
    const out = JSON.parse(r.stdout) as JsonOut;
    const [entry] = out.results;
    expect(entry?.findings.map((f) => [f.checkId, f.path, f.principals])).toEqual([['UNTRUSTED_GRANTEE', 'grants[g-partner]', [PARTNER]]]);
    expect(entry?.grants).toEqual([
      { grantId: 'g-own', granteePrincipal: APP_ROLE, operations: ['Decrypt'] },
      { grantId: 'g-partner', granteePrincipal: PARTNER, operations: ['Decrypt'] },
    ]);
    expect(entry?.error).toBeUndefined();
    expect(r.code).toBe(0);
  });

  it('a key whose grants cannot be read is incomplete: error, exit 2, never clean', async () => {
    kms.on(ListGrantsCommand).rejects(denied());
    const r = await runCli(['scan', '--regions', REGION, '--format', 'json']);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results).toEqual([
      expect.objectContaining({
        keyArn: KEY_ARN,
        findings: [],
        grants: null,
        unreadable: { operation: 'kms:ListGrants', errorName: 'AccessDeniedException', kind: 'access-denied' },
        error: expect.stringMatching(/^incomplete: kms:ListGrants failed with AccessDeniedException; the key's grants were not judged, only its policy \(grant kms:ListGrants to the scanning principal, or pass --no-grants\)$/),
      }),
    ]);
    expect(out.summary.unreadable).toBe(1);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1 key whose grants could not be read');
  });

  it('keeps the policy findings of a key whose grants cannot be read, and still exits 2', async () => {
    kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(policy(allow({ AWS: `arn:aws:iam::${OWN}:root` }, 'kms:*'))), PolicyName: 'default' });
    kms.on(ListGrantsCommand).rejects(denied());
    const r = await runCli(['scan', '--regions', REGION, '--format', 'json', '--fail-on', 'none']);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results[0]?.findings.map((f) => f.checkId)).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    expect(out.results[0]?.error).toMatch(/^incomplete: kms:ListGrants/);
    expect(r.code).toBe(2);
  });

  it('shows the grant ids beside the statements in the HTML access matrix', async () => {
    kms.on(ListGrantsCommand).resolves({ Grants: [{ GrantId: 'g-partner', GranteePrincipal: PARTNER, Operations: ['Decrypt'] }], Truncated: false });
    const r = await runCli(['scan', '--regions', REGION, '--format', 'html', '--fail-on', 'none']);
    expect(r.stdout).toMatch(/<tr><th scope="row">role arn:aws:iam::444455556666:role\/PartnerApp<\/th><td class="cell level-none"[^>]*><span class="level">none<\/span><\/td><td class="cell level-unconditional"[^>]*><span class="level">unconditional<\/span><span class="links"> <a class="grant" href="#key-0-g0" title="g-partner">grant g-partner<\/a><\/span><\/td>/);
    expect(r.stdout).toContain('<div class="stmt" id="key-0-g0"><div class="stmt-head">Grant <code>g-partner</code></div>');
  });

  it('--no-grants reads no grants and judges the policy alone', async () => {
    kms.on(ListGrantsCommand).rejects(denied());
    const r = await runCli(['scan', '--regions', REGION, '--format', 'json', '--no-grants']);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(kms.commandCalls(ListGrantsCommand)).toHaveLength(0);
    // Said, not left out: a reader of the JSON must not take the key as one without grants.
    expect(out.results[0]?.grants).toBe('not-read');
    expect(out.results[0]?.error).toBeUndefined();
    expect(r.code).toBe(0);
  });

  it('fingerprints a grant finding by its grant: another grant listed before it changes nothing, the baseline holds', async () => {
    const partner = { GrantId: 'g-partner', GranteePrincipal: PARTNER, Operations: ['Decrypt' as const] };
    const baseline = join(mkdtempSync(join(tmpdir(), 'kpg-grants-')), 'baseline.json');
    kms.on(ListGrantsCommand).resolves({ Grants: [partner], Truncated: false });
    const first = JSON.parse((await runCli(['scan', '--regions', REGION, '--format', 'json', '--fail-on', 'none', '--write-baseline', baseline])).stdout) as JsonOut;
    const other = { GrantId: 'g-other', GranteePrincipal: 'arn:aws:iam::777788889999:role/Other', Operations: ['Encrypt' as const] };
    kms.on(ListGrantsCommand).resolves({ Grants: [other, partner], Truncated: false });
    const r = await runCli(['scan', '--regions', REGION, '--format', 'json', '--baseline', baseline]);
    const second = JSON.parse(r.stdout) as JsonOut;
    const fingerprintOf = (out: JsonOut, path: string) => out.results[0]?.findings.find((f) => f.path === path)?.fingerprint;
    expect(fingerprintOf(second, 'grants[g-partner]')).toBe(fingerprintOf(first, 'grants[g-partner]'));
    expect(fingerprintOf(second, 'grants[g-other]')).not.toBe(fingerprintOf(second, 'grants[g-partner]'));
    // Only the new grant's finding counts.
    expect(second.summary.findings).toMatchObject({ new: 1, unchanged: 1, fixed: 0 });
    expect(r.code).toBe(1);
  });
});
