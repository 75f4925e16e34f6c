/**
 * `scan --security-hub`: sends the scan's ASFF findings to AWS Security Hub, and resolves the findings of an
 * earlier scan that this one no longer finds.
 *
 * Security Hub takes a finding only in the account it belongs to (BatchImportFindings must be called by the
 * account named by the finding's AwsAccountId) and stores it in the Region the call is made in, so findings
 * are grouped by their account and Region and each group is sent there: in an organisation scan through the
 * member account's role, which then needs securityhub:BatchImportFindings (and securityhub:GetFindings for the
 * resolution of disappeared findings).
 * https://docs.aws.amazon.com/securityhub/latest/partnerguide/guidelines-batchimportfindings.html
 *
 * Quotas, per account and Region: BatchImportFindings takes at most 100 findings a call and 10 calls a second
 * (burst 30); GetFindings 3 calls a second (burst 6). Each pair gets a token bucket per operation at those
 * rates, and throttling (LimitExceededException, HTTP 429) is retried with backoff (aws/limited-call.ts).
 * https://docs.aws.amazon.com/securityhub/1.0/APIReference/Welcome.html
 *
 * A finding Security Hub refuses within a successful call (FailedFindings) is sent again, a bounded number of
 * times; one still refused is reported with its id, error code and message, and makes the import incomplete.
 *
 * Resolution fails closed: an ACTIVE finding of this tool's own product and generator that the run did not
 * find again is archived (RecordState ARCHIVED, Compliance.Status PASSED) only when the run could have found
 * it: its account and Region were listed, its key was judged fully (or is no longer listed: deleted), its
 * check ran, its severity is not below --min-severity, and for a grant check, the grants were read. Any
 * other finding stays ACTIVE, and the outcome says why.
 */
import { BatchImportFindingsCommand, GetFindingsCommand, type AwsSecurityFinding, type AwsSecurityFindingFilters, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CHECK, severityRank, type CheckId, type Severity } from '../../engine';
import { AssumeRoleError, awsErrorName, classifyAwsError } from '../../aws/errors';
import { limitedCall } from '../../aws/limited-call';
import type { Clock } from '../../runtime/clock';
import { TokenBucket } from '../../runtime/token-bucket';
import { runPool } from '../../runtime/worker-pool';
import { describeError, rootCause } from '../commands/scan-errors';

/** Findings per BatchImportFindings call: Security Hub's maximum. */
export const IMPORT_BATCH_SIZE = 100;
/** BatchImportFindings calls a second, per account and Region (Security Hub's rate limit is 10, burst 30). */
export const IMPORT_RATE_PER_SECOND = 10;
/** GetFindings calls a second, per account and Region (Security Hub's rate limit is 3, burst 6). */
export const GET_FINDINGS_RATE_PER_SECOND = 3;
/** Times a finding refused in FailedFindings is sent, the first included. */
export const FAILED_FINDING_ATTEMPTS = 3;

/**
 * The checks whose findings come from the key's grants (kms:ListGrants), not its policy: with --no-grants
 * they cannot be found again, so their findings are never resolved by such a run. A drift test holds the list
 * to the engine's checks.
 */
export const GRANT_CHECKS: readonly CheckId[] = [CHECK.UNTRUSTED_GRANTEE, CHECK.UNTRUSTED_GRANT_RETIREE, CHECK.REDELEGABLE_GRANT];

/** An account and Region findings are sent to, and the role to act as there (organisation scans). */
export interface HubPair {
  account: string;
  region: string;
  roleName?: string;
}

/**
 * What an imported finding is about, read back from the finding itself: a key, or (`about: 'pair'`) the
 * account and Region whose keys could not be listed.
 */
export interface FindingSubject {
  about: { keyArn: string } | 'pair';
  checkId: string;
  severity: Severity;
}

/** How this tool's findings are told from every other product's and generator's, and read back. */
export interface FindingIdentity {
  /** The product ARN the findings of `pair` are imported under. */
  productArn(pair: HubPair): string;
  /** Every GeneratorId of this tool starts with it. */
  generatorIdPrefix: string;
  /** The key, check and severity of one of this tool's findings; undefined when they cannot be read. */
  subjectOf(finding: AwsSecurityFinding): FindingSubject | undefined;
}

