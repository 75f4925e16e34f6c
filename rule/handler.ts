/**
 * The AWS Config custom rule: evaluates the key policy of every KMS key it is told about.
 *
 * Config invokes it on configuration changes (the item in the event, or fetched when oversized) and on a
 * schedule (a sweep of every key). Dependencies come in through createHandler, so tests and benchmarks pass
 * their own clients, clock, logger and metrics; `handler` is the production wiring.
 */
import type { Evaluation } from '@aws-sdk/client-config-service';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { analyzePolicy } from '../engine';
import { createClientsFactory, type AwsClients, type ClientsFactory } from '../aws/clients';
import { awsErrorName } from '../aws/errors';
import { KmsKeyReader, type KmsOperation } from '../aws/kms-reader';
import { KMS_KEY_RESOURCE_TYPE, latestRecordedItem } from '../aws/config-reader';
import { DEFAULT_RETRY_ATTEMPTS } from '../aws/retry';
import { systemClock, type Clock } from '../runtime/clock';
import {
  apiItemToNotificationItem,
  isDeletedStatus,
  keyFactsFromItem,
  type KeyFacts,
  type NotificationItem,
} from './configuration-item';
import { ConfigurationItemFetchError, EvaluationDeliveryError, InvalidEventError } from './errors';
import { applicability, type KnownResource } from './applicability';
import { evaluateKey, type Analyzer, type KeyJudge } from './evaluate-key';
import { EvaluationSender, toSdkEvaluation, type DeliveryReport, type RuleEvaluation } from './evaluations';
import { parseRuleEvent, type RuleEvent } from './event';
import { METRIC, type RuleLogger, type RuleMetrics } from './operations';
import { parseRuleParameters, type RuleParameters } from './parameters';
import { TokenBucket } from '../runtime/token-bucket';
import { findStaleKeys } from './stale';
import { sweep, type SweepReport } from './sweep';
import { accountAccessDescriber, type AccessEngine, type AccountAccessOptions, type AccountAccessReport } from './account-access';
import { notApplicableVerdict, type Verdict } from './verdict';
import { InvocationDeadlineError, type CallDeadline } from '../runtime/deadline';

/** What the handler needs of the Lambda context. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

export interface HandlerDeps {
  clients: ClientsFactory;
  clock: Clock;
  logger: RuleLogger;
  metrics: RuleMetrics;
  /** The policy engine. @default analyzePolicy */
  analyze?: Analyzer;
  /** Keys judged at once during a sweep. @default 8 */
  sweepConcurrency?: number;
  /** Stop starting new keys this long before the Lambda's deadline. @default 30000 */
  deadlineMarginMs?: number;
  /**
   * Time kept for sending the evaluations: every other AWS call (KMS reads, Config reads, STS) is abandoned
   * this long before the Lambda's deadline, whatever its state, so a call that hangs cannot eat it. At most
   * deadlineMarginMs. @default 10000
   */
  flushReserveMs?: number;
  /** Region when the event's rule ARN carries none. @default process.env.AWS_REGION */
  defaultRegion?: string;
  /** Told of every KMS request (benchmarks count them). */
  onKmsRequest?: (operation: KmsOperation) => void;
  /** Attempts for throttled KMS calls, the first included. @default DEFAULT_RETRY_ATTEMPTS (6) */
  kmsAttempts?: number;
  /** The engine's account compilation and effective access, for the sweep's annotations. @default the engine's */
  accessEngine?: AccessEngine;
}

export type RuleHandler = (event: unknown, context: InvocationContext) => Promise<Evaluation[]>;

interface Invocation {
  /** Bound of every call but PutEvaluations. */
  work: CallDeadline;
  event: RuleEvent;
  params: RuleParameters;
  /** The Region the rule runs in (the rule ARN's). */
  region: string;
  clients: AwsClients;
  reader: KmsKeyReader;
  judge: KeyJudge;
  sender: EvaluationSender;
  counts: Record<Verdict['compliance'], number> & { errors: number };
}

