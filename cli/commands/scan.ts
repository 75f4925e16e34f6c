/**
 * `scan`: read the KMS keys of live accounts and judge their key policies.
 *
 * For each account and Region: ListKeys (every page) and ListAliases; then, per key, DescribeKey and
 * GetKeyPolicy through the Config rule's KmsKeyReader (aws/kms-reader.ts), so every call shares a
 * token-bucket rate limit per account and Region (KMS request quotas are per account and Region:
 * https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html) and throttling is retried
 * with backoff. Keys are judged with at most `concurrency` in flight across all accounts and Regions, taken
 * from the account/Region pairs in turn, so every pair reads under its own rate limit at the same time
 * instead of one pair's limit holding up the rest; the output is sorted by account, Region and key.
 *
 * A key that a read answers NotFoundException for, and that a second DescribeKey (after a short wait: KMS is
 * eventually consistent right after CreateKey) confirms gone, was deleted during the scan: it is left out and
 * named in a note, not reported unreadable. A scan that finds no account or Region to read fails (exit 2)
 * instead of passing with 0 keys judged.
 *
 * A key whose reads fail is reported as unreadable (an error entry: never clean, and the exit code says
 * so); the scan goes on with the others. So is an account and Region whose keys cannot be listed, and, for
 * `--regions all` in an organisation scan, an account whose enabled Regions cannot be listed. AWS-managed
 * keys (KeyManager AWS: their policies are AWS's to set) and keys pending deletion are skipped unless asked,
 * and the number skipped is said.
 *
 * Unless `effectiveAccess` is off, each judged key also gets its effective access: who in its account can use
 * or administer it, IAM and the organisation's policies included (scan-access.ts reads IAM once per account).
 */
import { accountOfArn, analyzePolicy, type AnalysisOptions, type AnalysisResult, type CheckId, type KeyGrant, type Finding, type Severity } from '../../engine';
import { countsAtMinimum, decideExemptionTag, DEFAULT_NON_SUPPRESSIBLE_CHECKS, type MarkedFinding } from '../../suppress';
import { isPendingDeletion } from '../../aws/key-state';
import { awsErrorName } from '../../aws/errors';
import { describeError, errorCode, rootCause } from './scan-errors';
import { KmsKeyReader, failureKind, type KeyGrantsRead, type KeyMetadataFacts, type ReadOutcome } from '../../aws/kms-reader';
import type { Clock } from '../../runtime/clock';
import { TokenBucket } from '../../runtime/token-bucket';
import { accessDetails, statementsOf } from '../access';
import { listAliasesByKey } from '../aws/aliases';
import type { CallerIdentity, ScanAws, ScanTarget } from '../aws/scan-aws';
import { UsageError } from '../io';
import { NO_PROGRESS, type Progress } from '../progress';
import { type Report, type ReportWarning, type ResultEntry } from '../report';
import { AssumeRoleError } from '../../aws/errors';
import { executionRoleArn, roleArnFromCaller } from '../../aws/clients';
import { runPool } from '../../runtime/worker-pool';
import { EffectiveAccessSource } from './scan-access';

export interface ScanOptions {
  /**
   * Explicit Regions, `all` (every Region enabled for the account: the caller's, or in an organisation scan
   * each member account's own), or the chain's default Region.
   */
  regions: string[] | 'all' | 'default';
  /** Organisation scan: the role to assume in each account. */
  roleName?: string;
  /** Organisation scan: the accounts, or `all` (Organizations ListAccounts). */
  accounts?: string[] | 'all';
  includeAwsManaged: boolean;
  /**
   * Read each key's grants (kms:ListGrants, 100 a page, under the same rate limit) and judge them with its policy.
   * A key whose grants cannot be read is reported incomplete (an error beside its policy's findings), never as
   * having none. @default true
   */
  grants?: boolean;
  /** Keys judged at once, across all accounts and Regions. */
  concurrency: number;
  /** KMS requests per second, per account and Region. */
  maxRps: number;
  /** Trust settings passed to the engine (the key's own account comes from its ARN). */
  analysis: Pick<AnalysisOptions, 'trustedAccountIds' | 'trustedOrgIds' | 'disabledChecks'>;
  /** The rule's ExemptionTagKey: a key carrying this tag with a non-empty value has its findings accepted. */
  exemptionTagKey?: string;
  /** The rule's NonSuppressibleChecks: the tag cannot exempt a key with a counted finding of these. @default DEFAULT_NON_SUPPRESSIBLE_CHECKS */
  nonSuppressibleChecks?: readonly CheckId[];
  /** Findings below it do not count (and do not make the exemption tag worth reading). @default info: every finding counts */
  minimumSeverity?: Severity;
  /**
   * Compute each judged key's effective access: who in its account can use or administer it, IAM included
   * (scan-access.ts). Reads IAM once per account and the organisation's SCPs and RCPs.
   */
  effectiveAccess: boolean;
}

