/** Validation of the options the commands share. Each error says what is wrong and how to fix it. */
import { DEFAULT_AWS_TIMEOUTS, type AwsTimeouts } from '../aws/timeouts';
import { CHECK, CHECK_IDS, isCheckId, SEVERITIES, type CheckId, type Severity } from '../engine';
import { UsageError } from './io';
import type { FailOn } from './report';

export type Format = 'text' | 'json' | 'sarif' | 'html';

export function parseAccountId(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{12}$/.test(value)) throw new UsageError(`${flag}: "${value}" is not a 12-digit AWS account id`);
  return value;
}

export function parseAccountList(value: string | undefined, flag: string): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((v) => {
    const id = v.trim();
    if (!/^\d{12}$/.test(id)) throw new UsageError(`${flag}: "${id}" is not a 12-digit AWS account id (give a comma-separated list)`);
    return id;
  });
}

export function parseOrgList(value: string | undefined, flag: string): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((v) => {
    const id = v.trim();
    if (!/^o-[a-z0-9]{10,32}$/.test(id)) throw new UsageError(`${flag}: "${id}" is not an organisation id such as o-a1b2c3d4e5`);
    return id;
  });
}

/**
 * `--disable-checks ID,…`: check ids in any ASCII letter case, upper-cased. Only ASCII is upper-cased, as the
 * rule's DisabledChecks does: "ı" would otherwise become "I" and a look-alike would disable a check.
 * INVALID_POLICY is refused: a policy that cannot be parsed must never pass for clean.
 */
export function parseCheckIds(value: string | undefined, flag: string): CheckId[] {
  if (value === undefined) return [];
  const ids = value.split(',').map((v) => v.trim());
  if (ids.includes('')) throw new UsageError(`${flag}: an empty item: give comma-separated check ids such as ${CHECK.PUBLIC_ACCESS},${CHECK.ALLOW_WITH_NEGATION}`);
  const parsed = ids.map((id) => {
    const upper = /^[A-Za-z0-9_]+$/.test(id) ? id.toUpperCase() : id;
    if (!isCheckId(upper)) throw new UsageError(`${flag}: "${id}" is not a check id (known: ${CHECK_IDS.join(', ')})`);
    if (upper === CHECK.INVALID_POLICY) throw new UsageError(`${flag}: ${CHECK.INVALID_POLICY} cannot be disabled: a policy that cannot be parsed is never judged clean`);
    return upper;
  });
  return [...new Set(parsed)];
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
