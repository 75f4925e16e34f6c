import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand, ListAliasesCommand, ListKeysCommand, type KeyMetadata } from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createScanAws } from '../../cli/aws/scan-aws';
import { describeError } from '../../cli/commands/scan-errors';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import type { Clock } from '../../runtime/clock';
import { runCli } from '../support/cli';
import { APP_ROLE, FOREIGN_ROOT, OWN, ROOT, allow, policy } from '../support/policies';
import { AssumeRoleError } from '../../aws/errors';

const kms = mockClient(KMSClient);
const sts = mockClient(STSClient);
const accountApi = mockClient(AccountClient);
const org = mockClient(OrganizationsClient);
const iam = mockClient(IAMClient);

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
  results: {
    file: string;
    keyArn?: string | null;
    account?: string;
    region?: string | null;
    aliases?: string[];
    keyManager?: string;
    keyState?: string;
    error?: string;
    findings: { checkId: string }[];
    unreadable?: { operation: string; errorName: string; kind: string };
  }[];
  summary: { inputs: number; unreadable: number };
  notes: string[];
}

/** Runs `body` with AWS_REGION set (the SDK reads the chain's Region from the process environment). */
async function withRegionEnv<T>(region: string, body: () => Promise<T>): Promise<T> {
  const saved = process.env.AWS_REGION;
  process.env.AWS_REGION = region;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved;
  }
}