export interface ScanDeps {
  aws: ScanAws;
  clock: Clock;
  progress?: Progress;
}

export interface ScanStats {
  /** Account/Region pairs the scan set out to read. */
  targets: number;
  /** Keys listed, in the pairs that could be listed. */
  listed: number;
  /** Keys whose policy was read and judged. */
  analysed: number;
  /** Keys whose DescribeKey or GetKeyPolicy failed: not judged. */
  unreadable: number;
  /** Keys whose policy was judged but whose grants could not be read (ListGrants failed): judged in part only. */
  grantsUnread: number;
  /** Account/Region pairs whose keys could not be listed (role not assumed, ListKeys failed). */
  unlistedPairs: number;
  /** Accounts whose enabled Regions could not be listed (`--regions all` in an organisation scan). */
  unlistedAccounts: number;
  skippedAwsManaged: number;
  skippedPendingDeletion: number;
  /** Organisation accounts passed over because they are not ACTIVE (`--accounts all`). */
  skippedAccounts: number;
  /** Keys listed, then found deleted when read (NotFoundException, confirmed by a second DescribeKey). */
  gone: number;
  /** Judged keys whose effective access is incomplete (IAM or the organisation's policies could not be read…). */
  effectiveAccessIncomplete: number;
}

export interface ScanResult {
  results: ResultEntry[];
  notes: string[];
  stats: ScanStats;
  /** The accounts and Regions the scan set out to read (its account/Region pairs), each sorted, once. */
  scope: { accounts: string[]; regions: string[] };
  /** The account/Region pairs the scan set out to read, with the role assumed in each (organisation scans). */
  targets: ScanTarget[];
  /**
   * ARNs of the keys listed in the pairs that could be listed, judged or skipped, less those found deleted
   * during the scan: what tells a key that is gone from one that was not judged (`--security-hub` resolution).
   */
  listedKeys: string[];
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

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `advice` (e.g. which permission to grant to whom) is appended to the error's message when given one. */
async function setupStep<T>(what: string, run: () => Promise<T>, advice: (e: unknown) => string | undefined = () => undefined): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const more = advice(e);
    throw new ScanSetupError(`${what} failed (${describeError(e)})${more === undefined ? '' : `; ${more}`}`, { cause: e });
  }
}

const LIST_REGIONS = 'account:ListRegions';

/** For a ListRegions that was denied: the permission, and the principal (a role ARN, not its session) to grant it to. */
function listRegionsGrant(e: unknown, principal: string): string | undefined {
  return failureKind(rootCause(e)) === 'access-denied' ? `grant ${LIST_REGIONS} to ${principal}` : undefined;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The keys in the order they are read: sorted by account, Region and key id within each account/Region
 * pair, and taken from the pairs in turn (round-robin). Each pair has its own rate limit, so a pool that
 * takes the next key from the next pair keeps every pair busy, instead of filling all its slots with the
 * first pair's keys and waiting on that pair's limit while the others sit idle.
 */
function interleaveByTarget<T extends { keyId: string; target: ScanTarget }>(keys: readonly T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const key of keys) {
    const id = `${key.target.account}\u0000${key.target.region}`;
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [key]);
    else group.push(key);
  }
  const ordered = [...groups.values()].sort((a, b) => cmp((a[0] as T).target.account, (b[0] as T).target.account) || cmp((a[0] as T).target.region, (b[0] as T).target.region));
  for (const group of ordered) group.sort((a, b) => cmp(a.keyId, b.keyId));
  const out: T[] = [];
  for (let i = 0; out.length < keys.length; i++) {
    for (const group of ordered) {
      const key = group[i];
      if (key !== undefined) out.push(key);
    }
  }
  return out;
}

