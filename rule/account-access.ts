/**
 * Who can use the keys of the account, for the scheduled sweep: the account's IAM and its organisation's SCPs
 * and RCPs are read once per invocation, compiled once (the engine's compileAccount), and each key with a counted
 * account-wide finding is then judged against them (effectiveAccess) for its annotation (rule/access-note.ts).
 *
 * Where IAM comes from: Config's recorded AWS::IAM::Role, User, Group and Policy items when this Region records
 * them (no IAM quota spent). Config records IAM, a global service, only in the one Region of the recorder that
 * records global resources (https://docs.aws.amazon.com/config/latest/developerguide/select-resources.html); in
 * the other Regions the items are absent and IAM GetAccountAuthorizationDetails is read instead. The
 * Organizations reads work only from the management account or a delegated administrator; elsewhere the answer
 * says the SCPs and RCPs are unknown.
 *
 * Time: IAM is read when the first key needs it (an account with no account-wide key costs no IAM call), by
 * every key waiting for the same read. The read may take at most IAM_TIME_SHARE of the time then left until
 * the sweep stops starting keys, and never runs past that stop nor the invocation's deadline for calls: the keys
 * waiting for it are held no longer, and the sweep keeps most of its time for the keys. Once over, in whichever
 * way, its outcome serves every later key at once.
 *
 * Nothing here can change a verdict, nor fail one: whatever fails (a denied or throttled read, a document the
 * engine cannot read, the engine itself) makes the note say that the answer is incomplete, and is logged.
 */
import {
  compileAccount,
  effectiveAccess,
  accountOfArn,
  type AccountAuthorizationDetails,
  type CompileAccountFn,
  type CompiledAccount,
  type EffectiveAccess,
  type EffectiveAccessFn,
  type KeyToJudge,
} from '../engine';
import type { AwsClients } from '../aws/clients';
import { readRecordedIam } from '../aws/config-iam-reader';
import { awsErrorName } from '../aws/errors';
import { readAccountAuthorizationDetails, readManagedPolicies, type IamReaderOptions } from '../aws/iam-reader';
import { readOrganizationPolicies, type OrganizationPoliciesRead } from '../aws/organizations-reader';
import type { Clock } from '../runtime/clock';
import { InvocationDeadlineError, type CallDeadline } from '../runtime/deadline';
import { TokenBucket } from '../runtime/token-bucket';
import type { ElasticText } from './annotation';
import { accessAsked, accessNoteText, type AccessNote } from './access-note';
import type { AnalysedKey } from './evaluate-key';
import type { RuleLogger } from './operations';

/** The share of the time left before the sweep's stop that reading IAM and Organizations may take. */
export const IAM_TIME_SHARE = 0.25;

/**
 * Requests per second to IAM and to Organizations, each. Both quotas are account-wide and shared with every other
 * caller (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); one read of a large account
 * is a few dozen pages, so a low rate costs little time.
 */
const GLOBAL_REQUESTS_PER_SECOND = 5;

export interface AccountAccessOptions {
  clients: Pick<AwsClients, 'config' | 'iam' | 'organizations'>;
  /** The account whose keys are swept (the event's). */
  accountId: string;
  partition: string;
  region: string;
  /** The account the clients act in; IAM read elsewhere would be another account's. */
  clientsAccount: () => Promise<string | undefined>;
  clock: Clock;
  logger: RuleLogger;
  /** The invocation's bound of every call but PutEvaluations. */
  work: CallDeadline;
  /** When the sweep stops starting keys: the read never runs past it. */
  stopStartingAt: number;
  /** @default IAM_TIME_SHARE */
  timeShare?: number;
  /** @default the engine's compileAccount and effectiveAccess */
  engine?: AccessEngine;
}

/** The engine's two functions this module uses; tests and benchmarks may pass their own. */
export interface AccessEngine {
  compileAccount: CompileAccountFn;
  effectiveAccess: EffectiveAccessFn;
}

const ENGINE: AccessEngine = { compileAccount, effectiveAccess };

/** The account's IAM and organisation policies, read and compiled, or why not (a short reason for annotations). */
export type AccountAccess =
  | { kind: 'read'; source: 'config' | 'iam'; account: CompiledAccount; org: OrganizationPoliciesRead; incomplete: string[] }
  | { kind: 'unread'; reason: string };

export interface AccountAccessReport {
  /** Whether IAM was asked for at all (a key needed it). */
  read: boolean;
  source?: 'config' | 'iam';
  reason?: string;
  keysDescribed: number;
  keysIncomplete: number;
}

