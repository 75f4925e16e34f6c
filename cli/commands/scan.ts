/**
 * `scan`: read the KMS keys of live accounts and judge their key policies.
 *
 * For each account and Region: ListKeys (every page) and ListAliases; then, per key, DescribeKey and
 * GetKeyPolicy through the Config rule's KmsKeyReader (rule/aws/kms-reader.ts), so every call shares a
 * token-bucket rate limit per account and Region (KMS request quotas are per account and Region:
 * https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html) and throttling is retried
 * with backoff. Keys are judged with at most `concurrency` in flight across all accounts and Regions.
 *
 * A key whose reads fail is reported as unreadable (an error entry: never clean, and the exit code says
 * so); the scan goes on with the others. AWS-managed keys (KeyManager AWS: their policies are AWS's to
 * set) and keys pending deletion are skipped unless asked, and the number skipped is said.
 */
import { analyzePolicy, type AnalysisOptions } from '../../rule/engine';
import { awsErrorName } from '../../rule/aws/errors';
import { KmsKeyReader, type ReadOutcome } from '../../rule/aws/kms-reader';
import type { Clock } from '../../rule/config/clock';
import { runPool, TokenBucket } from '../../rule/config/rate-limit';
import { accessDetails } from '../access';
import { listAliasesByKey } from '../aws/aliases';
import type { CallerIdentity, ScanAws, ScanTarget } from '../aws/scan-aws';
import { UsageError } from '../io';
import { NO_PROGRESS, type Progress } from '../progress';
import type { Report, ResultEntry } from '../report';

export interface ScanOptions {
  /** Explicit Regions, `all` (every Region enabled for the caller's account), or the chain's default Region. */
  regions: string[] | 'all' | 'default';
  /** Organisation scan: the role to assume in each account. */
  roleName?: string;
  /** Organisation scan: the accounts, or `all` (Organizations ListAccounts). */
  accounts?: string[] | 'all';
  includeAwsManaged: boolean;
  /** Keys judged at once, across all accounts and Regions. */
  concurrency: number;
  /** KMS requests per second, per account and Region. */
  maxRps: number;
  /** Trust settings passed to the engine (the key's own account comes from its ARN). */
  analysis: Pick<AnalysisOptions, 'trustedAccountIds' | 'trustedOrgIds' | 'disabledChecks'>;
}

export interface ScanDeps {
  aws: ScanAws;
  clock: Clock;
  progress?: Progress;
}

export interface ScanStats {
  targets: number;
  listed: number;
  analysed: number;
  unreadable: number;
  skippedAwsManaged: number;
  skippedPendingDeletion: number;
}

export interface ScanResult {
  results: ResultEntry[];
  notes: string[];
  stats: ScanStats;
}

/** Thrown when the scan cannot start at all (no credentials, no Region, no account list). */
export class ScanSetupError extends Error {
  override readonly name = 'ScanSetupError';
}

interface ListedKey {
  keyId: string;
  arn?: string;
  target: ScanTarget;
  reader: KmsKeyReader;
  aliases: string[];
}

// Key states in which the key is on its way out; its policy can no longer be used to grant anything new.
// https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
const PENDING_DELETION = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

function describeError(e: unknown): string {
  const name = awsErrorName(e);
  const message = e instanceof Error ? e.message : String(e);
  return message && message !== name ? `${name}: ${message}` : name;
}

async function setupStep<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw new ScanSetupError(`${what} failed (${describeError(e)})`, { cause: e });
  }
}

