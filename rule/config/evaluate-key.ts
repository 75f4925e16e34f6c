/**
 * Judges one KMS key: completes what the configuration item did not say from KMS (metadata, policy, tags),
 * runs the engine, and hands the result to the verdict function. Never throws: every failure becomes a
 * NON_COMPLIANT verdict that says what was missing.
 */
import type { AnalysisOptions, AnalysisResult } from '../engine';
import type { KmsKeyReader, ReadOutcome } from '../aws/kms-reader';
import { awsErrorName } from '../aws/errors';
import type { KeyFacts } from './configuration-item';
import type { RuleParameters } from './parameters';
import { countedFindings, decideVerdict, type PolicyResult, type ReadFailure, type Verdict } from './verdict';
import type { RuleLogger } from './operations';

/** The engine as the rule uses it: only the findings matter for a verdict. */
export type Analyzer = (policy: unknown, options: AnalysisOptions) => Pick<AnalysisResult, 'findings'>;

/** The KMS reads a key may need; KmsKeyReader provides them. */
export type KeyReader = Pick<KmsKeyReader, 'describe' | 'policy' | 'tags'>;

export interface KeyJudge {
  params: RuleParameters;
  /** The account the keys belong to (the event's accountId). */
  accountId: string;
  analyze: Analyzer;
  reader: KeyReader;
  /** The principal making the KMS calls, for annotations. */
  principal: () => Promise<string>;
  logger: RuleLogger;
}

async function failure(outcome: Extract<ReadOutcome<unknown>, { ok: false }>, judge: KeyJudge): Promise<ReadFailure> {
  return { kind: outcome.kind, operation: outcome.operation, errorName: outcome.errorName, principal: await judge.principal() };
}

function accountOf(arn: string | undefined, fallback: string): string {
  const account = arn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : fallback;
}

export async function judgeKey(input: KeyFacts, judge: KeyJudge): Promise<Verdict> {
  const facts: KeyFacts = { ...input };
  const { params } = judge;
  const unreadable = async (outcome: Extract<ReadOutcome<unknown>, { ok: false }>): Promise<Verdict> => {
    judge.logger.warn('key could not be read', {
      keyId: facts.keyId,
      operation: outcome.operation,
      errorName: outcome.errorName,
    });
    return decideVerdict({ kind: 'key', ...metadata(facts), policy: { kind: 'unreadable', failure: await failure(outcome, judge) } }, params);
  };

  if (facts.keyManager === undefined || facts.keyState === undefined) {
    const described = await judge.reader.describe(facts.keyId);
    if (!described.ok) return unreadable(described);
    facts.arn ??= described.value.arn;
    facts.keyManager ??= described.value.keyManager;
    facts.keyState ??= described.value.keyState;
  }

  // Decide NOT_APPLICABLE cases before reading the policy: they cost no further KMS call.
  const early = decideVerdict({ kind: 'key', ...metadata(facts), policy: { kind: 'analysed', findings: [] } }, params);
  if (early.compliance === 'NOT_APPLICABLE') return early;

  if (facts.policy === undefined) {
    const read = await judge.reader.policy(facts.keyId);
    if (!read.ok) return unreadable(read);
    facts.policy = read.value;
  }

  let policy: PolicyResult;
  try {
    const options: AnalysisOptions = {
      accountId: accountOf(facts.arn, judge.accountId),
      trustedAccountIds: params.trustedAccountIds,
      trustedOrgIds: params.trustedOrgIds,
      disabledChecks: params.disabledChecks,
    };
    if (facts.arn !== undefined) options.keyArn = facts.arn;
    policy = { kind: 'analysed', findings: judge.analyze(facts.policy, options).findings };
  } catch (error) {
    // The engine promises never to throw; if it does, the key is not judged clean.
    judge.logger.error('policy analysis failed', { keyId: facts.keyId, errorName: awsErrorName(error), error: String(error) });
    policy = { kind: 'analysis-failed', errorName: awsErrorName(error) };
  }

  let exemption: string | undefined;
  const tagKey = params.exemptionTagKey;
  if (tagKey !== undefined && policy.kind === 'analysed' && countedFindings(policy.findings, params).length > 0) {
    // Tags are read only for keys the exemption could change, to spare the KMS quota.
    if (facts.tags === undefined) {
      const read = await judge.reader.tags(facts.keyId);
      if (read.ok) facts.tags = read.value;
      else judge.logger.warn('tags could not be read; exemption not applied', { keyId: facts.keyId, errorName: read.errorName });
    }
    exemption = facts.tags?.[tagKey];
  }
  const subject = { kind: 'key' as const, ...metadata(facts), policy };
  return decideVerdict(exemption === undefined ? subject : { ...subject, exemption }, params);
}

function metadata(facts: KeyFacts): { keyManager?: string; keyState?: string } {
  const out: { keyManager?: string; keyState?: string } = {};
  if (facts.keyManager !== undefined) out.keyManager = facts.keyManager;
  if (facts.keyState !== undefined) out.keyState = facts.keyState;
  return out;
}
