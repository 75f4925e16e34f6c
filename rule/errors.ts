/**
 * Typed errors of the Config rule. Each names what was wrong so the log line alone tells an operator
 * what to fix; the original error, when there is one, travels in `cause`.
 */

/** The Lambda event from Config is missing a field or has one of the wrong shape. Nothing is posted. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly field: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid Config rule event: ${field} ${problem}`, options);
  }
}

/** The invoking event's messageType is not one this rule handles. */
export class UnknownMessageTypeError extends Error {
  override readonly name = 'UnknownMessageTypeError';
  constructor(readonly messageType: string) {
    super(
      `unsupported Config messageType "${messageType}": this rule handles ConfigurationItemChangeNotification, ` +
        'OversizedConfigurationItemChangeNotification and ScheduledNotification',
    );
  }
}

/** Fetching an oversized configuration item from Config failed; the evaluation cannot be made. */
export class ConfigurationItemFetchError extends Error {
  override readonly name = 'ConfigurationItemFetchError';
  constructor(
    readonly resourceId: string,
    options?: { cause?: unknown },
  ) {
    super(`could not fetch the configuration item of ${resourceId} with config:GetResourceConfigHistory`, options);
  }
}

/** Some evaluations could not be delivered with PutEvaluations even after retries. */
export class EvaluationDeliveryError extends Error {
  override readonly name = 'EvaluationDeliveryError';
  constructor(
    readonly undelivered: number,
    readonly delivered: number,
    options?: { cause?: unknown },
  ) {
    super(`${undelivered} evaluation(s) could not be delivered with config:PutEvaluations (${delivered} delivered)`, options);
  }
}