/** An empty scan result, which the steps of runScan fill in. */
function emptyScanResult(): ScanResult {
  return {
    results: [],
    notes: [],
    scope: { accounts: [], regions: [] },
    targets: [],
    listedKeys: [],
    stats: {
      targets: 0,
      listed: 0,
      analysed: 0,
      unreadable: 0,
      grantsUnread: 0,
      unlistedPairs: 0,
      unlistedAccounts: 0,
      skippedAwsManaged: 0,
      skippedPendingDeletion: 0,
      skippedAccounts: 0,
      gone: 0,
      effectiveAccessIncomplete: 0,
    },
  };
}

/** The Region the setup calls (STS, Organizations, Account) are made in: the first explicit one, else the chain's. */
async function homeRegionOf(options: ScanOptions, aws: ScanAws): Promise<string> {
  const explicit = Array.isArray(options.regions) ? options.regions : [];
  const homeRegion = explicit[0] ?? (await aws.defaultRegion());
  if (homeRegion === undefined) {
    throw new UsageError('no AWS Region: pass --regions (e.g. --regions us-east-1 or --regions all), or set AWS_REGION or a region in the profile');
  }
  return homeRegion;
}

/**
 * Records an account/Region pair (or, with region null, an account) whose keys could not be listed. The entry
 * has a key entry's fields, with keyArn null and no aliases, so every result has the same shape.
 */
function recordListingFailure(run: ScanResult, account: string, region: string | null, operation: string, what: string, e: unknown, consequence: string): void {
  if (region === null) run.stats.unlistedAccounts += 1;
  else run.stats.unlistedPairs += 1;
  run.results.push({
    subject: region === null ? account : `${account}/${region}`,
    findings: [],
    warnings: [],
    error: `${what} failed (${describeError(e)}); ${consequence}`,
    extra: { keyArn: null, account, region, aliases: [], unreadable: { operation, errorName: errorCode(rootCause(e)), kind: failureKind(rootCause(e)) } },
    unlisted: region === null ? 'account' : 'account-region',
  });
}

/** The caller's account, or in an organisation scan the accounts asked for (`all`: the organisation's ACTIVE ones). */
async function accountsToScan(options: ScanOptions, aws: ScanAws, homeRegion: string, identity: CallerIdentity, run: ScanResult): Promise<string[]> {
  if (options.roleName === undefined) return [identity.account];
  const wanted = options.accounts ?? 'all';
  // The same account given twice is scanned once.
  if (wanted !== 'all') return [...new Set(wanted)];
  const org = await setupStep('organizations:ListAccounts (for --accounts all)', () => aws.organizationAccounts(homeRegion));
  run.stats.skippedAccounts = org.skipped.length;
  if (org.skipped.length > 0) {
    run.notes.push(
      `skipped ${plural(org.skipped.length, 'account')} of the organisation that ${org.skipped.length === 1 ? 'is' : 'are'} not ACTIVE (sts:AssumeRole cannot enter suspended or closing accounts): ` +
        org.skipped.map((a) => `${a.account} (${a.state})`).join(', '),
    );
  }
  if (org.active.length === 0) {
    const skipped = org.skipped.length === 0 ? '' : ` (${org.skipped.length} not ACTIVE: ${org.skipped.map((a) => `${a.account} (${a.state})`).join(', ')})`;
    throw new ScanSetupError(`no account to scan: organizations:ListAccounts found no ACTIVE account${skipped}`);
  }
  return org.active;
}

function targetsOf(account: string, regions: readonly string[], roleName: string | undefined): ScanTarget[] {
  return [...new Set(regions)].map((region) => (roleName === undefined ? { account, region } : { account, region, roleName }));
}

/**
 * `--regions all` in an organisation scan: each member account has its own opt-in Regions, so each is asked,
 * with the role assumed there. An account that cannot be asked is recorded as unlisted.
 */