export interface AccountAccessDescriber {
  /** KeyJudge.describeAccess: the note for a key with a counted account-wide finding, else undefined. Never throws. */
  describe(key: AnalysedKey): Promise<ElasticText | undefined>;
  report(): AccountAccessReport;
}

export function accountAccessDescriber(options: AccountAccessOptions): AccountAccessDescriber {
  let loading: Promise<AccountAccess> | undefined;
  const counts = { described: 0, incomplete: 0 };
  let settled: AccountAccess | undefined;
  let engineReasonsLogged = false;
  return {
    describe: async (key) => {
      const level = accessAsked(key.countedCheckIds);
      if (level === undefined) return undefined;
      loading ??= loadAccountAccess(options).then(
        (access) => (settled = access),
        (error: unknown): AccountAccess => {
          options.logger.error('IAM could not be read', { errorName: awsErrorName(error), error: String(error) });
          return (settled = { kind: 'unread', reason: `IAM not read (${awsErrorName(error)})` });
        },
      );
      const note = noteFor(await loading, key, level, options, () => {
        if (engineReasonsLogged) return false;
        engineReasonsLogged = true;
        return true;
      });
      counts.described++;
      if (note.kind === 'unanswered' || note.incomplete.length > 0) counts.incomplete++;
      return accessNoteText(note);
    },
    report: () => ({
      read: loading !== undefined,
      ...(settled?.kind === 'read' ? { source: settled.source } : {}),
      ...(settled?.kind === 'unread' ? { reason: settled.reason } : {}),
      keysDescribed: counts.described,
      keysIncomplete: counts.incomplete,
    }),
  };
}

/** The engine's answer for one key, as a note; a failure of the engine is a note saying so. */
function noteFor(access: AccountAccess, key: AnalysedKey, level: 'use' | 'administer', options: AccountAccessOptions, firstEngineGap: () => boolean): AccessNote {
  if (access.kind === 'unread') return { kind: 'unanswered', reason: access.reason };
  const arn = key.arn ?? `arn:${options.partition}:kms:${options.region}:${options.accountId}:key/${key.keyId}`;
  if (accountOfArn(arn) !== access.account.accountId) return { kind: 'unanswered', reason: `key of another account than the IAM read` };
  const grants = key.options.grants;
  const judged: KeyToJudge =
    grants === undefined ? { arn, analysis: key.analysis, grantsUnknownReason: 'the key\'s grants were not read (EvaluateGrants false, or ListGrants failed)' } : { arn, analysis: key.analysis, grants };
  let answer: EffectiveAccess;
  try {
    answer = (options.engine ?? ENGINE).effectiveAccess(access.account, judged, access.org);
  } catch (error) {
    options.logger.error('effective access could not be computed', { keyId: key.keyId, errorName: awsErrorName(error), error: String(error) });
    return { kind: 'unanswered', reason: `not computed (${awsErrorName(error)})` };
  }
  const incomplete = [...access.incomplete];
  if (judged.grants === undefined) incomplete.push('grants not read');
  if (!answer.complete && incomplete.length === 0) incomplete.push("see the rule's logs");
  if (!answer.complete && firstEngineGap()) {
    options.logger.warn('effective access incomplete', { keyId: key.keyId, reasons: answer.incompleteReasons, notCovered: answer.notCovered });
  }
  return { kind: 'answered', level, access: answer, incomplete };
}

/** The read's own deadline: IAM_TIME_SHARE of the time left to the stop, and never past the invocation's. */
function readDeadline(options: AccountAccessOptions): CallDeadline | undefined {
  const now = options.clock.now();
  const share = options.timeShare ?? IAM_TIME_SHARE;
  const at = Math.min(options.work.at, options.stopStartingAt, now + Math.max(0, options.stopStartingAt - now) * share);
  if (at <= now) return undefined;
  // The abort signal fires in real time at `at` (the clock may be a test's), or with the invocation's.
  const signals = [AbortSignal.timeout(Math.max(1, Math.ceil(at - now))), ...(options.work.signal === undefined ? [] : [options.work.signal])];
  return { at, signal: AbortSignal.any(signals) };
}

/** The short reason an IAM read failed, for annotations. */
function iamFailure(kind: string, errorName: string, error: unknown): string {
  if (error instanceof InvocationDeadlineError || errorName === 'InvocationDeadlineError') return 'IAM not read in time';
  return kind === 'access-denied' ? `IAM not readable (${errorName})` : `IAM not read (${errorName})`;
}