function record(inv: Invocation, logger: RuleLogger, resourceId: string, verdict: Verdict, at: Date, resourceType = KMS_KEY_RESOURCE_TYPE): void {
  const evaluation: RuleEvaluation = { resourceType, resourceId, compliance: verdict.compliance, orderingTimestamp: at };
  if (verdict.annotation !== undefined) evaluation.annotation = verdict.annotation;
  inv.sender.add(evaluation);
  inv.counts[verdict.compliance]++;
  if (verdict.reason === 'unreadable' || verdict.reason === 'analysis-failed') inv.counts.errors++;
  const fields = { keyId: resourceId, verdict: verdict.compliance, reason: verdict.reason, checkIds: verdict.checkIds };
  if (verdict.compliance === 'NON_COMPLIANT') logger.info('key evaluated', fields);
  else logger.debug('key evaluated', fields);
}

async function evaluateItem(inv: Invocation, logger: RuleLogger, item: NotificationItem): Promise<void> {
  const at = new Date(item.configurationItemCaptureTime);
  const absent = notAKeyToRead(inv.event, item);
  const verdict = absent === undefined ? await evaluateKey(keyFactsFromItem(item), inv.judge) : notApplicableVerdict(applicability(absent, inv.params));
  record(inv, logger, item.resourceId, verdict, at, item.resourceType);
}

/** What makes the item's resource not a key to read (out of scope, another type, deleted), if anything. */
function notAKeyToRead(event: RuleEvent, item: Pick<NotificationItem, 'resourceType' | 'configurationItemStatus'>): Exclude<KnownResource, { kind: 'key' }> | undefined {
  if (event.eventLeftScope) return { kind: 'out-of-scope' };
  if (item.resourceType !== KMS_KEY_RESOURCE_TYPE) return { kind: 'other-resource-type', resourceType: item.resourceType };
  if (isDeletedStatus(item.configurationItemStatus)) return { kind: 'deleted' };
  return undefined;
}

async function fetchOversizedItem(inv: Invocation, clock: Clock, resourceId: string): Promise<NotificationItem> {
  try {
    const latest = await latestRecordedItem(resourceId, { config: inv.clients.config, clock, deadline: inv.work });
    return apiItemToNotificationItem(latest, 'configurationItems[0]');
  } catch (cause) {
    throw new ConfigurationItemFetchError(resourceId, { cause });
  }
}

interface TriggerContext {
  clock: Clock;
  logger: RuleLogger;
  metrics: RuleMetrics;
  concurrency: number;
  startedAt: number;
  stopStartingAt: number;
  base: Record<string, unknown>;
  accessEngine?: AccessEngine;
}

/** Judges what the event is about; every verdict goes to the invocation's sender as soon as it is made. */
async function runTrigger(inv: Invocation, ctx: TriggerContext): Promise<void> {
  const trigger = inv.event.invokingEvent;
  switch (trigger.messageType) {
    case 'ConfigurationItemChangeNotification':
      await evaluateItem(inv, ctx.logger, trigger.configurationItem);
      return;
    case 'OversizedConfigurationItemChangeNotification':
      await evaluateOversizedItem(inv, ctx, trigger.configurationItemSummary);
      return;
    case 'ScheduledNotification':
      await sweepAccount(inv, ctx, trigger.notificationCreationTime);
      return;
    default: {
      const unreachable: never = trigger;
      throw new Error(`unhandled trigger ${JSON.stringify(unreachable)}`);
    }
  }
}

type ItemSummary = Extract<RuleEvent['invokingEvent'], { messageType: 'OversizedConfigurationItemChangeNotification' }>['configurationItemSummary'];

async function evaluateOversizedItem(inv: Invocation, ctx: TriggerContext, summary: ItemSummary): Promise<void> {
  const { clock, logger } = ctx;
  if (notAKeyToRead(inv.event, summary) !== undefined) {
    // Nothing to fetch: the summary alone decides.
    await evaluateItem(inv, logger, { ...summary, configuration: null, supplementaryConfiguration: {} });
    return;
  }
  let item: NotificationItem;
  try {
    item = await fetchOversizedItem(inv, clock, summary.resourceId);
  } catch (error) {
    // Without the item the key is read from KMS directly; it is judged either way, never skipped.
    logger.warn('oversized item unavailable; reading the key from KMS', { keyId: summary.resourceId, error: String(error) });
    const facts: KeyFacts = { keyId: summary.resourceId };
    record(inv, logger, summary.resourceId, await evaluateKey(facts, inv.judge), new Date(summary.configurationItemCaptureTime));
    return;
  }
  await evaluateItem(inv, logger, item);
}