async function memberAccountTargets(accounts: readonly string[], roleName: string, options: ScanOptions, aws: ScanAws, homeRegion: string, identity: CallerIdentity, run: ScanResult): Promise<ScanTarget[]> {
  const regionsOf = new Map<string, string[]>();
  await runPool(accounts, options.concurrency, async (account) => {
    try {
      regionsOf.set(account, await aws.enabledRegions(homeRegion, { account, roleName, partition: identity.partition }));
    } catch (e) {
      const assume = e instanceof AssumeRoleError;
      const unknown = `the Regions enabled in account ${account} are unknown, so none of its keys were judged`;
      const grant = assume ? undefined : listRegionsGrant(e, executionRoleArn({ accountId: account, partition: identity.partition, region: homeRegion, executionRoleName: roleName }));
      recordListingFailure(
        run,
        account,
        null,
        assume ? 'sts:AssumeRole' : LIST_REGIONS,
        // Account is a global service: ListRegions goes to the partition's endpoint, not to homeRegion's.
        assume ? `sts:AssumeRole of role ${roleName} (in ${homeRegion}, for --regions all)` : `${LIST_REGIONS} (for --regions all)`,
        e,
        grant === undefined ? unknown : `${grant}; ${unknown}`,
      );
    }
  });
  return accounts.flatMap((account) => {
    const regions = regionsOf.get(account);
    return regions === undefined ? [] : targetsOf(account, regions, roleName);
  });
}

/** The account/Region pairs to read. Nothing to read is no pass: it fails the scan (see below). */
async function scanTargets(accounts: readonly string[], options: ScanOptions, aws: ScanAws, homeRegion: string, identity: CallerIdentity, run: ScanResult): Promise<ScanTarget[]> {
  const { roleName } = options;
  let targets: ScanTarget[];
  if (options.regions === 'all' && roleName !== undefined) {
    targets = await memberAccountTargets(accounts, roleName, options, aws, homeRegion, identity, run);
  } else {
    const regions =
      options.regions === 'all'
        ? await setupStep(`${LIST_REGIONS} (for --regions all)`, () => aws.enabledRegions(homeRegion), (e) => listRegionsGrant(e, roleArnFromCaller(identity.arn)))
        : options.regions === 'default'
          ? [homeRegion]
          : options.regions;
    targets = accounts.flatMap((account) => targetsOf(account, regions, roleName));
  }
  run.stats.targets = targets.length;
  run.targets = targets;
  run.scope = { accounts: [...new Set(targets.map((t) => t.account))].sort(), regions: [...new Set(targets.map((t) => t.region))].sort() };
  // A gate fed "0 keys judged" would go green. Accounts whose Regions could not be listed are reported as
  // errors already (exit 2).
  if (targets.length === 0 && run.stats.unlistedAccounts === 0) {
    throw new ScanSetupError(`no Region to scan: ${LIST_REGIONS} listed no Region enabled for ${roleName === undefined ? 'the account' : 'any account scanned'}`);
  }
  return targets;
}

/**
 * The keys of every pair, with a reader under the pair's own rate limit and the aliases of each key. One
 * account and Region at a time per worker, so a large organisation lists in parallel too; a pair that cannot
 * be listed is recorded as unlisted.
 */
async function listKeys(targets: readonly ScanTarget[], options: ScanOptions, deps: ScanDeps, identity: CallerIdentity, run: ScanResult): Promise<ListedKey[]> {
  const { aws, clock } = deps;
  const keys: ListedKey[] = [];
  const notJudged = (target: ScanTarget) => `the keys of account ${target.account} in ${target.region} were not judged`;
  await runPool(targets, options.concurrency, async (target) => {
    let kms;
    try {
      kms = await aws.kms(target, identity.partition);
    } catch (e) {
      if (target.roleName === undefined) recordListingFailure(run, target.account, target.region, 'kms client', 'creating the KMS client', e, notJudged(target));
      else recordListingFailure(run, target.account, target.region, 'sts:AssumeRole', `sts:AssumeRole of role ${target.roleName}`, e, notJudged(target));
      return;
    }
    const limiter = new TokenBucket(options.maxRps, clock);
    const reader = new KmsKeyReader({ kms, limiter, clock });
    let listed: { keyId: string; arn?: string }[];
    try {
      listed = await reader.listKeys();
    } catch (e) {
      recordListingFailure(run, target.account, target.region, 'kms:ListKeys', 'kms:ListKeys', e, notJudged(target));
      return;
    }
    let aliases = new Map<string, string[]>();
    try {
      aliases = await listAliasesByKey(kms, limiter, clock);
    } catch (e) {
      run.notes.push(`aliases of account ${target.account} in ${target.region} could not be listed (kms:ListAliases: ${awsErrorName(e)}); keys are shown without them`);
    }
    run.stats.listed += listed.length;
    for (const k of listed) {
      keys.push({ ...k, target, reader, aliases: aliases.get(k.keyId) ?? [] });
      run.listedKeys.push(k.arn ?? `arn:${identity.partition}:kms:${target.region}:${target.account}:key/${k.keyId}`);
    }
  });
  return keys;
}

