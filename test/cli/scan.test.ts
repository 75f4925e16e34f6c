import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListKeysCommand, type KeyMetadata } from '@aws-sdk/client-kms';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createScanAws } from '../../cli/aws/scan-aws';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import { runCli } from '../support/cli';
import { APP_ROLE, FOREIGN_ROOT, OWN, ROOT, allow, policy } from '../support/policies';

const kms = mockClient(KMSClient);
const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
const org = mockClient(OrganizationsClient);

const REGION = 'eu-west-1';
const arn = (id: string, account = OWN, region = REGION) => `arn:aws:kms:${region}:${account}:key/${id}`;
const awsError = (name: string) => Object.assign(new Error(`${name} (test)`), { name, $metadata: { httpStatusCode: 400 } });

const POLICIES: Record<string, string> = {
  'key-root': JSON.stringify(policy({ Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') })),
  'key-clean': JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']))),
  'key-foreign': JSON.stringify(policy(allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt']))),
  'key-aws-managed': JSON.stringify(policy(allow({ AWS: '*' }, 'kms:*'))),
  'key-pending': JSON.stringify(policy(allow({ AWS: '*' }, 'kms:*'))),
};
const METADATA: Record<string, Partial<KeyMetadata>> = {
  'key-aws-managed': { KeyManager: 'AWS', KeyState: 'Enabled' },
  'key-pending': { KeyManager: 'CUSTOMER', KeyState: 'PendingDeletion' },
};

/** One account's KMS: ListKeys in two pages, aliases, DescribeKey and GetKeyPolicy from the tables above. */
function standardKms(account = OWN): void {
  const ids = Object.keys(POLICIES);
  kms.on(ListKeysCommand).callsFake(async (input: { Marker?: string }) => {
    const start = input.Marker === undefined ? 0 : Number(input.Marker);
    const page = ids.slice(start, start + 3);
    const next = start + 3 < ids.length ? String(start + 3) : undefined;
    return { Keys: page.map((id) => ({ KeyId: id, KeyArn: arn(id, account) })), Truncated: next !== undefined, NextMarker: next };
  });
  kms.on(ListAliasesCommand).resolves({
    Aliases: [
      { AliasName: 'alias/root-b', TargetKeyId: 'key-root' },
      { AliasName: 'alias/root-a', TargetKeyId: 'key-root' },
      { AliasName: 'alias/aws/ebs', TargetKeyId: 'key-aws-managed' },
      { AliasName: 'alias/aws/unused' },
    ],
    Truncated: false,
  });
  kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }) => ({
    KeyMetadata: { KeyId: input.KeyId, Arn: arn(input.KeyId, account), KeyManager: 'CUSTOMER', KeyState: 'Enabled', ...METADATA[input.KeyId] },
  }));
  kms.on(GetKeyPolicyCommand).callsFake(async (input: { KeyId: string }) => ({ Policy: POLICIES[input.KeyId], PolicyName: 'default' }));
}

interface JsonOut {
  results: { file: string; keyArn?: string; account?: string; region?: string; aliases?: string[]; error?: string; findings: { checkId: string }[]; unreadable?: { operation: string; errorName: string } }[];
  summary: { inputs: number; unreadable: number };
  notes: string[];
}

beforeEach(() => {
  kms.reset();
  sts.reset();
  ec2.reset();
  org.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/Auditor/session`, UserId: 'AROA:session' });
  standardKms();
});

describe('scan', () => {
  it('reads every page of keys and prints the check JSON shape with keyArn, account, region and aliases', async () => {
    const r = await runCli(['scan', '--regions', REGION, '--format', 'json']);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results.map((x) => x.keyArn)).toEqual([arn('key-clean'), arn('key-foreign'), arn('key-root')]);
    const root = out.results.find((x) => x.keyArn === arn('key-root'));
    expect(root).toMatchObject({ file: arn('key-root'), account: OWN, region: REGION, aliases: ['alias/root-a', 'alias/root-b'] });
    expect(root?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    expect(out.results.find((x) => x.keyArn === arn('key-foreign'))?.findings.map((f) => f.checkId)).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
    expect(out.results.find((x) => x.keyArn === arn('key-clean'))?.findings).toEqual([]);
    expect(kms.commandCalls(ListKeysCommand)).toHaveLength(2);
    expect(kms.commandCalls(ListKeysCommand)[1]?.args[0].input.Marker).toBe('3');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('3 keys judged in 1 account/Region pair, 2 skipped');
  });

  it('skips AWS-managed keys and keys pending deletion, says how many, and judges them with --include-aws-managed', async () => {
    const skipped = JSON.parse((await runCli(['scan', '--regions', REGION, '--format', 'json'])).stdout) as JsonOut;
    expect(skipped.notes).toEqual(['skipped 1 AWS-managed key and 1 key pending deletion; pass --include-aws-managed to judge them too']);
    // No policy is read for a skipped key.
    expect(kms.commandCalls(GetKeyPolicyCommand).map((c) => c.args[0].input.KeyId).sort()).toEqual(['key-clean', 'key-foreign', 'key-root']);

    const all = JSON.parse((await runCli(['scan', '--regions', REGION, '--format', 'json', '--include-aws-managed'])).stdout) as JsonOut;
    expect(all.notes).toEqual([]);
    expect(all.results).toHaveLength(5);
    expect(all.results.find((x) => x.keyArn === arn('key-aws-managed'))?.aliases).toEqual(['alias/aws/ebs']);
    expect(all.results.find((x) => x.keyArn === arn('key-pending'))?.findings.map((f) => f.checkId)).toContain('PUBLIC_ACCESS');
  });

  it('reports a key whose GetKeyPolicy or DescribeKey fails as unreadable, never clean, goes on, and exits 2', async () => {
    kms.on(GetKeyPolicyCommand, { KeyId: 'key-clean' }).rejects(awsError('AccessDeniedException'));
    kms.on(DescribeKeyCommand, { KeyId: 'key-foreign' }).rejects(awsError('NotFoundException'));
    const r = await runCli(['scan', '--regions', REGION, '--format', 'json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as JsonOut;
    const clean = out.results.find((x) => x.keyArn === arn('key-clean'));
    expect(clean?.error).toMatch(/^unreadable: kms:GetKeyPolicy failed with AccessDeniedException/);
    expect(clean?.unreadable).toMatchObject({ operation: 'kms:GetKeyPolicy', errorName: 'AccessDeniedException' });
    expect(out.results.find((x) => x.keyArn === arn('key-foreign'))?.unreadable).toMatchObject({ operation: 'kms:DescribeKey', errorName: 'NotFoundException' });
    expect(out.results.find((x) => x.keyArn === arn('key-root'))?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    expect(out.summary.unreadable).toBe(2);
    expect(r.stderr).toContain(`${arn('key-clean')}: unreadable`);
    // Even with --fail-on none, an unreadable key is not a pass.
    expect((await runCli(['scan', '--regions', REGION, '--fail-on', 'none'])).code).toBe(2);
  });

  it('retries a throttled read and then judges the key', async () => {
    kms.on(GetKeyPolicyCommand, { KeyId: 'key-root' }).rejectsOnce(awsError('ThrottlingException')).resolves({ Policy: POLICIES['key-root'] });
    const out = JSON.parse((await runCli(['scan', '--regions', REGION, '--format', 'json'])).stdout) as JsonOut;
    expect(out.results.find((x) => x.keyArn === arn('key-root'))?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    expect(kms.commandCalls(GetKeyPolicyCommand, { KeyId: 'key-root' })).toHaveLength(2);
  });

  it('reports an account and Region whose ListKeys fails, and scans the other Regions', async () => {
    kms.on(ListKeysCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'us-east-1') throw awsError('AccessDeniedException');
      return { Keys: [{ KeyId: 'key-root', KeyArn: arn('key-root', OWN, region) }], Truncated: false };
    });
    kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }, getClient) => ({
      KeyMetadata: { KeyId: input.KeyId, Arn: arn(input.KeyId, OWN, await getClient().config.region()), KeyManager: 'CUSTOMER', KeyState: 'Enabled' },
    }));
    ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'us-east-1' }, { RegionName: REGION }] });
    // The SDK reads the Region of the credential chain from the process environment.
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = REGION;
    const r = await runCli(['scan', '--regions', 'all', '--format', 'json']).finally(() => {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    });
    expect(ec2.commandCalls(DescribeRegionsCommand)[0]?.args[0].input).toEqual({});
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results.map((x) => [x.file, x.error === undefined ? 'judged' : x.error.split(' (')[0]])).toEqual([
      [arn('key-root'), 'judged'],
      [`${OWN}/us-east-1`, 'kms:ListKeys failed'],
    ]);
    expect(r.code).toBe(2);
  });

  it('scans an organisation: ListAccounts (active only, every page), AssumeRole per account, a failing account reported', async () => {
    org.on(ListAccountsCommand).resolvesOnce({ Accounts: [{ Id: '222222222222', State: 'ACTIVE' }, { Id: '333333333333', State: 'SUSPENDED' }], NextToken: 't' }).resolves({
      Accounts: [{ Id: '444444444444', State: 'ACTIVE' }, { Id: '555555555555', Status: 'ACTIVE' }],
    });
    sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => {
      const account = input.RoleArn.split(':')[4] as string;
      if (account === '555555555555') throw awsError('AccessDenied');
      return { Credentials: { AccessKeyId: `AKIA${account}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) } };
    });
    const accountOf = async (getClient: () => KMSClient) => (await getClient().config.credentials()).accessKeyId.slice(4);
    kms.on(ListKeysCommand).callsFake(async (_input, getClient) => {
      const account = await accountOf(getClient);
      return { Keys: [{ KeyId: 'key-root', KeyArn: arn('key-root', account) }], Truncated: false };
    });
    kms.on(DescribeKeyCommand).callsFake(async (_input, getClient) => ({
      KeyMetadata: { Arn: arn('key-root', await accountOf(getClient)), KeyManager: 'CUSTOMER', KeyState: 'Enabled' },
    }));
    kms.on(GetKeyPolicyCommand).callsFake(async (_input, getClient) => {
      const account = await accountOf(getClient);
      return { Policy: JSON.stringify(policy(allow({ AWS: `arn:aws:iam::${account}:root` }, 'kms:*'))) };
    });

    const r = await runCli(['scan', '--regions', REGION, '--role-name', 'KmsPolicyGuardAudit', '--accounts', 'all', '--format', 'json']);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn).sort()).toEqual([
      'arn:aws:iam::222222222222:role/KmsPolicyGuardAudit',
      'arn:aws:iam::444444444444:role/KmsPolicyGuardAudit',
      'arn:aws:iam::555555555555:role/KmsPolicyGuardAudit',
    ]);
    expect(out.results.map((x) => [x.account, x.keyArn ?? x.file, x.error === undefined ? x.findings.map((f) => f.checkId) : 'error'])).toEqual([
      ['222222222222', arn('key-root', '222222222222'), ['ACCOUNT_WIDE_FULL_ACCESS']],
      ['444444444444', arn('key-root', '444444444444'), ['ACCOUNT_WIDE_FULL_ACCESS']],
      ['555555555555', `555555555555/${REGION}`, 'error'],
    ]);
    expect(out.results[2]?.error).toContain('sts:AssumeRole of role KmsPolicyGuardAudit failed');
    expect(r.code).toBe(2);
  });

  it('scans the listed accounts of --accounts without asking Organizations', async () => {
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) } });
    await runCli(['scan', '--regions', REGION, '--role-name', 'Audit', '--accounts', '222222222222,444444444444']);
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(0);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it.each([
    [['scan', '--accounts', 'all'], '--accounts needs --role-name'],
    [['scan', '--regions', 'mars-1'], '--regions: "mars-1" is not a Region name'],
    [['scan', '--regions', REGION, '--concurrency', '0'], '--concurrency: "0" must be a whole number'],
    [['scan', '--regions', REGION, '--accounts', '12', '--role-name', 'R'], '--accounts: "12" is not a 12-digit AWS account id'],
  ])('rejects bad usage %j with exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('says what failed when the credentials do not work', async () => {
    sts.on(GetCallerIdentityCommand).rejects(awsError('InvalidClientTokenId'));
    const r = await runCli(['scan', '--regions', REGION]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sts:GetCallerIdentity (are AWS credentials configured?) failed (InvalidClientTokenId');
  });

  it('writes the report to --output and keeps standard output empty', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kpg-scan-')), 'report.html');
    const r = await runCli(['scan', '--regions', REGION, '--format', 'html', '--output', file]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`report written to ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain(arn('key-root'));
    expect(html).toContain('class="cell level-unconditional"');
  });

  it('draws a progress bar on stderr in a terminal only', async () => {
    const drawn: string[] = [];
    const stream = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          drawn.push(chunk.toString());
          done();
        },
      }),
      { isTTY: true, columns: 120, cursorTo: (_x: number, _y?: number, cb?: () => void) => (cb?.(), true), clearLine: (_d: number, cb?: () => void) => (cb?.(), true), moveCursor: (_x: number, _y: number, cb?: () => void) => (cb?.(), true) },
    );
    const io = (isTty: boolean): CliIo => ({ stdout: () => {}, stderr: () => {}, readStdin: async () => '', isTty, env: {} });
    await main(['scan', '--regions', REGION], io(true), { progressStream: stream });
    expect(drawn.join('')).toMatch(/scanning \[.*\] \d+\/5 keys/);
    drawn.length = 0;
    await main(['scan', '--regions', REGION], io(false), { progressStream: stream });
    expect(drawn).toEqual([]);
  });
});

describe('scan credentials', () => {
  it('resolves --profile from the shared credentials file and uses it for KMS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-profile-'));
    writeFileSync(join(dir, 'credentials'), '[auditor]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = secret\n');
    writeFileSync(join(dir, 'config'), '[profile auditor]\nregion = ap-southeast-2\n');
    const saved = { ...process.env };
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_REGION;
    try {
      const aws = createScanAws({ profile: 'auditor' });
      expect(await aws.defaultRegion()).toBe('ap-southeast-2');
      const client = await aws.kms({ account: OWN, region: 'ap-southeast-2' }, 'aws');
      expect((await client.config.credentials()).accessKeyId).toBe('AKIAPROFILE');
    } finally {
      process.env = saved;
    }
  });
});
