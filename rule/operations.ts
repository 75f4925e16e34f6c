/**
 * Logging and metrics seams. Production passes Powertools Logger and Metrics (structured JSON logs, EMF
 * metrics); tests pass fakes. Logs carry key ids, verdicts and check ids, never policy text.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';

export type RuleLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
export type RuleMetrics = Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;

/** Metric names, in one place so dashboards and docs agree. */
export const METRIC = {
  keysEvaluated: 'KeysEvaluated',
  compliant: 'CompliantKeys',
  nonCompliant: 'NonCompliantKeys',
  notApplicable: 'NotApplicableKeys',
  errors: 'EvaluationErrors',
  keysNotEvaluated: 'KeysNotEvaluated',
  staleCleared: 'StaleEvaluationsCleared',
  /** 1 when the stale clean-up stopped at the deadline before its last page, else 0 (sweeps only). */
  staleCleanupCutShort: 'StaleCleanupCutShort',
  kmsRequests: 'KmsRequests',
  sweepDuration: 'SweepDuration',
  invocationFailures: 'InvocationFailures',
} as const;