/**
 * Judges every key (see interleaveByTarget for the order), recording entries, each with its effective access
 * when `access` is given; returns the ARNs of keys found deleted.
 */
async function readAndAnalyseKeys(keys: readonly ListedKey[], options: ScanOptions, progress: Progress, run: ScanResult, access: EffectiveAccessSource | undefined): Promise<string[]> {
  const queue = interleaveByTarget(keys);
  const gone: string[] = [];
  progress.start(queue.length);
  try {
    await runPool(queue, options.concurrency, async (key) => {
      try {
        const judged = await readAndAnalyseKey(key, options, run.stats);
        if (judged === 'gone') gone.push(key.arn ?? `arn:aws:kms:${key.target.region}:${key.target.account}:key/${key.keyId}`);
        else if (judged !== undefined) run.results.push(await withEffectiveAccess(judged, key.target, access));
      } finally {
        progress.increment();
      }
    });
  } finally {
    progress.stop();
  }
  return gone;
}

/** Notes for the keys skipped (AWS-managed, pending deletion) and the keys deleted while the scan read them. */
function notePassedOverKeys(run: ScanResult, gone: string[]): void {
  const { stats, notes } = run;
  const skipped: string[] = [];
  if (stats.skippedAwsManaged > 0) skipped.push(plural(stats.skippedAwsManaged, 'AWS-managed key'));
  if (stats.skippedPendingDeletion > 0) skipped.push(`${plural(stats.skippedPendingDeletion, 'key')} pending deletion`);
  if (skipped.length > 0) notes.push(`skipped ${skipped.join(' and ')}; pass --include-aws-managed to judge them too`);
  if (gone.length > 0) {
    stats.gone = gone.length;
    const one = gone.length === 1;
    notes.push(
      `${plural(gone.length, 'key')} ${one ? 'was' : 'were'} deleted while the scan read ${one ? 'it' : 'them'} (NotFoundException, confirmed by kms:DescribeKey), so not judged: ${gone.sort().join(', ')}`,
    );
  }
}

/** The run in a stable order: notes sorted, entries by account, Region and subject. */
function sortedResult(run: ScanResult): ScanResult {
  run.notes.sort();
  run.results.sort((a, b) => cmp(String(a.extra?.account ?? ''), String(b.extra?.account ?? '')) || cmp(String(a.extra?.region ?? ''), String(b.extra?.region ?? '')) || cmp(a.subject, b.subject));
  return run;
}

export async function runScan(options: ScanOptions, deps: ScanDeps): Promise<ScanResult> {
  const homeRegion = await homeRegionOf(options, deps.aws);
  const identity = await setupStep('sts:GetCallerIdentity (are AWS credentials configured?)', () => deps.aws.callerIdentity(homeRegion));
  const run = emptyScanResult();
  const accounts = await accountsToScan(options, deps.aws, homeRegion, identity, run);
  const targets = await scanTargets(accounts, options, deps.aws, homeRegion, identity, run);
  const keys = await listKeys(targets, options, deps, identity, run);
  const access = options.effectiveAccess ? new EffectiveAccessSource({ aws: deps.aws, clock: deps.clock, identity, homeRegion }) : undefined;
  const gone = await readAndAnalyseKeys(keys, options, deps.progress ?? NO_PROGRESS, run, access);
  notePassedOverKeys(run, gone);
  const deleted = new Set(gone);
  run.listedKeys = run.listedKeys.filter((arn) => !deleted.has(arn)).sort();
  if (access !== undefined) {
    run.notes.push(...access.notes());
    run.stats.effectiveAccessIncomplete = access.incomplete;
  }
  return sortedResult(run);
}

type ReadFailed = Extract<ReadOutcome<unknown>, { ok: false }>;