export async function runScan(options: ScanOptions, deps: ScanDeps): Promise<ScanResult> {
  const { aws, clock } = deps;
  const progress = deps.progress ?? NO_PROGRESS;

  const explicit = Array.isArray(options.regions) ? options.regions : [];
  const homeRegion = explicit[0] ?? (await aws.defaultRegion());
  if (homeRegion === undefined) {
    throw new UsageError('no AWS Region: pass --regions (e.g. --regions us-east-1 or --regions all), or set AWS_REGION or a region in the profile');
  }
  const identity: CallerIdentity = await setupStep('sts:GetCallerIdentity (are AWS credentials configured?)', () => aws.callerIdentity(homeRegion));
  const regions =
    options.regions === 'all'
      ? await setupStep('ec2:DescribeRegions (for --regions all)', () => aws.enabledRegions(homeRegion))
      : options.regions === 'default'
        ? [homeRegion]
        : options.regions;
  let accounts: string[] = [identity.account];
  if (options.roleName !== undefined) {
    const wanted = options.accounts ?? 'all';
    accounts = wanted === 'all' ? await setupStep('organizations:ListAccounts (for --accounts all)', () => aws.organizationAccounts(homeRegion)) : wanted;
  }
  const targets: ScanTarget[] = accounts.flatMap((account) =>
    regions.map((region) => (options.roleName === undefined ? { account, region } : { account, region, roleName: options.roleName })),
  );

  const results: ResultEntry[] = [];
  const notes: string[] = [];
  const stats: ScanStats = { targets: targets.length, listed: 0, analysed: 0, unreadable: 0, skippedAwsManaged: 0, skippedPendingDeletion: 0 };
  const keys: ListedKey[] = [];

  const targetFailure = (target: ScanTarget, what: string, e: unknown) => {
    stats.unreadable += 1;
    results.push({
      file: `${target.account}/${target.region}`,
      findings: [],
      warnings: [],
      error: `${what} failed (${describeError(e)}); the keys of account ${target.account} in ${target.region} were not judged`,
      extra: { account: target.account, region: target.region },
    });
  };

  // Listing: one account and Region at a time per worker, so a large organisation lists in parallel too.
  await runPool(targets, options.concurrency, async (target) => {
    let kms;
    try {
      kms = await aws.kms(target, identity.partition);
    } catch (e) {
      targetFailure(target, target.roleName === undefined ? 'creating the KMS client' : `sts:AssumeRole of role ${target.roleName}`, e);
      return;
    }
    const limiter = new TokenBucket(options.maxRps, clock);
    const reader = new KmsKeyReader({ kms, limiter, clock });
    let listed: { keyId: string; arn?: string }[];
    try {
      listed = await reader.listKeys();
    } catch (e) {
      targetFailure(target, 'kms:ListKeys', e);
      return;
    }
    let aliases = new Map<string, string[]>();
    try {
      aliases = await listAliasesByKey(kms, limiter, clock);
    } catch (e) {
      notes.push(`aliases of account ${target.account} in ${target.region} could not be listed (kms:ListAliases: ${awsErrorName(e)}); keys are shown without them`);
    }
    stats.listed += listed.length;
    for (const k of listed) keys.push({ ...k, target, reader, aliases: aliases.get(k.keyId) ?? [] });
  });

  keys.sort((a, b) => cmp(a.target.account, b.target.account) || cmp(a.target.region, b.target.region) || cmp(a.keyId, b.keyId));
  progress.start(keys.length);
  try {
    await runPool(keys, options.concurrency, async (key) => {
      try {
        const entry = await judgeKey(key, options, stats);
        if (entry !== undefined) results.push(entry);
      } finally {
        progress.increment();
      }
    });
  } finally {
    progress.stop();
  }

  const skipped: string[] = [];
  if (stats.skippedAwsManaged > 0) skipped.push(`${stats.skippedAwsManaged} AWS-managed key${stats.skippedAwsManaged === 1 ? '' : 's'}`);
  if (stats.skippedPendingDeletion > 0) skipped.push(`${stats.skippedPendingDeletion} key${stats.skippedPendingDeletion === 1 ? '' : 's'} pending deletion`);
  if (skipped.length > 0) notes.push(`skipped ${skipped.join(' and ')}; pass --include-aws-managed to judge them too`);

  notes.sort();
  results.sort((a, b) => cmp(String(a.extra?.account ?? ''), String(b.extra?.account ?? '')) || cmp(String(a.extra?.region ?? ''), String(b.extra?.region ?? '')) || cmp(a.file, b.file));
  return { results, notes, stats };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function judgeKey(key: ListedKey, options: ScanOptions, stats: ScanStats): Promise<ResultEntry | undefined> {
  const { target } = key;
  let arn = key.arn ?? `arn:aws:kms:${target.region}:${target.account}:key/${key.keyId}`;
  const extra = (more: Record<string, unknown> = {}): Record<string, unknown> => ({
    keyArn: arn,
    account: accountOfArn(arn) ?? target.account,
    region: target.region,
    aliases: key.aliases,
    ...more,
  });
  const unreadable = (outcome: Extract<ReadOutcome<unknown>, { ok: false }>): ResultEntry => {
    stats.unreadable += 1;
    return {
      file: arn,
      findings: [],
      warnings: [],
      error: `unreadable: ${outcome.operation} failed with ${outcome.errorName}; the key policy was not judged (grant ${outcome.operation} to the scanning principal)`,
      extra: extra({ unreadable: { operation: outcome.operation, errorName: outcome.errorName, kind: outcome.kind } }),
    };
  };

  const described = await key.reader.describe(key.keyId);
  if (!described.ok) return unreadable(described);
  const { keyManager, keyState } = described.value;
  if (described.value.arn !== undefined) arn = described.value.arn;
  if (!options.includeAwsManaged) {
    if (keyManager === 'AWS') {
      stats.skippedAwsManaged += 1;
      return undefined;
    }
    if (keyState !== undefined && PENDING_DELETION.has(keyState)) {
      stats.skippedPendingDeletion += 1;
      return undefined;
    }
  }

  const read = await key.reader.policy(key.keyId);
  if (!read.ok) return unreadable(read);
  const account = accountOfArn(arn) ?? target.account;
  const analysis = analyzePolicy(read.value, { ...options.analysis, accountId: account, keyArn: arn });
  stats.analysed += 1;
  return {
    file: arn,
    findings: analysis.findings,
    warnings: analysis.warnings,
    sourceText: read.value,
    extra: extra({ ...(keyManager !== undefined ? { keyManager } : {}), ...(keyState !== undefined ? { keyState } : {}) }),
    access: accessDetails(analysis, read.value),
  };
}

/** The scan as a report every output format renders. */
export function scanReport(scan: ScanResult, tool: Report['tool']): Report {
  return { tool, results: scan.results, notes: scan.notes };
}