/** What this run could have found again: the facts that decide whether a disappeared finding is resolved. */
export interface ArchiveCoverage {
  /** Account/Region pairs whose keys were listed. */
  listedPairs: readonly HubPair[];
  /** Pairs the run set out to read but could not list (their findings are not looked at). */
  unlistedPairs: readonly { account: string; region: string }[];
  /** ARNs of the keys listed in the listed pairs, judged or not (deleted keys are not among them). */
  listedKeys: ReadonlySet<string>;
  /** ARNs of the keys whose policy (and grants, when read) were judged fully: no entry error, nothing notJudged. */
  judgedKeys: ReadonlySet<string>;
  disabledChecks: readonly string[];
  /** Findings below it were left out of the report. */
  minimumSeverity?: Severity;
  /** False with --no-grants. */
  grantsRead: boolean;
}

export interface SecurityHubImportOptions {
  /** The run's findings, in ASFF. */
  findings: readonly AwsSecurityFinding[];
  coverage: ArchiveCoverage;
  identity: FindingIdentity;
  /** A Security Hub client acting in the pair's account (its role, when set) and Region. */
  client(pair: HubPair): Promise<SecurityHubClient>;
  clock: Clock;
  /** Pairs worked on at once. */
  concurrency: number;
  /**
   * The role of an organisation scan, for an account no listed pair names (one whose Regions could not be
   * listed, yet has a finding saying so).
   */
  roleName?: string;
  /** Rates per account and Region; tests lower or raise them. */
  importRatePerSecond?: number;
  getFindingsRatePerSecond?: number;
}

/** A finding Security Hub did not take. */
export interface FailedFinding {
  id: string;
  errorCode: string;
  errorMessage: string;
}

/** What happened in one account and Region. */
export interface PairOutcome {
  account: string;
  region: string;
  /** Findings of this run taken by Security Hub. */
  imported: number;
  /** Disappeared findings sent again ARCHIVED and PASSED. */
  archived: number;
  /** Findings not taken: refused (FailedFindings), or not sent because the group's import failed. */
  failed: FailedFinding[];
  /** Disappeared findings left ACTIVE, and why. */
  keptActive: { id: string; reason: string }[];
  /** Why the import or the resolution in this pair stopped, and what to do. */
  error?: string;
}

export interface SecurityHubOutcome {
  pairs: PairOutcome[];
  /** Every finding was taken, and every pair could be resolved. */
  complete: boolean;
}

const pairKey = (p: { account: string; region: string }) => `${p.account}/${p.region}`;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The finding's Region: its own `Region`, else its product ARN's. */
function regionOf(finding: AwsSecurityFinding): string | undefined {
  return finding.Region ?? finding.ProductArn?.split(':')[3];
}

/**
 * The pairs to work on, sorted: every listed pair (a listed pair with no finding left may have findings to
 * resolve), and any other pair a finding names (imported, never resolved), with the role of its account.
 */
function pairsToVisit(options: SecurityHubImportOptions): { pair: HubPair; findings: AwsSecurityFinding[]; listed: boolean }[] {
  const visits = new Map<string, { pair: HubPair; findings: AwsSecurityFinding[]; listed: boolean }>();
  for (const pair of options.coverage.listedPairs) visits.set(pairKey(pair), { pair, findings: [], listed: true });
  const roleOf = new Map(options.coverage.listedPairs.filter((p) => p.roleName !== undefined).map((p) => [p.account, p.roleName as string]));
  for (const finding of options.findings) {
    const account = finding.AwsAccountId;
    const region = regionOf(finding);
    if (account === undefined || region === undefined) continue;
    const key = pairKey({ account, region });
    let visit = visits.get(key);
    if (visit === undefined) {
      const roleName = roleOf.get(account) ?? options.roleName;
      visit = { pair: roleName === undefined ? { account, region } : { account, region, roleName }, findings: [], listed: false };
      visits.set(key, visit);
    }
    visit.findings.push(finding);
  }
  return [...visits.values()].sort((a, b) => (pairKey(a.pair) < pairKey(b.pair) ? -1 : pairKey(a.pair) > pairKey(b.pair) ? 1 : 0));
}

/** Why a call in `pair` failed, and what to do about it. */
function failureAdvice(e: unknown, pair: HubPair, operation: string): string {
  const cause = rootCause(e);
  const where = `account ${pair.account} in ${pair.region}`;
  if (e instanceof AssumeRoleError) return `${describeError(e)}; no finding was sent to ${where}`;
  const principal = pair.roleName === undefined ? 'the scanning principal' : `role ${pair.roleName} of account ${pair.account}`;
  if (classifyAwsError(cause) === 'access-denied') {
    return `${operation} failed (${describeError(e)}): grant securityhub:BatchImportFindings and securityhub:GetFindings to ${principal}`;
  }
  // Security Hub answers InvalidAccessException when it is not enabled in the account and Region.
  if (awsErrorName(cause) === 'InvalidAccessException') {
    return `${operation} failed (${describeError(e)}): enable Security Hub in ${where} (aws securityhub enable-security-hub --region ${pair.region})`;
  }
  return `${operation} failed (${describeError(e)})`;
}