/** Why a read failed, and what to do about it, for the entry's error. */
function unreadableAdvice(outcome: ReadFailed): string {
  switch (outcome.kind) {
    case 'access-denied':
    case 'not-found':
      return `grant ${outcome.operation} to the scanning principal`;
    case 'timeout':
      return 'the endpoint did not answer in time (see --timeout); not a missing permission';
    case 'throttled':
      return 'still throttled after retries; lower --max-rps or rerun';
    case 'invalid-state':
      return "the key's state does not allow this call; not a missing permission";
    case 'error':
      return 'a service or network error; not a missing permission';
    default: {
      const unreachable: never = outcome.kind;
      return String(unreachable);
    }
  }
}

/** DescribeKey, asked again (confirmGone) when it answers NotFoundException: `gone`, or what it answered. */
async function describeListedKey(key: ListedKey): Promise<ReadOutcome<KeyMetadataFacts> | 'gone'> {
  const described = await key.reader.describe(key.keyId);
  if (described.ok || described.kind !== 'not-found') return described;
  // Deleted since ListKeys, or so new that KMS does not know it everywhere yet: ask again before deciding.
  const confirmation = await key.reader.confirmGone(key.keyId);
  if (confirmation.gone) return 'gone';
  return confirmation.described.ok ? confirmation.described : described;
}

/**
 * GetKeyPolicy: `gone` when the key was deleted, `pending deletion` when it was scheduled for deletion since
 * DescribeKey (and such keys are skipped), or what it answered.
 */
async function readListedPolicy(key: ListedKey, options: ScanOptions): Promise<ReadOutcome<string> | 'gone' | 'pending deletion'> {
  const read = await key.reader.policy(key.keyId);
  if (read.ok || read.kind !== 'not-found') return read;
  // Not a missing permission (that is AccessDeniedException) unless DescribeKey still finds the key: then
  // it stays unreadable, failing closed.
  const confirmation = await key.reader.confirmGone(key.keyId);
  if (confirmation.gone) return 'gone';
  const state = confirmation.described.ok ? confirmation.described.value.keyState : undefined;
  if (!options.includeAwsManaged && isPendingDeletion(state)) return 'pending deletion';
  return read;
}

/** Why a key is skipped unless --include-aws-managed: AWS-managed, or pending deletion; counted in the stats. */
function skipped(facts: KeyMetadataFacts, options: ScanOptions, stats: ScanStats): boolean {
  if (options.includeAwsManaged) return false;
  if (facts.keyManager === 'AWS') {
    stats.skippedAwsManaged += 1;
    return true;
  }
  if (isPendingDeletion(facts.keyState)) {
    stats.skippedPendingDeletion += 1;
    return true;
  }
  return false;
}

/** A key whose policy could not be read: never clean, with why and what to do. */
function unreadableKey(arn: string, extra: Record<string, unknown>, outcome: ReadFailed, stats: ScanStats): ResultEntry {
  stats.unreadable += 1;
  return {
    subject: arn,
    findings: [],
    warnings: [],
    error: `unreadable: ${outcome.operation} failed with ${outcome.errorName}; the key policy was not judged (${unreadableAdvice(outcome)})`,
    extra: { ...extra, unreadable: { operation: outcome.operation, errorName: outcome.errorName, kind: outcome.kind } },
  };
}

/** What a key's entry says of it: its ARN, account, Region and aliases, and what DescribeKey said. */
function keyFacts(key: ListedKey, arn: string, described: KeyMetadataFacts | undefined): Record<string, unknown> {
  const keyManager = described?.keyManager;
  const keyState = described?.keyState;
  return {
    keyArn: arn,
    account: accountOfArn(arn) ?? key.target.account,
    region: key.target.region,
    aliases: key.aliases,
    ...(keyManager !== undefined ? { keyManager } : {}),
    ...(keyState !== undefined ? { keyState } : {}),
  };
}

/** A key's entry, with the analysis of its policy when it was read. */
interface JudgedKey {
  entry: ResultEntry;
  analysis?: AnalysisResult;
}

