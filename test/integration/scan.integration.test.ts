/**
 * `scan` against a local AWS API (moto_server): keys created with the policies of the fixture corpus
 * (test/fixtures/policies, account 111122223333 rewritten to moto's account 123456789012) come back with the
 * fixture's expected check ids; a key pending deletion is skipped; a key whose GetKeyPolicy fails (a failure
 * injected by client middleware) is unreadable and the scan goes on.
 *
 * The AWS documentation's example policies name "this key" as key/1234abcd-12ab-34cd-56ef-1234567890ab; that
 * ARN is replaced by the created key's own (PutKeyPolicy after CreateKey), since the scanner knows each key's
 * ARN and a statement naming another key does not apply to it. Other key ids stay: they mean another key.
 *
 * moto applies a little of the key policy itself: it refuses DescribeKey when a Deny statement names
 * kms:DescribeKey (or kms:*, kms:Describe*) on Resource "*", whoever the principal, and fails on a policy whose
 * Statement is a single object. Those keys are unreadable to the scanner, as they would be to a principal a
 * real key policy denies, so they are expected as unreadable (kms:DescribeKey), never as clean.
 *
 * moto has no Account ListRegions: `--regions all` is run with AWS_ENDPOINT_URL_ACCOUNT at a local listener
 * that answers ListRegions in two pages, everything else at moto.
 */
import { createServer, type Server } from 'node:http';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient, PutKeyPolicyCommand, ScheduleKeyDeletionCommand, TagResourceCommand } from '@aws-sdk/client-kms';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScanAws, type ScanAws } from '../../cli/aws/scan-aws';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import { runCli } from '../support/cli';
import { loadPolicyFixtures } from '../support/fixtures';
import { describeWithMoto, MOTO_CREDENTIALS, MOTO_REGION, motoClientConfig, startMoto, type MotoServer } from '../support/moto';