/** A failed call: its error says what was attempted and what to do. */
class PairCallError extends Error {
  override readonly name = 'PairCallError';
}

interface PairContext {
  pair: HubPair;
  client: SecurityHubClient;
  importLimiter: TokenBucket;
  getLimiter: TokenBucket;
  clock: Clock;
}

/**
 * Sends `findings` in batches of IMPORT_BATCH_SIZE; those refused are sent again, up to FAILED_FINDING_ATTEMPTS
 * times in all, and those still refused are returned. Each finding taken is added to `taken`, so that when a
 * call fails after its retries (PairCallError), the caller knows which findings were not.
 */
async function importAll(ctx: PairContext, findings: readonly AwsSecurityFinding[], taken: Set<AwsSecurityFinding>): Promise<FailedFinding[]> {
  let toSend = [...findings];
  let refused: FailedFinding[] = [];
  for (let attempt = 1; attempt <= FAILED_FINDING_ATTEMPTS && toSend.length > 0; attempt++) {
    const again: AwsSecurityFinding[] = [];
    refused = [];
    for (let i = 0; i < toSend.length; i += IMPORT_BATCH_SIZE) {
      const batch = toSend.slice(i, i + IMPORT_BATCH_SIZE);
      const result = await callOrExplain(ctx, 'securityhub:BatchImportFindings', ctx.importLimiter, (o) => ctx.client.send(new BatchImportFindingsCommand({ Findings: batch }), o));
      const failures = new Map((result.FailedFindings ?? []).map((f) => [f.Id ?? '', f]));
      // Failures counted but not named: which findings were taken is unknown, so none of the batch is taken
      // for granted (sending a finding again only updates it).
      const failedCount = result.FailedCount ?? 0;
      const unnamed =
        failedCount > failures.size ? { ErrorCode: 'FailedCountMismatch', ErrorMessage: `Security Hub counted ${failedCount} failed findings in the batch but named ${failures.size}` } : undefined;
      for (const finding of batch) {
        const failure = failures.get(finding.Id ?? '') ?? unnamed;
        if (failure === undefined) {
          taken.add(finding);
          continue;
        }
        again.push(finding);
        refused.push({ id: finding.Id ?? '(no id)', errorCode: failure.ErrorCode ?? 'UnknownError', errorMessage: failure.ErrorMessage ?? '' });
      }
    }
    toSend = again;
  }
  return refused;
}