/** The entry, with the key's effective access when asked for and its policy was judged. */
async function withEffectiveAccess({ entry, analysis }: JudgedKey, target: ScanTarget, access: EffectiveAccessSource | undefined): Promise<ResultEntry> {
  if (access === undefined || analysis === undefined) return entry;
  return { ...entry, effectiveAccess: await access.forKey({ arn: entry.subject, target, analysis, ...grantsOf(entry) }) };
}

/** The entry of a key, `gone` when it was deleted during the scan, undefined when skipped. */
async function readAndAnalyseKey(key: ListedKey, options: ScanOptions, stats: ScanStats): Promise<JudgedKey | 'gone' | undefined> {
  const listedArn = key.arn ?? `arn:aws:kms:${key.target.region}:${key.target.account}:key/${key.keyId}`;
  const described = await describeListedKey(key);
  if (described === 'gone') return 'gone';
  if (!described.ok) return { entry: unreadableKey(listedArn, keyFacts(key, listedArn, undefined), described, stats) };
  const arn = described.value.arn ?? listedArn;
  // What DescribeKey said stays on the entry even when GetKeyPolicy then fails.
  const facts = keyFacts(key, arn, described.value);
  if (skipped(described.value, options, stats)) return undefined;

  const read = await readListedPolicy(key, options);
  if (read === 'gone') return 'gone';
  if (read === 'pending deletion') {
    stats.skippedPendingDeletion += 1;
    return undefined;
  }
  if (!read.ok) return { entry: unreadableKey(arn, facts, read, stats) };
  const grants = options.grants === false ? undefined : await readListedGrants(key);
  if (grants === 'gone') return 'gone';
  const analysis = analyzePolicy(read.value, {
    ...options.analysis,
    accountId: accountOfArn(arn) ?? key.target.account,
    keyArn: arn,
    ...(grants?.ok === true ? { grants: grants.value.grants } : {}),
  });
  stats.analysed += 1;
  const exemption = options.exemptionTagKey === undefined ? undefined : await exempted(key, analysis.findings, options.exemptionTagKey, options);
  const entry: ResultEntry = {
    subject: arn,
    findings: exemption?.findings ?? analysis.findings,
    warnings: [...analysis.warnings, ...(exemption?.warning !== undefined ? [exemption.warning] : [])],
    statements: statementsOf(read.value),
    sourceText: read.value,
    // --no-grants: said in the JSON ("not-read"), so the key is not taken for one without grants.
    extra: grants === undefined ? { ...facts, grants: 'not-read' } : grants.ok ? { ...facts, grants: grants.value.grants } : facts,
    access: accessDetails(analysis, read.value, grants?.ok === true ? grants.value.grants : undefined),
  };
  if (grants !== undefined && !grants.ok) grantsUnread(entry, grants, stats);
  return { entry, analysis };
}

/** ListGrants, all pages: `gone` when the key was deleted meanwhile (confirmed by DescribeKey), else what it answered. */
async function readListedGrants(key: ListedKey): Promise<ReadOutcome<KeyGrantsRead> | 'gone'> {
  const read = await key.reader.grants(key.keyId);
  if (read.ok || read.kind !== 'not-found') return read;
  const confirmation = await key.reader.confirmGone(key.keyId);
  return confirmation.gone ? 'gone' : read;
}

/**
 * A key whose policy was judged but whose grants could not be read: its policy's findings stay, and an error says
 * the key was judged in part only, as for an unreadable policy (exit code 2, never clean).
 */
function grantsUnread(entry: ResultEntry, outcome: ReadFailed, stats: ScanStats): void {
  stats.grantsUnread += 1;
  entry.error = `incomplete: ${outcome.operation} failed with ${outcome.errorName}; the key's grants were not judged, only its policy (${unreadableAdvice(outcome)}, or pass --no-grants)`;
  entry.extra = { ...entry.extra, grants: null, unreadable: { operation: outcome.operation, errorName: outcome.errorName, kind: outcome.kind } };
}

/**
 * The exemption tag, with the Config rule's meaning (rule/verdict.ts decideVerdict): a non-empty value (trimmed) is
 * the justification, and every finding of the key is marked accepted with it; the findings stay in the report.
 * Tags are read only for a key with findings that count (at or above --min-severity), to spare the KMS quota.
 * No exemption applies, and a warning says why, when the tags cannot be read (fail closed), when the value is
 * empty, when the key has a finding nobody could have reviewed (INVALID_POLICY or a check that did not run), or
 * when a counted finding is of a non-suppressible check: the whole key then stays unexempted, as in the rule.
 * The decision is every gate's (suppress/exemption-tag.ts).
 */