/**
 * The scheduled run: every key of the account judged, then the evaluations of keys gone since cleared. Only here
 * is IAM read, to name who can use keys with account-wide findings (rule/account-access.ts): change notifications
 * stay as cheap as before.
 */
async function sweepAccount(inv: Invocation, ctx: TriggerContext, notificationCreationTime: string): Promise<void> {
  const at = new Date(notificationCreationTime);
  const access = inv.params.evaluateEffectiveAccess ? accountAccessDescriber(accountAccessOptions(inv, ctx)) : undefined;
  const report = await sweep({
    config: inv.clients.config,
    kms: inv.reader,
    judge: access === undefined ? inv.judge : { ...inv.judge, describeAccess: access.describe },
    clock: ctx.clock,
    logger: ctx.logger,
    concurrency: ctx.concurrency,
    stopStartingAt: ctx.stopStartingAt,
    deadline: inv.work,
    rotationSeed: notificationCreationTime,
    onVerdict: (keyId, verdict) => record(inv, ctx.logger, keyId, verdict, at),
  });
  const cleanup = await clearStaleKeys(inv, ctx, report, at);
  reportSweep(ctx, report, cleanup, access?.report());
}

function accountAccessOptions(inv: Invocation, ctx: TriggerContext): AccountAccessOptions {
  return {
    clients: inv.clients,
    accountId: inv.event.accountId,
    partition: inv.event.partition,
    region: inv.region,
    clientsAccount: inv.judge.clientsAccount,
    clock: ctx.clock,
    logger: ctx.logger,
    work: inv.work,
    stopStartingAt: ctx.stopStartingAt,
    ...(ctx.accessEngine === undefined ? {} : { engine: ctx.accessEngine }),
  };
}

interface StaleCleanup {
  cleared: number;
  cutShort: boolean;
}

/** Keys Config still holds an evaluation for but the sweep no longer listed are recorded as not applicable. */
async function clearStaleKeys(inv: Invocation, ctx: TriggerContext, report: SweepReport, at: Date): Promise<StaleCleanup> {
  // The clean-up stops at the same time as the sweep, so what was judged is sent before the deadline.
  const stale = await findStaleKeys(inv.clients.config, inv.event.configRuleName, new Set(report.listed), ctx.clock, ctx.logger, {
    stopAt: ctx.stopStartingAt,
    deadline: inv.work,
  });
  if (!stale.ok) return { cleared: 0, cutShort: false };
  for (const id of stale.resourceIds) record(inv, ctx.logger, id, notApplicableVerdict(applicability({ kind: 'gone' }, inv.params)), at);
  return { cleared: stale.resourceIds.length, cutShort: !stale.complete };
}

function reportSweep(ctx: TriggerContext, report: SweepReport, { cleared, cutShort }: StaleCleanup, access: AccountAccessReport | undefined): void {
  const { clock, logger, metrics } = ctx;
  const durationMs = clock.now() - ctx.startedAt;
  metrics.addMetric(METRIC.sweepDuration, MetricUnit.Milliseconds, durationMs);
  metrics.addMetric(METRIC.keysNotEvaluated, MetricUnit.Count, report.notEvaluated);
  metrics.addMetric(METRIC.staleCleared, MetricUnit.Count, cleared);
  metrics.addMetric(METRIC.staleCleanupCutShort, MetricUnit.Count, cutShort ? 1 : 0);
  const summary = {
    ...ctx.base,
    source: report.source,
    fallbackReason: report.fallbackReason,
    keysListed: report.listed.length,
    keysEvaluated: report.evaluated,
    keysRemaining: report.notEvaluated,
    staleCleared: cleared,
    staleCleanupCutShort: cutShort,
    effectiveAccess: access ?? 'off',
    durationMs,
  };
  if (report.notEvaluated > 0) logger.warn('sweep stopped at the deadline; remaining keys wait for the next run', summary);
  else logger.info('sweep finished', summary);
}

