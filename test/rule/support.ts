/** Shared test doubles for the Config rule: a virtual clock, capturing logger and metrics, fixtures, a stub engine. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../runtime/clock';
import type { RuleLogger, RuleMetrics } from '../../rule/operations';
import type { AnalysisOptions, AnalysisResult, Finding } from '../../engine';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-2';

/** A clock whose sleep advances virtual time at once: waits cost nothing, yet rates and deadlines hold. */
export class VirtualClock implements Clock {
  slept = 0;
  constructor(public current = Date.parse('2026-11-21T03:00:13.000Z')) {}
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.current += ms;
    this.slept += ms;
    await Promise.resolve();
  }
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export class CapturingLogger {
  entries: LogEntry[] = [];
  private log(level: LogEntry['level'], message: unknown, extra: unknown[]): void {
    const fields = Object.assign({}, ...extra.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null));
    this.entries.push({ level, message: String(message), fields });
  }
  debug = (message: unknown, ...extra: unknown[]): void => this.log('debug', message, extra);
  info = (message: unknown, ...extra: unknown[]): void => this.log('info', message, extra);
  warn = (message: unknown, ...extra: unknown[]): void => this.log('warn', message, extra);
  error = (message: unknown, ...extra: unknown[]): void => this.log('error', message, extra);
  asLogger(): RuleLogger {
    return this as unknown as RuleLogger;
  }
  text(): string {
    return JSON.stringify(this.entries);
  }
}

export class CapturingMetrics {
  values: { name: string; unit: string; value: number }[] = [];
  published = 0;
  addMetric = (name: string, unit: string, value: number): this => {
    this.values.push({ name, unit, value });
    return this;
  };
  publishStoredMetrics = (): this => {
    this.published++;
    return this;
  };
  sum(name: string): number {
    return this.values.filter((v) => v.name === name).reduce((a, v) => a + v.value, 0);
  }
  asMetrics(): RuleMetrics {
    return this as unknown as RuleMetrics;
  }
}

const FIXTURES = join(__dirname, '..', 'fixtures', 'config-events');

/** A Config event fixture, parsed, optionally with some top-level fields replaced. */
export function fixtureEvent(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const event = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
  return { ...event, ...overrides };
}

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** Replaces ruleParameters of an event with the given object. */
export function withParameters(event: Record<string, unknown>, params: Record<string, string>): Record<string, unknown> {
  return { ...event, ruleParameters: JSON.stringify(params) };
}

export function finding(partial: Partial<Finding> & Pick<Finding, 'checkId' | 'severity'>): Finding {
  return {
    title: partial.checkId,
    message: `${partial.checkId} finding`,
    statementIndexes: [0],
    sids: [undefined],
    path: '$.Statement[0]',
    principals: [],
    actions: [],
    ...partial,
  };
}

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
}

/**
 * A tiny stand-in for the engine, for tests of the rule's plumbing: unparsable → INVALID_POLICY, `*` principal
 * → PUBLIC_ACCESS, an account root with `kms:*` → ACCOUNT_WIDE_FULL_ACCESS. Tests of real verdicts use the engine.
 */
export function stubAnalyzer(policy: unknown, options: AnalysisOptions): AnalysisResult {
  return analysisOf(stubFindings(policy, options));
}

/** An engine result holding `findings` only: no access summary, warnings or internal errors. */
export function analysisOf(findings: Finding[]): AnalysisResult {
  return { findings, internalErrors: [], warnings: [], summary: { entries: [] }, ownAccountSource: 'unknown' };
}

function stubFindings(policy: unknown, _options: AnalysisOptions): Finding[] {
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = (typeof policy === 'string' ? JSON.parse(policy) : policy) as { Statement?: Statement | Statement[] };
    if (typeof doc !== 'object' || doc === null) throw new Error('not an object');
  } catch {
    return [finding({ checkId: 'INVALID_POLICY', severity: 'critical', path: '$' })];
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  const findings: Finding[] = [];
  statements.forEach((s, i) => {
    if (s.Effect !== 'Allow') return;
    const principals = s.Principal === '*' ? ['*'] : ([] as string[]).concat((s.Principal as { AWS?: string | string[] } | undefined)?.AWS ?? []);
    const actions = ([] as string[]).concat((s.Action as string | string[] | undefined) ?? []);
    const base = { statementIndexes: [i], sids: [s.Sid], path: `$.Statement[${i}]`, principals, actions };
    if (principals.includes('*')) findings.push(finding({ ...base, checkId: 'PUBLIC_ACCESS', severity: 'critical' }));
    else if (principals.some((p) => p.endsWith(':root')) && actions.includes('kms:*')) {
      findings.push(finding({ ...base, checkId: 'ACCOUNT_WIDE_FULL_ACCESS', severity: 'high' }));
    }
  });
  return findings;
}

/** A Lambda context with a fixed remaining time. */
export function lambdaContext(remainingMs = 900_000): { getRemainingTimeInMillis(): number; awsRequestId: string } {
  return { getRemainingTimeInMillis: () => remainingMs, awsRequestId: 'c0ffee00-0000-4000-8000-000000000000' };
}