async function exempted(
  key: ListedKey,
  findings: readonly Finding[],
  tagKey: string,
  options: Pick<ScanOptions, 'minimumSeverity' | 'nonSuppressibleChecks'>,
): Promise<{ findings?: MarkedFinding[]; warning?: ReportWarning } | undefined> {
  const counted = findings.filter((f) => countsAtMinimum(f, options.minimumSeverity ?? 'info'));
  if (counted.length === 0) return undefined;
  const notApplied = (why: string): { warning: ReportWarning } => ({ warning: { code: 'EXEMPTION_NOT_APPLIED', path: '$', message: `exemption tag ${tagKey}: ${why}` } });
  const tags = await key.reader.tags(key.keyId);
  if (!tags.ok) return notApplied(`kms:ListResourceTags failed with ${tags.errorName}; no exemption applied, the findings count (grant kms:ListResourceTags to read the tag)`);
  // Own tags only: a tag key such as "constructor" must not find what every object inherits.
  const decision = decideExemptionTag({
    values: Object.hasOwn(tags.value, tagKey) ? [tags.value[tagKey] ?? ''] : [],
    findings,
    counts: (f) => countsAtMinimum(f, options.minimumSeverity ?? 'info'),
    nonSuppressible: options.nonSuppressibleChecks ?? DEFAULT_NON_SUPPRESSIBLE_CHECKS,
    nonSuppressibleSetting: '--non-suppressible-checks',
  });
  switch (decision.kind) {
    case 'absent':
      return undefined;
    case 'refused':
      return notApplied(decision.why);
    case 'accepted':
      return { findings: decision.findings };
  }
}

/**
 * One line for stderr: keys judged and unreadable, and apart from them the account/Region pairs (and
 * accounts) that could not be listed, which are no keys and were not judged.
 */
export function scanSummary(s: ScanStats): string {
  const parts = [`${plural(s.analysed, 'key')} judged in ${plural(s.targets - s.unlistedPairs, 'account/Region pair')}`];
  if (s.unreadable > 0) parts.push(plural(s.unreadable, 'unreadable key'));
  if (s.grantsUnread > 0) parts.push(`${plural(s.grantsUnread, 'key')} whose grants could not be read`);
  if (s.unlistedPairs > 0) parts.push(`${plural(s.unlistedPairs, 'account/Region pair')} could not be listed`);
  if (s.unlistedAccounts > 0) parts.push(`${plural(s.unlistedAccounts, 'account')} whose Regions could not be listed`);
  if (s.skippedAwsManaged + s.skippedPendingDeletion > 0) parts.push(`${s.skippedAwsManaged + s.skippedPendingDeletion} skipped`);
  if (s.skippedAccounts > 0) parts.push(`${plural(s.skippedAccounts, 'account')} skipped (not ACTIVE)`);
  if (s.gone > 0) parts.push(`${s.gone} deleted during the scan`);
  return parts.join(', ');
}

/** A second line for stderr when some keys' effective access is incomplete; undefined when none is. */
export function effectiveAccessSummary(s: ScanStats): string | undefined {
  if (s.effectiveAccessIncomplete === 0) return undefined;
  return `effective access incomplete for ${plural(s.effectiveAccessIncomplete, 'key')} (each key's effectiveAccess.incompleteReasons says why)`;
}

/** The scan as a report every output format renders. */
export function scanReport(scan: ScanResult, tool: Report['tool']): Report {
  return { tool, results: scan.results, notes: scan.notes };
}

/**
 * The key's grants as its entry carries them (`extra.grants`, read with ListGrants), or why they are unknown:
 * without them the engine's answer is incomplete, never "no grants".
 */
function grantsOf(entry: ResultEntry): { grants?: readonly KeyGrant[]; grantsUnknownReason?: string } {
  const grants = entry.extra?.grants;
  if (Array.isArray(grants)) return { grants: grants as KeyGrant[] };
  // null: ListGrants failed (grantsUnread); absent: not asked for.
  return { grantsUnknownReason: grants === null ? "kms:ListGrants failed: see the key's error" : 'not read: --no-grants' };
}