async function callOrExplain<T>(ctx: PairContext, operation: string, limiter: TokenBucket, send: (o: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T> {
  try {
    return await limitedCall(operation, send, { limiter, clock: ctx.clock });
  } catch (e) {
    throw new PairCallError(failureAdvice(e, ctx.pair, operation), { cause: e });
  }
}

/** The filter Security Hub is asked for; it is applied again to the answer (see ownActiveFindings). */
function ownFindingsFilter(pair: HubPair, identity: FindingIdentity): AwsSecurityFindingFilters {
  return {
    ProductArn: [{ Value: identity.productArn(pair), Comparison: 'EQUALS' }],
    GeneratorId: [{ Value: identity.generatorIdPrefix, Comparison: 'PREFIX' }],
    AwsAccountId: [{ Value: pair.account, Comparison: 'EQUALS' }],
    Region: [{ Value: pair.region, Comparison: 'EQUALS' }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
  };
}

/**
 * This tool's ACTIVE findings in the pair, every page. The filter is checked again on each finding: a service
 * that ignored it (or a filter field Security Hub reads differently) must never lead to another product's or
 * generator's finding being archived.
 */
async function ownActiveFindings(ctx: PairContext, identity: FindingIdentity): Promise<AwsSecurityFinding[]> {
  const productArn = identity.productArn(ctx.pair);
  const own: AwsSecurityFinding[] = [];
  const seenTokens = new Set<string>();
  let token: string | undefined;
  do {
    const page = await callOrExplain(ctx, 'securityhub:GetFindings', ctx.getLimiter, (o) =>
      ctx.client.send(new GetFindingsCommand({ Filters: ownFindingsFilter(ctx.pair, identity), MaxResults: 100, ...(token === undefined ? {} : { NextToken: token }) }), o),
    );
    for (const f of page.Findings ?? []) {
      if (
        f.ProductArn === productArn &&
        f.GeneratorId?.startsWith(identity.generatorIdPrefix) === true &&
        f.AwsAccountId === ctx.pair.account &&
        regionOf(f) === ctx.pair.region &&
        (f.RecordState ?? 'ACTIVE') === 'ACTIVE'
      ) {
        own.push(f);
      }
    }
    // An empty or repeated token ends the listing (a token seen before would loop for ever).
    token = page.NextToken === undefined || page.NextToken === null || page.NextToken === '' || seenTokens.has(page.NextToken) ? undefined : page.NextToken;
    if (token !== undefined) seenTokens.add(token);
  } while (token !== undefined);
  return own;
}

/** Why a disappeared finding cannot be resolved by this run; undefined when it can. */
export function keepActiveReason(finding: AwsSecurityFinding, pair: HubPair, coverage: ArchiveCoverage, identity: FindingIdentity): string | undefined {
  const subject = identity.subjectOf(finding);
  if (subject === undefined) return 'its key, check or severity cannot be read from the finding';
  if (subject.about !== 'pair') {
    const [, , , keyRegion, keyAccount] = subject.about.keyArn.split(':');
    if (keyRegion !== pair.region || keyAccount !== pair.account) return `its key ${subject.about.keyArn} is not of account ${pair.account} in ${pair.region}`;
  }
  if (coverage.disabledChecks.includes(subject.checkId)) return `check ${subject.checkId} did not run (--disable-checks)`;
  if (coverage.minimumSeverity !== undefined && severityRank(subject.severity) < severityRank(coverage.minimumSeverity)) {
    return `its severity ${subject.severity} is below --min-severity ${coverage.minimumSeverity}`;
  }
  if (!coverage.grantsRead && (GRANT_CHECKS as readonly string[]).includes(subject.checkId)) return `check ${subject.checkId} judges grants, which were not read (--no-grants)`;
  // A finding about the pair itself (its keys could not be listed): they were listed this run.
  if (subject.about === 'pair') return undefined;
  const { keyArn } = subject.about;
  if (coverage.judgedKeys.has(keyArn) || !coverage.listedKeys.has(keyArn)) return undefined;
  return `key ${keyArn} was not fully judged this run`;
}

/**
 * The finding as sent again to resolve it: ARCHIVED, compliance PASSED, updated now. Security Hub's
 * customer-owned fields, set with BatchUpdateFindings (workflow, notes, verification…), are left out, so the
 * resolution never overwrites what a person recorded.
 * https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html
 */
export function resolvedFinding(finding: AwsSecurityFinding, now: string): AwsSecurityFinding {
  // ProcessedAt is Security Hub's own, set when it processes the finding.
  const { Note, UserDefinedFields, VerificationState, Workflow, WorkflowState, ProcessedAt, ...kept } = finding;
  void [Note, UserDefinedFields, VerificationState, Workflow, WorkflowState, ProcessedAt];
  return { ...kept, RecordState: 'ARCHIVED', Compliance: { ...finding.Compliance, Status: 'PASSED' }, UpdatedAt: now };
}

async function visitPair(visit: { pair: HubPair; findings: AwsSecurityFinding[]; listed: boolean }, options: SecurityHubImportOptions): Promise<PairOutcome> {
  const { pair } = visit;
  const outcome: PairOutcome = { account: pair.account, region: pair.region, imported: 0, archived: 0, failed: [], keptActive: [] };
  const notSent = (findings: readonly AwsSecurityFinding[], why: string) =>
    outcome.failed.push(...findings.map((f) => ({ id: f.Id ?? '(no id)', errorCode: 'NotSent', errorMessage: why })));
  let client: SecurityHubClient;
  try {
    client = await options.client(pair);
  } catch (e) {
    outcome.error = failureAdvice(e, pair, 'creating the Security Hub client');
    notSent(visit.findings, outcome.error);
    return outcome;
  }
  const ctx: PairContext = {
    pair,
    client,
    clock: options.clock,
    importLimiter: new TokenBucket(options.importRatePerSecond ?? IMPORT_RATE_PER_SECOND, options.clock),
    getLimiter: new TokenBucket(options.getFindingsRatePerSecond ?? GET_FINDINGS_RATE_PER_SECOND, options.clock),
  };
  const taken = new Set<AwsSecurityFinding>();
  try {
    outcome.failed.push(...(await importAll(ctx, visit.findings, taken)));
    outcome.imported = taken.size;
  } catch (e) {
    outcome.error = e instanceof PairCallError ? e.message : `securityhub:BatchImportFindings failed (${describeError(e)})`;
    outcome.imported = taken.size;
    notSent(
      visit.findings.filter((f) => !taken.has(f)),
      outcome.error,
    );
    return outcome;
  }
  if (!visit.listed) return outcome;
  try {
    await resolveDisappeared(ctx, visit.findings, outcome, options);
  } catch (e) {
    outcome.error = e instanceof PairCallError ? e.message : `resolving disappeared findings failed (${describeError(e)})`;
  }
  return outcome;
}

/** Archives the pair's ACTIVE findings this run did not send again and could have found; keeps the others. */
async function resolveDisappeared(ctx: PairContext, current: readonly AwsSecurityFinding[], outcome: PairOutcome, options: SecurityHubImportOptions): Promise<void> {
  const currentIds = new Set(current.map((f) => f.Id));
  const now = new Date(options.clock.now()).toISOString();
  const toArchive: AwsSecurityFinding[] = [];
  for (const finding of await ownActiveFindings(ctx, options.identity)) {
    if (currentIds.has(finding.Id)) continue;
    const reason = keepActiveReason(finding, ctx.pair, options.coverage, options.identity);
    if (reason === undefined) toArchive.push(resolvedFinding(finding, now));
    else outcome.keptActive.push({ id: finding.Id ?? '(no id)', reason });
  }
  const taken = new Set<AwsSecurityFinding>();
  try {
    outcome.failed.push(...(await importAll(ctx, toArchive, taken)));
  } finally {
    outcome.archived = taken.size;
  }
}

/** Imports the findings, each group in its account and Region, and resolves those that disappeared. */
export async function importToSecurityHub(options: SecurityHubImportOptions): Promise<SecurityHubOutcome> {
  const visits = pairsToVisit(options);
  const outcomes: PairOutcome[] = new Array<PairOutcome>(visits.length);
  await runPool(visits, options.concurrency, async (visit, index) => {
    outcomes[index] = await visitPair(visit, options);
  });
  // A finding that names no account or Region cannot be sent anywhere: reported, never dropped.
  const unplaced = options.findings.filter((f) => f.AwsAccountId === undefined || regionOf(f) === undefined);
  if (unplaced.length > 0) {
    const why = 'the finding names no AwsAccountId or Region to import it in';
    outcomes.push({ account: '(none)', region: '(none)', imported: 0, archived: 0, failed: unplaced.map((f) => ({ id: f.Id ?? '(no id)', errorCode: 'NotPlaced', errorMessage: why })), keptActive: [] });
  }
  return { pairs: outcomes, complete: outcomes.every((o) => o.error === undefined && o.failed.length === 0) };
}

/** One line per pair, for stderr: `Security Hub 111122223333/eu-west-1: 3 imported, 1 archived, 0 failed`. */
export function securityHubSummary(outcome: SecurityHubOutcome): string[] {
  return outcome.pairs.map((p) => {
    const kept = p.keptActive.length > 0 ? `, ${p.keptActive.length} kept active (not re-judged)` : '';
    const error = p.error === undefined ? '' : `; ${p.error}`;
    return `Security Hub ${p.account}/${p.region}: ${p.imported} imported, ${p.archived} archived, ${p.failed.length} failed${kept}${error}`;
  });
}

/**
 * The outcome as report notes, so the JSON and HTML reports say it too: the summary per pair, each finding not
 * taken (id, error code, message), each finding kept ACTIVE with why, and the pairs not listed.
 */
export function securityHubNotes(outcome: SecurityHubOutcome, coverage: Pick<ArchiveCoverage, 'unlistedPairs'>): string[] {
  const notes = securityHubSummary(outcome);
  for (const p of outcome.pairs) {
    for (const f of p.failed) notes.push(`Security Hub ${p.account}/${p.region}: finding ${f.id} not imported: ${f.errorCode}${f.errorMessage === '' ? '' : `: ${f.errorMessage}`}`);
    for (const k of p.keptActive) notes.push(`Security Hub ${p.account}/${p.region}: finding ${k.id} kept ACTIVE: ${k.reason}`);
  }
  for (const u of coverage.unlistedPairs) {
    notes.push(`Security Hub ${u.account}/${u.region}: the keys could not be listed, so no finding there was resolved (they stay ACTIVE)`);
  }
  const failed = outcome.pairs.reduce((n, p) => n + p.failed.length, 0);
  const errors = outcome.pairs.filter((p) => p.error !== undefined).length;
  if (!outcome.complete) notes.push(`Security Hub import incomplete: ${plural(failed, 'finding')} not imported, ${plural(errors, 'account/Region pair')} with an error`);
  return notes;
}
