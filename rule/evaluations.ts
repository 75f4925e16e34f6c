/**
 * Delivers evaluations with PutEvaluations: at most 100 per call
 * (https://docs.aws.amazon.com/config/latest/APIReference/API_PutEvaluations.html), sent as soon as a batch is
 * full so a long sweep saves its progress as it goes. Throttled calls and transient failures are retried with
 * backoff, and so are the evaluations Config lists in FailedEvaluations. A batch Config rejects as invalid is
 * resent one evaluation at a time, so one bad evaluation does not cost the others their delivery.
 */
import { PutEvaluationsCommand, type ConfigServiceClient, type Evaluation } from '@aws-sdk/client-config-service';
import { awsErrorName, isRetryable } from '../aws/errors';
import type { Clock } from '../runtime/clock';
import type { RuleLogger } from './operations';
import type { ComplianceType } from './verdict';
import { DEFAULT_RETRY_ATTEMPTS } from '../aws/retry';
import { deadlinePassed, InvocationDeadlineError, waitOutlastsDeadline, type CallDeadline } from '../runtime/deadline';

const MAX_EVALUATIONS_PER_CALL = 100;

/** One evaluation as the rule produces it. */
export interface RuleEvaluation {
  resourceType: string;
  resourceId: string;
  compliance: ComplianceType;
  annotation?: string;
  orderingTimestamp: Date;
}

export function toSdkEvaluation(evaluation: RuleEvaluation): Evaluation {
  const out: Evaluation = {
    ComplianceResourceType: evaluation.resourceType,
    ComplianceResourceId: evaluation.resourceId,
    ComplianceType: evaluation.compliance,
    OrderingTimestamp: evaluation.orderingTimestamp,
  };
  if (evaluation.annotation !== undefined && evaluation.annotation !== '') out.Annotation = evaluation.annotation;
  return out;
}

export interface SenderOptions {
  config: ConfigServiceClient;
  resultToken: string;
  testMode: boolean;
  clock: Clock;
  logger: RuleLogger;
  /** Attempts per batch, the first included. @default DEFAULT_RETRY_ATTEMPTS (6) */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  /**
   * The time by which delivery must be over (shortly before the Lambda's deadline): no call or retry wait
   * starts that would end later, and a call still in flight then is aborted. What is left is undelivered.
   */
  deadline?: CallDeadline;
}

export interface DeliveryReport {
  delivered: RuleEvaluation[];
  undelivered: RuleEvaluation[];
  /** The last error that left evaluations undelivered. */
  lastError?: unknown;
}

/** Errors saying the request was invalid: possibly because of one evaluation of the batch. */
const VALIDATION_ERRORS = new Set(['InvalidParameterValueException', 'ValidationException']);

const key = (e: { ComplianceResourceType?: string; ComplianceResourceId?: string }): string =>
  `${e.ComplianceResourceType ?? ''}|${e.ComplianceResourceId ?? ''}`;

export class EvaluationSender {
  private buffer: RuleEvaluation[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly report: DeliveryReport = { delivered: [], undelivered: [] };

  constructor(private readonly options: SenderOptions) {}

  add(evaluation: RuleEvaluation): void {
    this.buffer.push(evaluation);
    if (this.buffer.length >= MAX_EVALUATIONS_PER_CALL) this.flushBuffer();
  }

  /** Sends what is buffered and waits for every batch. Never throws; the report says what was not delivered. */
  async close(): Promise<DeliveryReport> {
    this.flushBuffer();
    await this.chain;
    return this.report;
  }

  private flushBuffer(): void {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, MAX_EVALUATIONS_PER_CALL);
      this.chain = this.chain.then(() => this.sendBatch(batch));
    }
  }

  private delay(attempt: number): number {
    const base = this.options.baseDelayMs ?? 200;
    const cap = this.options.maxDelayMs ?? 5000;
    return Math.round((this.options.random ?? Math.random)() * Math.min(cap, base * 2 ** (attempt - 1)));
  }

  private async sendBatch(batch: RuleEvaluation[], splitOnValidationError = true): Promise<void> {
    const attempts = this.options.attempts ?? DEFAULT_RETRY_ATTEMPTS;
    const { deadline, clock } = this.options;
    const sendOptions = deadline?.signal === undefined ? {} : { abortSignal: deadline.signal };
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (deadlinePassed(deadline, clock)) {
        this.report.lastError = new InvocationDeadlineError({ cause: this.report.lastError });
        break;
      }
      try {
        const response = await this.options.config.send(
          new PutEvaluationsCommand({
            Evaluations: pending.map(toSdkEvaluation),
            ResultToken: this.options.resultToken,
            TestMode: this.options.testMode,
          }),
          sendOptions,
        );
        const failed = new Set((response.FailedEvaluations ?? []).map(key));
        const stillPending: RuleEvaluation[] = [];
        for (const evaluation of pending) {
          if (failed.has(key(toSdkEvaluation(evaluation)))) stillPending.push(evaluation);
          else this.report.delivered.push(evaluation);
        }
        pending = stillPending;
        if (pending.length === 0) return;
        this.options.logger.warn('PutEvaluations returned failed evaluations', { failed: pending.length, attempt });
        this.report.lastError = new Error(`${pending.length} evaluation(s) listed in FailedEvaluations`);
      } catch (caught) {
        const error = deadline?.signal?.aborted === true ? new InvocationDeadlineError({ cause: caught }) : caught;
        const retryable = isRetryable(error);
        this.options.logger.warn('PutEvaluations failed', { errorName: awsErrorName(error), attempt, retryable, evaluations: pending.length });
        this.report.lastError = error;
        if (!retryable && splitOnValidationError && pending.length > 1 && VALIDATION_ERRORS.has(awsErrorName(error))) {
          // Find the evaluation(s) Config refuses: each is sent alone, and only those refused stay undelivered.
          this.options.logger.warn('PutEvaluations rejected the batch; sending its evaluations one by one', { evaluations: pending.length });
          for (const evaluation of pending) await this.sendBatch([evaluation], false);
          return;
        }
        if (!retryable) break;
      }
      if (attempt >= attempts) break;
      const delay = this.delay(attempt);
      // A wait that would end past the deadline gains nothing; the rest is reported undelivered now.
      if (waitOutlastsDeadline(deadline, clock, delay)) break;
      await clock.sleep(delay);
    }
    if (pending.length === 0) return;
    if (!splitOnValidationError) {
      this.options.logger.warn('evaluation not delivered', { resourceId: pending[0]?.resourceId, errorName: awsErrorName(this.report.lastError) });
    }
    this.report.undelivered.push(...pending);
  }
}
