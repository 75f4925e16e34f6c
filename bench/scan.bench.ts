/**
 * `scan` benchmark: 2,000 keys read with bounded concurrency against a sequential scan of the same keys, in
 * the same run, twice: against moto_server (a real HTTP API on this machine) and against an in-memory KMS that
 * answers every call after 20 ms (closer to a real Region's latency).
 *
 *   npm run bench:scan [-- --keys 2000 --concurrency 16 --latency 20 --baseline-keys 500 --cap-keys 200]
 *
 * Key creation in moto is not timed. Sequential runs over fewer keys than --keys (--baseline-keys, for the
 * 20 ms KMS only: a sequential 2,000-key run there takes ~80 s) are scaled by keys per second, which is what
 * is compared. The last phase runs at the CLI's defaults (concurrency 10, --max-rps 100) to show the cap holds.
 */
import { CreateKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { parseArgs } from 'node:util';
import { createScanAws, type ScanAws } from '../cli/aws/scan-aws';
import { runScan, type ScanOptions } from '../cli/commands/scan';
import { systemClock } from '../runtime/clock';
import { MOTO_CREDENTIALS, MOTO_REGION, motoAvailable, motoClientConfig, startMoto } from '../test/support/moto';
import { ACCOUNT, createFakeAws, REGION } from './support/fake-aws';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    latency: { type: 'string', default: '20' },
    'baseline-keys': { type: 'string', default: '500' },
    'cap-keys': { type: 'string', default: '200' },
  },
});
const KEYS = Number(values.keys);
const CONCURRENCY = Number(values.concurrency);
const LATENCY = Number(values.latency);
const BASELINE_KEYS = Math.min(KEYS, Number(values['baseline-keys']));
const CAP_KEYS = Math.min(KEYS, Number(values['cap-keys']));

interface Run {
  label: string;
  keys: number;
  seconds: number;
  judged: number;
  unreadable: number;
}

const keysPerSecond = (r: Run) => r.keys / r.seconds;

function options(concurrency: number, maxRps: number): ScanOptions {
  // KMS reading is what this measures; the effective access of keys has its own benchmark (bench:access).
  return { regions: [REGION], includeAwsManaged: false, concurrency, maxRps, analysis: {}, effectiveAccess: false };
}

async function timed(label: string, keys: number, aws: ScanAws, opts: ScanOptions): Promise<Run> {
  const start = performance.now();
  const result = await runScan(opts, { aws, clock: systemClock });
  const seconds = (performance.now() - start) / 1000;
  return { label, keys, seconds, judged: result.stats.analysed, unreadable: result.stats.unreadable };
}

/** The in-memory KMS of bench/support/fake-aws (N keys, fixed latency), plus ListAliases. */
function latencyAws(keys: number): ScanAws {
  const fake = createFakeAws({ keys, latencyMs: LATENCY, configRecordsKeys: false });
  const kms = {
    send: async (command: unknown) => {
      if (command instanceof ListAliasesCommand) {
        await new Promise((r) => setTimeout(r, LATENCY));
        return { Aliases: [], Truncated: false };
      }
      return fake.clients.kms.send(command as never);
    },
  } as unknown as KMSClient;
  return {
    defaultRegion: async () => REGION,
    callerIdentity: async () => ({ account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:role/Auditor`, partition: 'aws' }),
    enabledRegions: async () => [REGION],
    organizationAccounts: async () => ({ active: [ACCOUNT], skipped: [] }),
    kms: async () => kms,
    iam: () => Promise.reject(new Error('the benchmark reads no IAM')),
    organizations: () => {
      throw new Error('the benchmark reads no Organizations policies');
    },
    securityHub: () => Promise.reject(new Error('the benchmark sends nothing to Security Hub')),
  };
}

function policyOf(i: number, account: string): string {
  const root = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' };
  const use = { Sid: 'Use', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/App${i % 17}` }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' };
  return JSON.stringify({ Version: '2012-10-17', Statement: i % 3 === 0 ? [root] : [use] });
}

function print(title: string, runs: Run[], baseline: Run): void {
  console.log(`\n${title}`);
  console.log('  run                                           keys   seconds   keys/s   vs sequential');
  for (const r of runs) {
    console.log(
      `  ${r.label.padEnd(44)} ${String(r.keys).padStart(5)} ${r.seconds.toFixed(2).padStart(9)} ${keysPerSecond(r).toFixed(1).padStart(8)}   ${(keysPerSecond(r) / keysPerSecond(baseline)).toFixed(2)}x`,
    );
    if (r.judged !== r.keys || r.unreadable !== 0) console.log(`    ! judged ${r.judged} of ${r.keys}, ${r.unreadable} unreadable`);
  }
}

async function benchMoto(): Promise<void> {
  if (!motoAvailable()) {
    console.log('\nmoto_server is not on PATH: the moto phase is skipped.');
    return;
  }
  const moto = await startMoto();
  try {
    const kms = new KMSClient(motoClientConfig(moto.endpoint));
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < KEYS) {
          const i = next++;
          await kms.send(new CreateKeyCommand({ Policy: policyOf(i, '123456789012'), Description: `bench ${i}` }));
        }
      }),
    );
    console.log(`\nmoto: created ${KEYS} keys in ${((performance.now() - started) / 1000).toFixed(1)} s (not timed below)`);
    const aws = createScanAws({ settings: { endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS } });
    const opts = (c: number, rps: number): ScanOptions => ({ ...options(c, rps), regions: [MOTO_REGION] });
    // Warm the connection pool and the SDK's lazy loading.
    await timed('warm-up', KEYS, aws, opts(CONCURRENCY, 100000));
    const sequential = await timed('sequential (concurrency 1)', KEYS, aws, opts(1, 100000));
    const concurrent = await timed(`concurrency ${CONCURRENCY}, no cap`, KEYS, aws, opts(CONCURRENCY, 100000));
    const four = await timed('concurrency 4, no cap', KEYS, aws, opts(4, 100000));
    print(`moto_server (one Python process on this machine), ${KEYS} keys`, [sequential, four, concurrent], sequential);
  } finally {
    await moto.stop();
  }
}

async function benchLatency(): Promise<void> {
  const concurrent = await timed(`concurrency ${CONCURRENCY}, no cap`, KEYS, latencyAws(KEYS), options(CONCURRENCY, 100000));
  const sequential = await timed(`sequential (concurrency 1)${BASELINE_KEYS < KEYS ? `, ${BASELINE_KEYS} keys` : ''}`, BASELINE_KEYS, latencyAws(BASELINE_KEYS), options(1, 100000));
  const capped = await timed(`CLI defaults (10, --max-rps 100), ${CAP_KEYS} keys`, CAP_KEYS, latencyAws(CAP_KEYS), options(10, 100));
  print(`In-memory KMS with ${LATENCY} ms per call, ${KEYS} keys`, [sequential, concurrent, capped], sequential);
  // Three KMS reads per key (DescribeKey, GetKeyPolicy, ListGrants: no grant in the fake), plus one ListKeys and one ListAliases per Region.
  const rps = (capped.keys * 3 + 2) / capped.seconds;
  // The bucket starts with a burst of 10 tokens, so a short run sits a little above the rate.
  console.log(`  CLI defaults: ${rps.toFixed(1)} KMS requests/s against a cap of 100/s (burst of 10 at the start)`);
}

async function main(): Promise<void> {
  console.log(`scan benchmark: ${KEYS} keys, concurrency ${CONCURRENCY}, Node ${process.version}`);
  await benchMoto();
  await benchLatency();
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