const FIXTURE_ACCOUNT = '111122223333';
const MOTO_ACCOUNT = '123456789012';
const THIS_KEY = `arn:aws:kms:${MOTO_REGION}:${MOTO_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** Fixtures judged with only their account: no trusted accounts or organisations, no other options. */
const FIXTURES = loadPolicyFixtures().filter(
  (f) =>
    typeof f.input === 'object' &&
    f.options.accountId === FIXTURE_ACCOUNT &&
    (f.options.trustedAccountIds ?? []).length === 0 &&
    (f.options.trustedOrgIds ?? []).length === 0 &&
    f.options.keyArn === undefined &&
    f.options.grants === undefined &&
    f.options.disabledChecks === undefined &&
    !JSON.stringify(f.input).includes(MOTO_ACCOUNT),
);

interface JsonOut {
  results: {
    file: string;
    keyArn?: string;
    account?: string;
    region?: string;
    aliases?: string[];
    error?: string;
    findings: { checkId: string; notJudged?: true; suppression?: { kind: string; reason: string } }[];
  }[];
  summary: { findings: { new: number; unchanged: number; suppressed: number; fixed: number } };
  notes: string[];
}

const unique = (ids: readonly string[]) => [...new Set(ids)].sort();

/** A local Account endpoint answering ListRegions (POST /listRegions) with `pages`, recording each request body. */
async function startListRegions(pages: { Regions: { RegionName: string; RegionOptStatus: string }[]; NextToken?: string }[]): Promise<{ endpoint: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body === '' ? '{}' : body) as { NextToken?: string };
      bodies.push({ path: req.url, ...parsed });
      const page = pages[parsed.NextToken === undefined ? 0 : Number(parsed.NextToken)];
      res.writeHead(page === undefined || req.url !== '/listRegions' ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(page ?? { message: 'unexpected request' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describeWithMoto('scan against moto', () => {
  let moto: MotoServer;
  let kms: KMSClient;
  const nameOfKey = new Map<string, string>();
  /** Fixtures whose keys moto refuses to describe. */
  const refused = new Set<string>();
  let pendingKeyArn = '';
  let failingKeyId = '';
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    kms = new KMSClient(motoClientConfig(moto.endpoint));
    for (const f of FIXTURES) {
      const text = JSON.stringify(f.input).split(FIXTURE_ACCOUNT).join(MOTO_ACCOUNT);
      const created = await kms.send(new CreateKeyCommand({ Policy: text, Description: f.name }));
      const arn = created.KeyMetadata?.Arn as string;
      if (text.includes(THIS_KEY)) await kms.send(new PutKeyPolicyCommand({ KeyId: arn, PolicyName: 'default', Policy: text.split(THIS_KEY).join(arn) }));
      nameOfKey.set(arn, f.name);
      await kms.send(new DescribeKeyCommand({ KeyId: arn })).catch(() => refused.add(f.name));
    }
    const [first] = [...nameOfKey.keys()];
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/first-fixture', TargetKeyId: first }));
    const pending = await kms.send(new CreateKeyCommand({ Description: 'pending deletion' }));
    pendingKeyArn = pending.KeyMetadata?.Arn as string;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.KeyMetadata?.KeyId, PendingWindowInDays: 7 }));
    const failing = await kms.send(new CreateKeyCommand({ Description: 'GetKeyPolicy denied' }));
    failingKeyId = failing.KeyMetadata?.KeyId as string;
  });

  afterAll(async () => {
    process.env = savedEnv;
    await moto?.stop();
  });

  /** The CLI's own AWS wiring pointed at moto, with GetKeyPolicy of one key denied by a middleware. */
  function scanAwsWithFailure(): ScanAws {
    const aws = createScanAws({ settings: { endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 } });
    const patched = new WeakSet<KMSClient>();
    return {
      ...aws,
      kms: async (target, partition) => {
        const client = await aws.kms(target, partition);
        if (!patched.has(client)) {
          patched.add(client);
          client.middlewareStack.add(
            (next, context) => async (args) => {
              const input = args.input as { KeyId?: string };
              if (context.commandName === 'GetKeyPolicyCommand' && input.KeyId === failingKeyId) {
                throw Object.assign(new Error('User is not authorized to perform: kms:GetKeyPolicy'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
              }
              return next(args);
            },
            { step: 'initialize', name: 'denyOneGetKeyPolicy' },
          );
        }
        return client;
      },
    };
  }

  async function scan(args: string[]): Promise<{ code: number; out: JsonOut; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '', isTty: false, env: {} };
    const code = await main(['scan', '--regions', MOTO_REGION, '--format', 'json', ...args], io, { scanAws: () => scanAwsWithFailure() });
    return { code, out: JSON.parse(stdout) as JsonOut, stderr };
  }

  it('returns the expected check ids for every fixture policy', async () => {
    const { out } = await scan(['--concurrency', '8']);
    const judged = out.results.filter((r) => nameOfKey.has(r.file));
    expect(judged).toHaveLength(FIXTURES.length);
    const expected = Object.fromEntries(FIXTURES.map((f) => [f.name, refused.has(f.name) ? 'unreadable: kms:DescribeKey' : unique(f.expected)]));
    const got = Object.fromEntries(
      judged.map((r) => [nameOfKey.get(r.file), r.error !== undefined ? r.error.split(' failed')[0] : unique(r.findings.map((x) => x.checkId))]),
    );
    expect(got).toEqual(expected);
    expect(refused.size).toBeLessThan(FIXTURES.length / 10);
    for (const r of judged) expect(r).toMatchObject({ account: MOTO_ACCOUNT, region: MOTO_REGION });
    expect(out.results.find((r) => r.aliases?.includes('alias/first-fixture'))).toBeDefined();
  });

  it('skips the key pending deletion and reports the denied key as unreadable, exit 2', async () => {
    const { code, out, stderr } = await scan([]);
    expect(code).toBe(2);
    expect(out.results.some((r) => r.file === pendingKeyArn)).toBe(false);
    expect(out.notes).toContain('skipped 1 key pending deletion; pass --include-aws-managed to judge them too');
    const denied = out.results.find((r) => r.file.endsWith(`/${failingKeyId}`));
    expect(denied?.error).toMatch(/^unreadable: kms:GetKeyPolicy failed with AccessDeniedException/);
    expect(denied?.findings).toEqual([]);
    const unreadable = refused.size + 1;
    expect(stderr).toContain(`${FIXTURES.length - refused.size} keys judged in 1 account/Region pair, ${unreadable} unreadable key${unreadable === 1 ? '' : 's'}, 1 skipped`);

    const all = await scan(['--include-aws-managed']);
    expect(all.out.results.some((r) => r.file === pendingKeyArn)).toBe(true);
  });

  it('accepts the findings of a key tagged with --exemption-tag-key (moto TagResource, ListResourceTags), and only those', async () => {
    const before = await scan([]);
    const target = before.out.results.find((r) => r.findings.length > 0 && r.findings.every((f) => !['INVALID_POLICY', 'PUBLIC_ACCESS'].includes(f.checkId) && f.notJudged !== true));
    expect(target).toBeDefined();
    await kms.send(new TagResourceCommand({ KeyId: target?.file, Tags: [{ TagKey: 'kpg-exempt', TagValue: 'reviewed by the security team, SEC-77' }] }));
    const { out } = await scan(['--exemption-tag-key', 'kpg-exempt']);
    const exempt = out.results.find((r) => r.file === target?.file);
    expect(exempt?.findings.map((f) => f.suppression)).toEqual(exempt?.findings.map(() => ({ kind: 'exemption-tag', reason: 'reviewed by the security team, SEC-77' })));
    const others = out.results.filter((r) => r.file !== target?.file).flatMap((r) => r.findings);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((f) => f.suppression === undefined)).toBe(true);
    expect(out.summary.findings.suppressed).toBe(exempt?.findings.length);
  });

  it('cannot exempt a key with a PUBLIC_ACCESS finding (NonSuppressibleChecks default), unless --non-suppressible-checks NONE', async () => {
    const before = await scan([]);
    const target = before.out.results.find((r) => r.findings.some((f) => f.checkId === 'PUBLIC_ACCESS') && r.findings.every((f) => f.checkId !== 'INVALID_POLICY' && f.notJudged !== true));
    expect(target).toBeDefined();
    await kms.send(new TagResourceCommand({ KeyId: target?.file, Tags: [{ TagKey: 'kpg-exempt', TagValue: 'public on purpose, SEC-78' }] }));
    const refusedRun = await scan(['--exemption-tag-key', 'kpg-exempt']);
    expect(refusedRun.out.results.find((r) => r.file === target?.file)?.findings.every((f) => f.suppression === undefined)).toBe(true);
    const allowed = await scan(['--exemption-tag-key', 'kpg-exempt', '--non-suppressible-checks', 'NONE']);
    expect(allowed.out.results.find((r) => r.file === target?.file)?.findings.every((f) => f.suppression?.kind === 'exemption-tag')).toBe(true);
  });

  it('writes a baseline of the live keys; scanned again with it, no finding is new', async () => {
    const baseline = join(mkdtempSync(join(tmpdir(), 'kpg-scan-baseline-')), 'baseline.json');
    const first = await scan(['--write-baseline', baseline]);
    expect(first.stderr).toMatch(/baseline written to .*baseline\.json \(\d+ findings\)/);
    const again = await scan(['--baseline', baseline]);
    const judgedFindings = again.out.results.flatMap((r) => r.findings);
    // Only what a baseline never accepts stays new: INVALID_POLICY and findings not judged.
    expect(judgedFindings.filter((f) => f.suppression === undefined).every((f) => f.checkId === 'INVALID_POLICY' || f.notJudged === true)).toBe(true);
    expect(again.out.summary.findings.unchanged).toBeGreaterThan(0);
    expect(again.out.summary.findings.fixed).toBe(0);
  });

  /** The CLI finds moto and its credentials the way a user's shell gives them: through the environment only. */
  function pointEnvironmentAtMoto(): void {
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_SESSION_TOKEN = MOTO_CREDENTIALS.sessionToken;
    process.env.AWS_REGION = MOTO_REGION;
    delete process.env.AWS_PROFILE;
  }

  it('honours AWS_ENDPOINT_URL and the credential chain from the environment, with no injection', async () => {
    pointEnvironmentAtMoto();
    const r = await runCli(['scan', '--format', 'json']);
    const out = JSON.parse(r.stdout) as JsonOut;
    // The failing key is readable here (no middleware): every fixture key moto describes, plus it.
    expect(out.results.filter((x) => x.error === undefined)).toHaveLength(FIXTURES.length - refused.size + 1);
    // Findings make it 1; a key moto refuses to describe makes it 2.
    expect(r.code).toBe(refused.size > 0 ? 2 : 1);
  });

  it('with --regions all, scans the Regions that Account ListRegions lists on every page, at AWS_ENDPOINT_URL_ACCOUNT', async () => {
    const account = await startListRegions([
      { Regions: [{ RegionName: 'eu-west-3', RegionOptStatus: 'ENABLED_BY_DEFAULT' }], NextToken: '1' },
      { Regions: [{ RegionName: MOTO_REGION, RegionOptStatus: 'ENABLED_BY_DEFAULT' }] },
    ]);
    try {
      pointEnvironmentAtMoto();
      process.env.AWS_ENDPOINT_URL_ACCOUNT = account.endpoint;
      const r = await runCli(['scan', '--regions', 'all', '--format', 'json']);
      expect(account.bodies).toEqual([
        { path: '/listRegions', RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'] },
        { path: '/listRegions', RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], NextToken: '1' },
      ]);
      const out = JSON.parse(r.stdout) as JsonOut;
      // Every fixture key is in MOTO_REGION; eu-west-3 was listed too, and read (it has no keys).
      expect(out.results.filter((x) => x.error === undefined)).toHaveLength(FIXTURES.length - refused.size + 1);
      expect(r.stderr).toMatch(/ in 2 account\/Region pairs/);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_ACCOUNT;
      await account.close();
    }
  });
});
