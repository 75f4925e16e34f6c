/** Validation of the options the commands share. Each error says what is wrong and how to fix it. */
import { DEFAULT_AWS_TIMEOUTS, type AwsTimeouts } from '../aws/timeouts';
import { CHECK, SEVERITIES, type CheckId, type Severity } from '../engine';
import { InvalidParameterError } from '../settings/errors';
import { RULE_PARAMETER_SPEC, type RuleParameterKey } from '../settings/parameter-spec';
import { UsageError } from './io';
import type { FailOn } from './report';

export type Format = 'text' | 'json' | 'sarif' | 'html' | 'asff' | 'ocsf' | 'csv';

export function parseAccountId(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{12}$/.test(value)) throw new UsageError(`${flag}: "${value}" is not a 12-digit AWS account id`);
  return value;
}

/**
 * A flag that sets one of the rule's parameters, parsed by the rule's own spec (settings/parameter-spec.ts), so
 * the CLI accepts exactly what the Config rule accepts. Unset: the spec's default.
 */
export function parseSetting<K extends RuleParameterKey>(key: K, value: string | undefined, flag: string): SettingValue<K> {
  const spec = RULE_PARAMETER_SPEC[key];
  // Unset or empty is the parameter's default, as in the rule: `--non-suppressible-checks ""` must not mean none.
  if (value === undefined || value.trim() === '') return spec.default as SettingValue<K>;
  // Config stores a list with stray commas as it was typed, and the rule skips empty items; on a command line an
  // empty item is a typo worth pointing out.
  if (spec.kind === 'list' || spec.kind === 'check-id list') {
    if (value.split(',').some((item) => item.trim() === '')) {
      throw new UsageError(`${flag}: an empty item: give a comma-separated list such as ${LIST_EXAMPLES[spec.kind]}`);
    }
  }
  try {
    return spec.parse(value) as SettingValue<K>;
  } catch (e) {
    if (e instanceof InvalidParameterError) throw new UsageError(`${flag}: ${e.problem}`);
    throw e;
  }
}

type SettingValue<K extends RuleParameterKey> = NonNullable<(typeof RULE_PARAMETER_SPEC)[K]['default']> | ReturnType<(typeof RULE_PARAMETER_SPEC)[K]['parse']>;

const LIST_EXAMPLES: Record<'list' | 'check-id list', string> = {
  list: '111122223333,444455556666',
  'check-id list': `${CHECK.PUBLIC_ACCESS},${CHECK.ALLOW_WITH_NEGATION}`,
};

/** `--disable-checks ID,…`: DisabledChecks' values, each check once. */
export function parseCheckIds(value: string | undefined, flag: string): CheckId[] {
  return [...new Set(parseSetting('disabledChecks', value, flag))];
}

export function parseFormat(value: string, allowed: readonly Format[]): Format {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--format: "${value}" is not one of ${allowed.join(', ')}`);
  return value as Format;
}

export function parseFailOn(value: string): FailOn {
  const v = value.toLowerCase();
  if (v === 'none') return 'none';
  if ((SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  throw new UsageError(`--fail-on: "${value}" is not one of ${[...SEVERITIES, 'none'].join(', ')}`);
}

export function parsePositiveInt(value: string | undefined, flag: string, fallback: number, max = 1000): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${flag}: "${value}" must be a whole number from 1 to ${max}`);
  }
  return Number(value);
}

/** Bounds of --timeout, in seconds: below 0.1 s even a healthy endpoint times out; an hour is no bound at all. */
export const TIMEOUT_SECONDS = { min: 0.1, max: 3600, default: 10 } as const;

/**
 * `--timeout SECONDS`: how long one AWS request may go unanswered. Returns the client timeouts: the whole
 * request gets SECONDS, opening the connection at most DEFAULT_AWS_TIMEOUTS' connection timeout.
 */
export function parseTimeout(value: string | undefined, flag: string): AwsTimeouts {
  const seconds = value === undefined ? TIMEOUT_SECONDS.default : /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= TIMEOUT_SECONDS.min && seconds <= TIMEOUT_SECONDS.max)) {
    throw new UsageError(`${flag}: "${value ?? ''}" must be a number of seconds from ${TIMEOUT_SECONDS.min} to ${TIMEOUT_SECONDS.max}`);
  }
  const ms = Math.round(seconds * 1000);
  return { connectionTimeoutMs: Math.min(DEFAULT_AWS_TIMEOUTS.connectionTimeoutMs, ms), requestTimeoutMs: ms };
}

/**
 * --format asff for check and check-template: the findings need the account whose Security Hub imports them
 * (AwsAccountId, and the product ARN) and its Region. Said before any input is read. A scanned key names both in its
 * ARN.
 */
export function requireAsffTarget(format: Format, accountId: string | undefined, region: string | undefined): void {
  if (format !== 'asff') return;
  if (accountId === undefined) throw new UsageError('--format asff needs --account-id: the account whose Security Hub imports the findings (their AwsAccountId and product ARN)');
  if (region === undefined) throw new UsageError('--format asff needs --region: the Region whose Security Hub imports the findings (their product ARN)');
}