/** Assumed-role credentials that name their account, so fakes can tell which account a client acts in. */
function assumeRoleNamingAccount(failing: Record<string, string> = {}): void {
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => {
    const account = input.RoleArn.split(':')[4] as string;
    const error = failing[account];
    if (error !== undefined) throw awsError(error);
    return { Credentials: { AccessKeyId: `AKIA${account}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) } };
  });
}
const accountOfClient = async (getClient: () => { config: { credentials: () => Promise<{ accessKeyId: string }> } }) =>
  (await getClient().config.credentials()).accessKeyId.slice(4);

/** One key, key-root, in every account and Region of an organisation scan (clients made by assumeRoleNamingAccount). */
function orgKms(): void {
  // getClient() names the client of the latest call, so it is read before anything is awaited.
  kms.on(ListKeysCommand).callsFake(async (_input, getClient) => {
    const client = getClient();
    const [account, region] = [await accountOfClient(() => client), await client.config.region()];
    return { Keys: [{ KeyId: 'key-root', KeyArn: arn('key-root', account, region) }], Truncated: false };
  });
  kms.on(DescribeKeyCommand).callsFake(async (_input, getClient) => {
    const client = getClient();
    const [account, region] = [await accountOfClient(() => client), await client.config.region()];
    return { KeyMetadata: { Arn: arn('key-root', account, region), KeyManager: 'CUSTOMER', KeyState: 'Enabled' } };
  });
}

beforeEach(() => {
  kms.reset();
  sts.reset();
  accountApi.reset();
  org.reset();
  iam.reset();
  // Effective access is computed by default: an account with no principal, outside any organisation.
  iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [], IsTruncated: false });
  org.on(DescribeOrganizationCommand).rejects(awsError('AWSOrganizationsNotInUseException'));
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/Auditor/session`, UserId: 'AROA:session' });
  standardKms();
  // Keys without grants unless a test says otherwise (scan reads them by default).
  kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
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
    kms.on(DescribeKeyCommand, { KeyId: 'key-foreign' }).rejects(awsError('AccessDeniedException'));
    const r = await runCli(['scan', '--regions', REGION, '--format', 'json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as JsonOut;
    const clean = out.results.find((x) => x.keyArn === arn('key-clean'));
    expect(clean?.error).toMatch(/^unreadable: kms:GetKeyPolicy failed with AccessDeniedException/);
    expect(clean?.unreadable).toMatchObject({ operation: 'kms:GetKeyPolicy', errorName: 'AccessDeniedException' });
    // DescribeKey answered before GetKeyPolicy failed: what it said stays on the entry.
    expect(clean).toMatchObject({ keyManager: 'CUSTOMER', keyState: 'Enabled', account: OWN, region: REGION, aliases: [] });
    const foreign = out.results.find((x) => x.keyArn === arn('key-foreign'));
    expect(foreign?.unreadable).toMatchObject({ operation: 'kms:DescribeKey', errorName: 'AccessDeniedException' });
    expect(foreign).not.toHaveProperty('keyManager');
    expect(out.results.find((x) => x.keyArn === arn('key-root'))?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    expect(out.summary.unreadable).toBe(2);
    expect(r.stderr).toContain(`${arn('key-clean')}: unreadable`);
    // Failures are not counted as judged.
    expect(r.stderr).toContain('kms-policy-guard: 1 key judged in 1 account/Region pair, 2 unreadable keys, 2 skipped\n');
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
    accountApi.on(ListRegionsCommand).resolves({ Regions: [{ RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' }, { RegionName: REGION, RegionOptStatus: 'ENABLED_BY_DEFAULT' }] });
    const r = await withRegionEnv(REGION, () => runCli(['scan', '--regions', 'all', '--format', 'json']));
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results.map((x) => [x.file, x.error === undefined ? 'judged' : x.error.split(' (')[0]])).toEqual([
      [arn('key-root'), 'judged'],
      [`${OWN}/us-east-1`, 'kms:ListKeys failed'],
    ]);
    // The same shape as a key entry: no key, so keyArn null and no aliases.
    expect(out.results[1]).toEqual({
      file: `${OWN}/us-east-1`,
      keyArn: null,
      account: OWN,
      region: 'us-east-1',
      aliases: [],
      unreadable: { operation: 'kms:ListKeys', errorName: 'AccessDeniedException', kind: 'access-denied' },
      error: `kms:ListKeys failed (AccessDeniedException: AccessDeniedException (test)); the keys of account ${OWN} in us-east-1 were not judged`,
      findings: [],
      warnings: [],
    });
    expect(r.stderr).toContain('kms-policy-guard: 1 key judged in 1 account/Region pair, 1 account/Region pair could not be listed\n');
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
    // The error names what STS said, not only that the role could not be assumed.
    expect(out.results[2]?.error).toContain('sts:AssumeRole of role KmsPolicyGuardAudit failed (AccessDenied: could not assume arn:aws:iam::555555555555:role/KmsPolicyGuardAudit');
    expect(out.results[2]?.unreadable).toEqual({ operation: 'sts:AssumeRole', errorName: 'AccessDenied', kind: 'access-denied' });
    // The account passed over is said, with its state.
    expect(out.notes).toEqual([
      'skipped 1 account of the organisation that is not ACTIVE (sts:AssumeRole cannot enter suspended or closing accounts): 333333333333 (SUSPENDED)',
    ]);
    expect(r.stderr).toContain('1 account skipped (not ACTIVE)');
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
    [['scan', '--regions', REGION, '--accounts', '12', '--role-name', 'R'], '--accounts: "12" is not a 12-digit account id'],
    [['scan', '--regions', REGION, '--exemption-tag-key', 'bad#key'], '--exemption-tag-key: "bad#key" is not a valid tag key'],
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

describe('scan across Regions and accounts', () => {
  /** A clock whose sleeps pass at once (and move time on), so rate limits cost no real time. */
  function instantClock(): Clock {
    let now = Date.UTC(2030, 0, 1);
    return {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
  }

  /** Each Region has keys k0…k{n-1}, all with the same clean policy. */
  function keysPerRegion(n: number): void {
    const ids = Array.from({ length: n }, (_, i) => `k${i}`);
    kms.on(ListKeysCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      return { Keys: ids.map((id) => ({ KeyId: id, KeyArn: arn(id, OWN, region) })), Truncated: false };
    });
    kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }, getClient) => ({
      KeyMetadata: { KeyId: input.KeyId, Arn: arn(input.KeyId, OWN, await getClient().config.region()), KeyManager: 'CUSTOMER', KeyState: 'Enabled' },
    }));
    kms.on(GetKeyPolicyCommand).resolves({ Policy: POLICIES['key-clean'] });
  }

  it('records in the report what was scanned, when and with which settings (JSON `run`)', async () => {
    keysPerRegion(2);
    let stdout = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => {}, readStdin: async () => '', isTty: false, env: {} };
    const args = ['scan', '--regions', 'us-east-1,eu-west-1', '--no-grants', '--trusted-accounts', '444455556666', '--format', 'json'];
    expect(await main(args, io, { clock: instantClock() })).toBe(0);
    const { run } = JSON.parse(stdout) as { run: Record<string, unknown> };
    expect(run).toEqual({
      command: 'scan',
      arguments: args,
      startedAt: '2030-01-01T00:00:00.000Z',
      finishedAt: expect.stringMatching(/^2030-01-01T00:00:\d\d\.\d{3}Z$/),
      accounts: [OWN],
      regions: ['eu-west-1', 'us-east-1'],
      settings: { trustedAccountIds: ['444455556666'], trustedOrgIds: [], disabledChecks: [], failOn: 'low', grants: false, effectiveAccess: true, includeAwsManaged: false },
    });
  });

  it('reads the keys of two Regions side by side, each under its own --max-rps, and still sorts the output', async () => {
    keysPerRegion(6);
    let stdout = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => {}, readStdin: async () => '', isTty: false, env: {} };
    const code = await main(['scan', '--regions', 'us-east-1,eu-west-1', '--max-rps', '1', '--concurrency', '4', '--format', 'json'], io, { clock: instantClock() });
    expect(code).toBe(0);

    // The key reads in the order they were sent, with the Region of the client that sent them.
    const reads: string[] = [];
    for (const call of kms.calls()) {
      const command = call.args[0] as { constructor: { name: string } };
      if (command.constructor.name !== 'DescribeKeyCommand' && command.constructor.name !== 'GetKeyPolicyCommand') continue;
      reads.push(await (call.thisValue as KMSClient).config.region());
    }
    expect(reads).toHaveLength(24);
    // Both Regions are read from the start: one Region's rate limit does not hold up the other...
    expect(new Set(reads.slice(0, 2))).toEqual(new Set(['eu-west-1', 'us-east-1']));
    // ...and they take turns all the way through (never more than the pool's 4 reads of one Region in a row).
    let run = 1;
    for (let i = 1; i < reads.length; i++) {
      run = reads[i] === reads[i - 1] ? run + 1 : 1;
      expect(run).toBeLessThanOrEqual(4);
    }
    // The output order stays account, Region, key id.
    const out = JSON.parse(stdout) as JsonOut;
    expect(out.results.map((x) => x.keyArn)).toEqual([
      ...['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].map((id) => arn(id, OWN, 'eu-west-1')),
      ...['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].map((id) => arn(id, OWN, 'us-east-1')),
    ]);
  });

  it('with --regions all in an organisation scan, lists the Regions enabled in each account with its assumed role', async () => {
    assumeRoleNamingAccount({ '555555555555': 'AccessDenied' });
    const enabled: Record<string, string[]> = { '222222222222': ['eu-west-1', 'us-east-1'], '333333333333': ['ap-south-1'] };
    accountApi.on(ListRegionsCommand).callsFake(async (_input, getClient) => {
      const client = getClient();
      const id = await accountOfClient(() => client);
      if (id === '444444444444') throw awsError('AccessDeniedException');
      return { Regions: (enabled[id] ?? []).map((RegionName) => ({ RegionName, RegionOptStatus: 'ENABLED' })) };
    });
    orgKms();

    const r = await withRegionEnv(REGION, () =>
      runCli(['scan', '--regions', 'all', '--role-name', 'Audit', '--accounts', '222222222222,333333333333,444444444444,555555555555', '--format', 'json']),
    );
    // ListRegions was asked once per account that could be entered, each time as that account's role.
    const asked = await Promise.all(accountApi.commandCalls(ListRegionsCommand).map((c) => (c.thisValue as AccountClient).config.credentials().then((x) => x.accessKeyId)));
    expect(asked.sort()).toEqual(['AKIA222222222222', 'AKIA333333333333', 'AKIA444444444444']);
    const listed = await Promise.all(
      kms.commandCalls(ListKeysCommand).map(async (c) => `${await accountOfClient(() => c.thisValue as KMSClient)}/${await (c.thisValue as KMSClient).config.region()}`),
    );
    expect(listed.sort()).toEqual(['222222222222/eu-west-1', '222222222222/us-east-1', '333333333333/ap-south-1']);

    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results.map((x) => x.file)).toEqual([
      arn('key-root', '222222222222', 'eu-west-1'),
      arn('key-root', '222222222222', 'us-east-1'),
      arn('key-root', '333333333333', 'ap-south-1'),
      '444444444444',
      '555555555555',
    ]);
    expect(out.results[3]).toMatchObject({
      keyArn: null,
      account: '444444444444',
      region: null,
      aliases: [],
      unreadable: { operation: 'account:ListRegions', errorName: 'AccessDeniedException', kind: 'access-denied' },
    });
    expect(out.results[3]?.error).toBe(
      'account:ListRegions (for --regions all) failed (AccessDeniedException: AccessDeniedException (test)); grant account:ListRegions to arn:aws:iam::444444444444:role/Audit; the Regions enabled in account 444444444444 are unknown, so none of its keys were judged',
    );
    expect(out.results[4]?.unreadable).toEqual({ operation: 'sts:AssumeRole', errorName: 'AccessDenied', kind: 'access-denied' });
    expect(out.results[4]?.error).toContain(`sts:AssumeRole of role Audit (in ${REGION}, for --regions all) failed (AccessDenied: could not assume arn:aws:iam::555555555555:role/Audit`);
    expect(r.stderr).toContain('kms-policy-guard: 3 keys judged in 3 account/Region pairs, 2 accounts whose Regions could not be listed\n');
    expect(r.code).toBe(2);
  });

  it('scans an account given twice in --accounts (and a Region given twice) once', async () => {
    assumeRoleNamingAccount();
    orgKms();
    const r = await runCli(['scan', '--regions', `${REGION},${REGION}`, '--role-name', 'Audit', '--accounts', '222222222222,444444444444,222222222222', '--format', 'json']);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn).sort()).toEqual([
      'arn:aws:iam::222222222222:role/Audit',
      'arn:aws:iam::444444444444:role/Audit',
    ]);
    expect(kms.commandCalls(ListKeysCommand, { Marker: undefined })).toHaveLength(2);
    expect((JSON.parse(r.stdout) as JsonOut).results.map((x) => x.file)).toEqual([arn('key-root', '222222222222'), arn('key-root', '444444444444')]);
    expect(r.stderr).toContain('kms-policy-guard: 2 keys judged in 2 account/Region pairs\n');
  });

  it('names the STS error code when the role cannot be assumed', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('RegionDisabledException'));
    const r = await runCli(['scan', '--regions', REGION, '--role-name', 'Audit', '--accounts', '222222222222', '--format', 'json']);
    const [entry] = (JSON.parse(r.stdout) as JsonOut).results;
    expect(entry?.error).toBe(
      `sts:AssumeRole of role Audit failed (RegionDisabledException: could not assume arn:aws:iam::222222222222:role/Audit with sts:AssumeRole: RegionDisabledException (test)); the keys of account 222222222222 in ${REGION} were not judged`,
    );
    expect(entry?.unreadable?.errorName).toBe('RegionDisabledException');
    expect(r.stderr).toContain('222222222222/eu-west-1: sts:AssumeRole of role Audit failed (RegionDisabledException:');
  });

  it('describes an error by the code of its innermost cause', () => {
    const sdk = Object.assign(new Error('User: arn:aws:sts::111122223333:assumed-role/Auditor/s is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
    expect(describeError(new AssumeRoleError('arn:aws:iam::222222222222:role/Audit', { cause: sdk }))).toBe(
      'AccessDenied: could not assume arn:aws:iam::222222222222:role/Audit with sts:AssumeRole: User: arn:aws:sts::111122223333:assumed-role/Auditor/s is not authorized to perform: sts:AssumeRole',
    );
    expect(describeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1');
    expect(describeError(awsError('ThrottlingException'))).toBe('ThrottlingException: ThrottlingException (test)');
  });

  it('reads every page of ListAliases', async () => {
    kms.on(ListAliasesCommand).callsFake(async (input: { Marker?: string }) =>
      input.Marker === undefined
        ? { Aliases: [{ AliasName: 'alias/root-a', TargetKeyId: 'key-root' }], Truncated: true, NextMarker: 'page-2' }
        : { Aliases: [{ AliasName: 'alias/clean', TargetKeyId: 'key-clean' }, { AliasName: 'alias/root-b', TargetKeyId: 'key-root' }], Truncated: false },
    );
    const out = JSON.parse((await runCli(['scan', '--regions', REGION, '--format', 'json'])).stdout) as JsonOut;
    expect(kms.commandCalls(ListAliasesCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, 'page-2']);
    expect(out.results.map((x) => [x.keyArn, x.aliases])).toEqual([
      [arn('key-clean'), ['alias/clean']],
      [arn('key-foreign'), []],
      [arn('key-root'), ['alias/root-a', 'alias/root-b']],
    ]);
    expect(out.notes).not.toContainEqual(expect.stringContaining('aliases'));
  });

  it('renders an HTML report with the access matrix, the unreadable key and the Region that could not be listed, counted apart', async () => {
    kms.on(ListKeysCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'us-east-1') throw awsError('AccessDeniedException');
      return { Keys: ['key-root', 'key-clean'].map((id) => ({ KeyId: id, KeyArn: arn(id) })), Truncated: false };
    });
    kms.on(GetKeyPolicyCommand, { KeyId: 'key-clean' }).rejects(awsError('AccessDeniedException'));
    const r = await runCli(['scan', '--regions', `${REGION},us-east-1`, '--format', 'html']);
    const html = r.stdout;
    expect(r.code).toBe(2);
    expect(html).toContain('<p>1 key judged, 1 unreadable key, 1 account/Region pair could not be listed. Select a verdict');
    const card = (verdict: string) => new RegExp(`data-filter="${verdict}" aria-pressed="false"><span class="count">(\\d+)<`).exec(html)?.[1];
    expect([card('unlisted'), card('unreadable'), card('high'), card('clean')]).toEqual(['1', '1', '1', '0']);

    const articles = html.split('<article class="key"').slice(1);
    expect(articles).toHaveLength(3);
    // Worst first: what could not be judged (by title: the account/Region, then the key's ARN), then the high key.
    const [unlisted, clean, root] = articles as [string, string, string];
    // The judged key: its finding and its access matrix (the account root may administer it unconditionally).
    expect(root).toContain('data-verdict="high"');
    expect(root).toContain(arn('key-root'));
    expect(root).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    expect(root).toContain('<h4>Access matrix</h4><table class="matrix">');
    expect(root).toMatch(/<td class="cell level-unconditional" data-action-class="administration"[^>]*>/);
    // The unreadable key: the operation and error code, what DescribeKey said, and no matrix.
    expect(clean).toContain('data-verdict="unreadable"');
    expect(clean).toContain('unreadable: kms:GetKeyPolicy failed with AccessDeniedException');
    expect(clean).toContain('<dt>Key state</dt><dd>Enabled</dd>');
    expect(clean).not.toContain('table class="matrix"');
    // The Region that could not be listed: its own verdict, no key.
    expect(unlisted).toContain('data-verdict="unlisted"');
    expect(unlisted).toContain(`<span class="name">${OWN}/us-east-1</span>`);
    expect(unlisted).toContain(`<dt>Account</dt><dd>${OWN}</dd><dt>Region</dt><dd>us-east-1</dd></dl>`);
    expect(unlisted).toContain('kms:ListKeys failed (AccessDeniedException');
  });

  it('says in --help that --max-rps allows a starting burst', async () => {
    const r = await runCli(['scan', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('KMS requests per second, per account and Region, after a starting burst of up to min(n, 10) requests');
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

describe('scan: keys deleted while the scan reads them', () => {
  /** A clock whose sleeps pass at once, so the wait before the second DescribeKey costs no real time. */
  const clock: Clock = { now: () => Date.now(), sleep: async () => undefined };
  const scanJson = async (args: string[] = []) => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '', isTty: false, env: {} };
    const code = await main(['scan', '--regions', REGION, '--format', 'json', ...args], io, { clock });
    return { code, out: JSON.parse(stdout) as JsonOut, stderr };
  };
  const found = { KeyMetadata: { KeyId: 'key-clean', Arn: arn('key-clean'), KeyManager: 'CUSTOMER' as const, KeyState: 'Enabled' as const } };

  it.each([
    ['GetKeyPolicy, then DescribeKey, NotFoundException: gone, skipped with a note', 'policy', [found, awsError('NotFoundException')], 'gone'],
    ['DescribeKey NotFoundException twice: gone, skipped with a note', 'describe', [awsError('NotFoundException'), awsError('NotFoundException')], 'gone'],
    ['DescribeKey NotFoundException once, then found (just created): judged', 'describe', [awsError('NotFoundException'), found], 'judged'],
    ['GetKeyPolicy NotFoundException but DescribeKey finds the key: unreadable, fail closed', 'policy', [found, found], 'unreadable'],
    ['GetKeyPolicy NotFoundException and DescribeKey denied: unreadable, fail closed', 'policy', [found, awsError('AccessDeniedException')], 'unreadable'],
    [
      'GetKeyPolicy NotFoundException and DescribeKey then finds it pending deletion: skipped and counted',
      'policy',
      [found, { KeyMetadata: { ...found.KeyMetadata, KeyState: 'PendingDeletion' as const } }],
      'pending',
    ],
  ])('%s', async (_case, failing, describeAnswers, outcome) => {
    let describeCalls = 0;
    kms.on(DescribeKeyCommand, { KeyId: 'key-clean' }).callsFake(async () => {
      const answer = describeAnswers[Math.min(describeCalls++, describeAnswers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    });
    if (failing === 'policy') kms.on(GetKeyPolicyCommand, { KeyId: 'key-clean' }).rejects(awsError('NotFoundException'));

    const { code, out, stderr } = await scanJson();

    const entry = out.results.find((x) => x.file === arn('key-clean'));
    expect(describeCalls).toBe(2);
    switch (outcome) {
      case 'gone':
        expect(entry).toBeUndefined();
        expect(out.notes).toContain(`1 key was deleted while the scan read it (NotFoundException, confirmed by kms:DescribeKey), so not judged: ${arn('key-clean')}`);
        expect(stderr).toContain('1 deleted during the scan');
        // The deleted key is not an error: findings decide the exit code (key-root has one).
        expect(code).toBe(1);
        break;
      case 'judged':
        expect(entry?.error).toBeUndefined();
        expect(entry?.findings).toEqual([]);
        break;
      case 'unreadable':
        expect(entry?.error).toMatch(/^unreadable: kms:GetKeyPolicy failed with NotFoundException/);
        expect(code).toBe(2);
        break;
      case 'pending':
        expect(entry).toBeUndefined();
        // key-pending (PendingDeletion from the start) and key-clean; key-aws-managed is the one AWS-managed key.
        expect(out.notes).toContain('skipped 1 AWS-managed key and 2 keys pending deletion; pass --include-aws-managed to judge them too');
        expect(stderr).toContain('3 skipped');
        expect(code).toBe(1);
        break;
    }
  });
});

describe('scan --regions all: the Regions enabled for the account (account:ListRegions)', () => {
  const ENABLED = ['ENABLED', 'ENABLED_BY_DEFAULT'];

  /** Each Region's keys: key-root, in the Region of the client that lists them. */
  function kmsInEveryRegion(): void {
    kms.on(ListKeysCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      return { Keys: [{ KeyId: 'key-root', KeyArn: arn('key-root', OWN, region) }], Truncated: false };
    });
    kms.on(DescribeKeyCommand).callsFake(async (_input, getClient) => ({
      KeyMetadata: { Arn: arn('key-root', OWN, await getClient().config.region()), KeyManager: 'CUSTOMER', KeyState: 'Enabled' },
    }));
  }

  it('reads every page, asks only for enabled Regions, and scans each Region listed', async () => {
    kmsInEveryRegion();
    accountApi
      .on(ListRegionsCommand)
      .resolvesOnce({ Regions: [{ RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' }, { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' }], NextToken: 'page-2' })
      .resolvesOnce({ Regions: [{ RegionName: 'ap-east-1', RegionOptStatus: 'ENABLED' }] });
    const r = await withRegionEnv(REGION, () => runCli(['scan', '--regions', 'all', '--format', 'json']));
    expect(accountApi.commandCalls(ListRegionsCommand).map((c) => c.args[0].input)).toEqual([
      { RegionOptStatusContains: ENABLED },
      { RegionOptStatusContains: ENABLED, NextToken: 'page-2' },
    ]);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results.map((x) => x.region)).toEqual(['ap-east-1', 'eu-west-1', 'us-east-1']);
    expect(r.code).toBe(1);
  });

  it('leaves out a Region listed as not enabled (DISABLED, ENABLING, DISABLING)', async () => {
    kmsInEveryRegion();
    accountApi.on(ListRegionsCommand).resolves({
      Regions: [
        { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
        { RegionName: 'me-south-1', RegionOptStatus: 'DISABLED' },
        { RegionName: 'af-south-1', RegionOptStatus: 'ENABLING' },
        { RegionName: 'ap-east-1', RegionOptStatus: 'DISABLING' },
      ],
    });
    const out = JSON.parse((await withRegionEnv(REGION, () => runCli(['scan', '--regions', 'all', '--format', 'json']))).stdout) as JsonOut;
    expect(out.results.map((x) => x.region)).toEqual(['eu-west-1']);
  });

  it('fails the scan when ListRegions is denied, naming the permission and the principal to grant it to', async () => {
    accountApi.on(ListRegionsCommand).rejects(awsError('AccessDeniedException'));
    const r = await withRegionEnv(REGION, () => runCli(['scan', '--regions', 'all', '--format', 'json']));
    expect(r.stderr).toContain(
      `kms-policy-guard: scan: account:ListRegions (for --regions all) failed (AccessDeniedException: AccessDeniedException (test)); grant account:ListRegions to arn:aws:iam::${OWN}:role/Auditor\n`,
    );
    expect(r.code).toBe(2);
    expect(kms.commandCalls(ListKeysCommand)).toHaveLength(0);
  });

  it('does not tell to grant a permission when ListRegions fails another way', async () => {
    accountApi.on(ListRegionsCommand).rejects(Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } }));
    const r = await withRegionEnv(REGION, () => runCli(['scan', '--regions', 'all', '--format', 'json']));
    expect(r.stderr).toContain('kms-policy-guard: scan: account:ListRegions (for --regions all) failed (ServiceUnavailableException: service unavailable)\n');
    expect(r.code).toBe(2);
  });

  it("sends ListRegions in the home Region with the scan's endpoint, credentials, attempts and timeouts", async () => {
    accountApi.on(ListRegionsCommand).resolves({ Regions: [{ RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED' }] });
    const aws = createScanAws({
      settings: { endpoint: 'http://127.0.0.1:4566', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 's' }, maxAttempts: 2, timeouts: { connectionTimeoutMs: 1500, requestTimeoutMs: 2500 } },
    });
    expect(await aws.enabledRegions('eu-central-1')).toEqual(['eu-west-1']);
    const client = accountApi.commandCalls(ListRegionsCommand)[0]?.thisValue as AccountClient;
    // Account is a global service: the SDK sends every Region of a partition to the partition's one endpoint
    // (account.us-east-1.amazonaws.com for aws), unless an endpoint is configured, as here.
    expect(await client.config.region()).toBe('eu-central-1');
    const endpoint = await client.config.endpoint?.();
    expect(endpoint).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 4566 });
    expect((await client.config.credentials()).accessKeyId).toBe('AKIATEST');
    expect(await client.config.maxAttempts()).toBe(2);
    const handler = (await (client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> }).configProvider) ?? {};
    expect(handler).toMatchObject({ connectionTimeout: 1500, requestTimeout: 2500, throwOnRequestTimeout: true });
  });
});

describe('scan: nothing to scan is not a pass', () => {
  it.each([
    [
      'an organisation whose accounts are all suspended',
      () => org.on(ListAccountsCommand).resolves({ Accounts: [{ Id: '333333333333', State: 'SUSPENDED' }] }),
      ['--role-name', 'Audit', '--accounts', 'all', '--regions', REGION],
      'scan: no account to scan: organizations:ListAccounts found no ACTIVE account (1 not ACTIVE: 333333333333 (SUSPENDED))',
    ],
    [
      'an organisation with no account listed',
      () => org.on(ListAccountsCommand).resolves({ Accounts: [] }),
      ['--role-name', 'Audit', '--accounts', 'all', '--regions', REGION],
      'scan: no account to scan: organizations:ListAccounts found no ACTIVE account',
    ],
    [
      '--regions all with no Region enabled',
      () => accountApi.on(ListRegionsCommand).resolves({ Regions: [] }),
      ['--regions', 'all'],
      'scan: no Region to scan: account:ListRegions listed no Region enabled for the account',
    ],
    [
      '--regions all answered with no Regions field',
      () => accountApi.on(ListRegionsCommand).resolves({}),
      ['--regions', 'all'],
      'scan: no Region to scan: account:ListRegions listed no Region enabled for the account',
    ],
    [
      '--regions all in an organisation whose accounts enable no Region',
      () => {
        assumeRoleNamingAccount();
        accountApi.on(ListRegionsCommand).resolves({ Regions: [] });
      },
      ['--role-name', 'Audit', '--accounts', '222222222222', '--regions', 'all'],
      'scan: no Region to scan: account:ListRegions listed no Region enabled for any account scanned',
    ],
  ])('%s exits 2 saying so', async (_case, arrange, args, message) => {
    arrange();
    const r = await withRegionEnv(REGION, () => runCli(['scan', '--format', 'json', ...args]));
    expect(r.stderr).toContain(`kms-policy-guard: ${message}`);
    expect(r.code).toBe(2);
    expect(kms.commandCalls(ListKeysCommand)).toHaveLength(0);
  });
});

describe('scan --timeout', () => {
  it.each([
    ['0', '--timeout: "0" must be a number of seconds from 0.1 to 3600'],
    ['-5', '--timeout: "-5" must be a number of seconds from 0.1 to 3600'],
    ['ten', '--timeout: "ten" must be a number of seconds from 0.1 to 3600'],
    ['3601', '--timeout: "3601" must be a number of seconds from 0.1 to 3600'],
    ['1e3', '--timeout: "1e3" must be a number of seconds from 0.1 to 3600'],
  ])('rejects --timeout %s at parse, before any AWS call', async (value, message) => {
    const r = await runCli(['scan', '--regions', REGION, `--timeout=${value}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(sts.calls()).toHaveLength(0);
  });

  it.each([
    [[], { connectionTimeoutMs: 3000, requestTimeoutMs: 10_000 }],
    [['--timeout', '2.5'], { connectionTimeoutMs: 2500, requestTimeoutMs: 2500 }],
    [['--timeout', '30'], { connectionTimeoutMs: 3000, requestTimeoutMs: 30_000 }],
  ])('passes %j to every AWS client as %j', async (args, timeouts) => {
    const seen: unknown[] = [];
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };
    await main(['scan', '--regions', REGION, ...args], io, {
      scanAws: (options) => {
        seen.push(options.settings?.timeouts);
        return createScanAws(options);
      },
    });
    expect(seen).toEqual([timeouts]);
  });

  it('documents the flag and its default in --help', async () => {
    const r = await runCli(['scan', '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('--timeout <seconds> give up on an AWS request that has not answered after this many seconds (tried twice, then the key, Region or account is reported unreadable) (default: "10")');
  });
});