/** The settings of createHandler, defaults applied. */
interface HandlerSettings {
  analyze: Analyzer;
  concurrency: number;
  /** Stop starting new keys this long before the deadline. */
  margin: number;
  /** Time kept for sending the evaluations. */
  reserve: number;
}

/** The times and hard stops of one invocation. */
interface InvocationTimes {
  startedAt: number;
  stopStartingAt: number;
  /** Bound of every call but PutEvaluations. */
  work: DeadlineSignal;
  /** Bound of PutEvaluations. */
  flush: DeadlineSignal;
}

export function createHandler(deps: HandlerDeps): RuleHandler {
  const margin = deps.deadlineMarginMs ?? 30_000;
  const settings: HandlerSettings = {
    analyze: deps.analyze ?? analyzePolicy,
    concurrency: deps.sweepConcurrency ?? 8,
    margin,
    reserve: Math.max(0, Math.min(deps.flushReserveMs ?? 10_000, margin)),
  };
  return (rawEvent, context) => invoke(deps, settings, rawEvent, context);
}

/** One invocation: judge what the event is about, send the evaluations, publish the metrics. */
async function invoke(deps: HandlerDeps, settings: HandlerSettings, rawEvent: unknown, context: InvocationContext): Promise<Evaluation[]> {
  const { clock, logger, metrics } = deps;
  const times = invocationTimes(clock, context, settings);
  const kms = { requests: 0 };
  try {
    const event = parseRuleEvent(rawEvent);
    const params = parseRuleParameters(event.ruleParameters);
    const region = event.region ?? deps.defaultRegion ?? process.env.AWS_REGION;
    if (region === undefined) throw new InvalidEventError('configRuleArn', 'is missing and AWS_REGION is not set: the Region is unknown');
    const base = { configRuleName: event.configRuleName, accountId: event.accountId, messageType: event.invokingEvent.messageType };
    logger.info('invocation started', { ...base, testMode: event.testMode });
    const inv = await openInvocation(deps, settings, times, event, params, region, kms);
    const ctx: TriggerContext = { clock, logger, metrics, concurrency: settings.concurrency, startedAt: times.startedAt, stopStartingAt: times.stopStartingAt, base };
    if (deps.accessEngine !== undefined) ctx.accessEngine = deps.accessEngine;
    const delivery = await judgeAndSend(inv, ctx);
    if (delivery.undelivered.length > 0) {
      throw new EvaluationDeliveryError(delivery.undelivered.length, delivery.delivered.length, { cause: delivery.lastError });
    }
    return delivery.delivered.map(toSdkEvaluation);
  } catch (error) {
    metrics.addMetric(METRIC.invocationFailures, MetricUnit.Count, 1);
    // `errorMessage`, not `message`: Powertools Logger reserves `message` and drops it from extra fields.
    logger.error('invocation failed', { errorName: awsErrorName(error), errorMessage: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    times.work.clear();
    times.flush.clear();
    metrics.addMetric(METRIC.kmsRequests, MetricUnit.Count, kms.requests);
    metrics.publishStoredMetrics();
  }
}

function invocationTimes(clock: Clock, context: InvocationContext, settings: HandlerSettings): InvocationTimes {
  const startedAt = clock.now();
  const deadlineAt = startedAt + context.getRemainingTimeInMillis();
  // Two hard stops, each an abort signal given to every call's send(): the work calls end `reserve` before
  // the deadline, PutEvaluations shortly before it, leaving time to return (a Lambda killed at its timeout
  // loses what it had not sent).
  return {
    startedAt,
    stopStartingAt: deadlineAt - settings.margin,
    work: deadlineSignal(deadlineAt - settings.reserve, clock),
    flush: deadlineSignal(deadlineAt - Math.min(1000, settings.reserve / 2), clock),
  };
}

/** The clients, key reader, judge and sender of one invocation; `kms.requests` counts its KMS requests. */
async function openInvocation(
  deps: HandlerDeps,
  settings: HandlerSettings,
  times: InvocationTimes,
  event: RuleEvent,
  params: RuleParameters,
  region: string,
  kms: { requests: number },
): Promise<Invocation> {
  const { clock, logger } = deps;
  const work = times.work.deadline;
  const clientScope = { accountId: event.accountId, partition: event.partition, region };
  const clients = await deps.clients(
    params.executionRoleName === undefined ? clientScope : { ...clientScope, executionRoleName: params.executionRoleName },
    work.signal === undefined ? {} : { abortSignal: work.signal },
  );
  const reader = new KmsKeyReader({
    kms: clients.kms,
    limiter: new TokenBucket(params.maxRequestsPerSecond, clock),
    clock,
    retry: { attempts: deps.kmsAttempts ?? DEFAULT_RETRY_ATTEMPTS },
    deadline: work,
    onRequest: (operation) => {
      kms.requests++;
      deps.onKmsRequest?.(operation);
    },
  });
  return {
    work,
    event,
    params,
    region,
    clients,
    reader,
    judge: keyJudge(clients, reader, event, params, settings.analyze, logger, work),
    sender: new EvaluationSender({
      config: clients.config,
      resultToken: event.resultToken,
      testMode: event.testMode,
      clock,
      logger,
      deadline: times.flush.deadline,
    }),
    counts: { COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0, errors: 0 },
  };
}

/** The judge of every key of the invocation; the caller's principal and the clients' account asked at most once. */
function keyJudge(clients: AwsClients, reader: KmsKeyReader, event: RuleEvent, params: RuleParameters, analyze: Analyzer, logger: RuleLogger, work: CallDeadline): KeyJudge {
  let principal: Promise<string> | undefined;
  let clientsAccount: Promise<string | undefined> | undefined;
  const workSignal = work.signal;
  return {
    params,
    accountId: event.accountId,
    analyze,
    reader,
    logger,
    principal: () => (principal ??= clients.principal(workSignal === undefined ? {} : { abortSignal: workSignal })),
    clientsAccount: () => (clientsAccount ??= clients.account(workSignal === undefined ? {} : { abortSignal: workSignal })),
  };
}

/**
 * Whatever happens while judging, the evaluations already made are sent before the invocation ends or
 * fails: a sweep that throws half-way still saves the keys it judged.
 */
async function judgeAndSend(inv: Invocation, ctx: TriggerContext): Promise<DeliveryReport> {
  let delivery: DeliveryReport;
  try {
    await runTrigger(inv, ctx);
  } finally {
    delivery = await inv.sender.close();
    reportDelivery(ctx, inv.counts, delivery);
  }
  return delivery;
}

function reportDelivery(ctx: TriggerContext, c: Invocation['counts'], delivery: DeliveryReport): void {
  const { logger, metrics } = ctx;
  metrics.addMetric(METRIC.keysEvaluated, MetricUnit.Count, c.COMPLIANT + c.NON_COMPLIANT + c.NOT_APPLICABLE);
  metrics.addMetric(METRIC.compliant, MetricUnit.Count, c.COMPLIANT);
  metrics.addMetric(METRIC.nonCompliant, MetricUnit.Count, c.NON_COMPLIANT);
  metrics.addMetric(METRIC.notApplicable, MetricUnit.Count, c.NOT_APPLICABLE);
  metrics.addMetric(METRIC.errors, MetricUnit.Count, c.errors + delivery.undelivered.length);
  logger.info('evaluations sent', {
    ...ctx.base,
    delivered: delivery.delivered.length,
    undelivered: delivery.undelivered.length,
    compliant: c.COMPLIANT,
    nonCompliant: c.NON_COMPLIANT,
    notApplicable: c.NOT_APPLICABLE,
  });
}

/**
 * A deadline at `at` (on `clock`) whose signal fires then in real time. The timer is cleared when the
 * invocation ends, so none outlives it in a warm Lambda environment.
 */
interface DeadlineSignal {
  deadline: CallDeadline;
  clear(): void;
}

function deadlineSignal(at: number, clock: Clock): DeadlineSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new InvocationDeadlineError()), Math.max(0, at - clock.now()));
  timer.unref();
  return { deadline: { at, signal: controller.signal }, clear: () => clearTimeout(timer) };
}

const SERVICE = 'kms-policy-guard';

/** Production wiring: clients created once per container, Powertools Logger and Metrics (EMF). */
export const handler: RuleHandler = createHandler({
  clients: createClientsFactory(),
  clock: systemClock,
  logger: new Logger({ serviceName: SERVICE }),
  metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'KmsPolicyGuard', serviceName: SERVICE }),
});
