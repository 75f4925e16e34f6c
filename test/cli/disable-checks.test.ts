/** --disable-checks in check-template and scan: the checks named are not run, and the report says which. */
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListGrantsCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { OWN, ROOT, allow, policy } from '../support/policies';

interface JsonOut {
  results: { findings: { checkId: string }[] }[];
  notes: string[];
}

const NOTE = 'checks not run (--disable-checks): ACCOUNT_WIDE_FULL_ACCESS';

describe('--disable-checks', () => {
  it('check-template leaves the checks out and names them in a note', async () => {
    const template = join(__dirname, '..', 'fixtures', 'templates', 'cloudformation', 'kms-key-admin-and-user.json');
    const all = JSON.parse((await runCli(['check-template', '--format', 'json', '--account-id', OWN, template])).stdout) as JsonOut;
    expect(all.results.flatMap((r) => r.findings.map((f) => f.checkId))).toContain('UNTRUSTED_CROSS_ACCOUNT');
    const r = await runCli(['check-template', '--format', 'json', '--account-id', OWN, '--disable-checks', 'untrusted_cross_account', template]);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results.flatMap((x) => x.findings.map((f) => f.checkId))).not.toContain('UNTRUSTED_CROSS_ACCOUNT');
    expect(out.notes).toContain('checks not run (--disable-checks): UNTRUSTED_CROSS_ACCOUNT');
  });

  it('scan leaves the checks out and names them in a note', async () => {
    const kms = mockClient(KMSClient);
    const sts = mockClient(STSClient);
    try {
      const keyArn = `arn:aws:kms:eu-west-1:${OWN}:key/k1`;
      sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/Auditor/s`, UserId: 'AROA:s' });
      kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'k1', KeyArn: keyArn }], Truncated: false });
      kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
      kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k1', Arn: keyArn, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
      kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(policy(allow({ AWS: ROOT }, 'kms:*'))), PolicyName: 'default' });
      kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
      const scan = (more: string[]) => runCli(['scan', '--regions', 'eu-west-1', '--no-effective-access', '--format', 'json', ...more]);
      expect((JSON.parse((await scan([])).stdout) as JsonOut).results[0]?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
      const r = await scan(['--disable-checks', 'ACCOUNT_WIDE_FULL_ACCESS']);
      const out = JSON.parse(r.stdout) as JsonOut;
      expect(out.results[0]?.findings).toEqual([]);
      expect(out.notes).toContain(NOTE);
      expect(r.code).toBe(0);
    } finally {
      kms.restore();
      sts.restore();
    }
  });

  it.each(['check-template', 'scan'])('%s refuses INVALID_POLICY with exit 2 and says why', async (command) => {
    const r = await runCli([command, '--disable-checks', 'INVALID_POLICY', ...(command === 'scan' ? [] : ['-'])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kms-policy-guard: --disable-checks: INVALID_POLICY cannot be disabled: a policy that cannot be parsed is never compliant\n');
  });
});