/** Reads and compiles the account's IAM and organisation policies; never throws. */
export async function loadAccountAccess(options: AccountAccessOptions): Promise<AccountAccess> {
  const { clock, logger } = options;
  const startedAt = clock.now();
  const acting = await options.clientsAccount();
  if (acting !== options.accountId) {
    logger.warn('IAM not read: the calls act in another account', { accountId: options.accountId, clientsAccount: acting ?? 'unknown' });
    return { kind: 'unread', reason: 'IAM of this account not reachable (see ExecutionRoleName)' };
  }
  const deadline = readDeadline(options);
  if (deadline === undefined) {
    logger.warn('IAM not read: no time left before the sweep stops', { accountId: options.accountId });
    return { kind: 'unread', reason: 'IAM not read in time' };
  }
  const orgLimiter = new TokenBucket(GLOBAL_REQUESTS_PER_SECOND, clock);
  const [iam, org] = await Promise.all([
    readIam(options, deadline),
    readOrganizationPolicies(options.clients.organizations(), options.accountId, { limiter: orgLimiter, clock, deadline }),
  ]);
  if (iam.kind === 'unread') {
    logger.warn('IAM could not be read; annotations say effective access is incomplete', { reason: iam.reason, detail: iam.detail, durationMs: clock.now() - startedAt });
    return { kind: 'unread', reason: iam.reason };
  }
  let account: CompiledAccount;
  try {
    account = (options.engine ?? ENGINE).compileAccount(iam.details, { accountId: options.accountId, partition: options.partition });
  } catch (error) {
    logger.error('IAM could not be compiled', { source: iam.source, errorName: awsErrorName(error), error: String(error) });
    return { kind: 'unread', reason: 'IAM not understood' };
  }
  const incomplete: string[] = [];
  if (!org.readable) incomplete.push('SCPs not readable');
  if (account.problems.length > 0) incomplete.push(`${account.problems.length} IAM document${account.problems.length === 1 ? '' : 's'} unreadable`);
  if (iam.unrecordedPolicies > 0) incomplete.push('AWS managed policies not read');
  logger.info('IAM read for effective access', {
    source: iam.source,
    principals: account.principalCount,
    problems: account.problems.slice(0, 10),
    organizationReadable: org.readable,
    organizationReason: org.reason,
    organizationNotes: org.notes,
    durationMs: clock.now() - startedAt,
  });
  return { kind: 'read', source: iam.source, account, org, incomplete };
}

type IamRead =
  | { kind: 'read'; source: 'config' | 'iam'; details: unknown; unrecordedPolicies: number }
  | { kind: 'unread'; reason: string; detail: string };

/** Config's recorded IAM items when this Region has them, else the IAM API. */
async function readIam(options: AccountAccessOptions, deadline: CallDeadline): Promise<IamRead> {
  const { clock, logger } = options;
  const iamReads = { limiter: new TokenBucket(GLOBAL_REQUESTS_PER_SECOND, clock), clock, deadline };
  let fallback: string;
  try {
    const recorded = await readRecordedIam(options.clients.config, { clock, deadline });
    if (recorded.recorded) return await withUnrecordedPolicies(options, recorded.details, recorded.unrecordedPolicyArns, iamReads);
    fallback = recorded.reason;
  } catch (error) {
    fallback = `reading Config's IAM items failed with ${awsErrorName(error)}`;
  }
  logger.info("IAM read from the IAM API: Config's records do not have it here", { reason: fallback });
  const read = await readAccountAuthorizationDetails(options.clients.iam(), iamReads);
  if (read.ok) return { kind: 'read', source: 'iam', details: read.value, unrecordedPolicies: 0 };
  return { kind: 'unread', reason: iamFailure(read.kind, read.errorName, read.error), detail: `${read.operation} failed with ${read.errorName}; Config: ${fallback}` };
}

/**
 * Config records customer managed policies only: the AWS managed ones that recorded roles, users and groups attach
 * (AdministratorAccess, PowerUserAccess: both grant kms:*) are read from IAM, one GetPolicy and GetPolicyVersion
 * each. When they cannot be, the answer says it is incomplete.
 */
async function withUnrecordedPolicies(
  options: AccountAccessOptions,
  details: AccountAuthorizationDetails,
  arns: readonly string[],
  iamReads: IamReaderOptions,
): Promise<IamRead> {
  if (arns.length === 0) return { kind: 'read', source: 'config', details, unrecordedPolicies: 0 };
  const read = await readManagedPolicies(options.clients.iam(), arns, iamReads);
  if (!read.ok) {
    options.logger.warn('AWS managed policies Config does not record could not be read from IAM', { policies: arns.length, operation: read.operation, errorName: read.errorName });
    return { kind: 'read', source: 'config', details, unrecordedPolicies: arns.length };
  }
  return { kind: 'read', source: 'config', details: { ...details, Policies: [...(details.Policies ?? []), ...read.value] }, unrecordedPolicies: 0 };
}
