/**
 * Judges one KMS key: completes what the configuration item did not say from KMS (metadata, policy, tags),
 * runs the engine, and hands the result to the verdict function. Never throws for a key it started: every
 * failure — a read, the engine, or turning its result into a verdict and annotation — becomes a NON_COMPLIANT
 * verdict that says what went wrong. The only exception is DeadlineReachedError, thrown before anything was
 * sent when the key's first KMS request could not go out by `notAfter`: the key was not started.
 */
import type { AnalysisOptions, AnalysisResult } from '../engine';
import type { KmsKeyReader, ReadOutcome } from '../aws/kms-reader';
import { awsErrorName } from '../aws/errors';
import type { KeyFacts } from './configuration-item';
import type { RuleParameters } from './parameters';
import { analysisFailedAnnotation, countedFindings, decideVerdict, type PolicyResult, type Verdict } from './verdict';
import type { RuleLogger } from './operations';
import { DeadlineReachedError } from '../runtime/deadline';
import type { ReadFailure } from '../aws/kms-reader';

/** The engine as the rule uses it: only the findings matter for a verdict. */
export type Analyzer = (policy: unknown, options: AnalysisOptions) => Pick<AnalysisResult, 'findings'>;

/** The KMS reads a key may need; KmsKeyReader provides them. */
export type KeyReader = Pick<KmsKeyReader, 'describe' | 'policy' | 'tags' | 'confirmGone'>;

export interface KeyJudge {
  params: RuleParameters;
  /** The account the keys belong to (the event's accountId). */
  accountId: string;
  analyze: Analyzer;
  reader: KeyReader;
  /** The principal making the KMS calls, for annotations. */
  principal: () => Promise<string>;
  /** The account the KMS calls act in (AwsClients.account); undefined when unknown. */
  clientsAccount: () => Promise<string | undefined>;
  logger: RuleLogger;
}

async function failure(outcome: Extract<ReadOutcome<unknown>, { ok: false }>, judge: KeyJudge): Promise<ReadFailure> {
  return { kind: outcome.kind, operation: outcome.operation, errorName: outcome.errorName, principal: await judge.principal() };
}

function accountOf(arn: string | undefined, fallback: string): string {
  const account = arn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : fallback;
}

export interface JudgeOptions {
  /**
   * Time (ms since the epoch) by which the key's first KMS request must be able to go out under the rate limit;
   * otherwise DeadlineReachedError is thrown and nothing is sent. Later requests of a started key are not bound.
   */
  notAfter?: number;
}

/** The verdict for a key whose judging failed in an unexpected way: never COMPLIANT, never skipped. */
export function judgingFailedVerdict(errorName: string): Verdict {
  return {
    compliance: 'NON_COMPLIANT',
    reason: 'analysis-failed',
    annotation: analysisFailedAnnotation(errorName),
    checkIds: [],
  };
}

export async function judgeKey(input: KeyFacts, judge: KeyJudge, options: JudgeOptions = {}): Promise<Verdict> {
  try {
    return await judgeKeyUnguarded(input, judge, options);
  } catch (error) {
    if (error instanceof DeadlineReachedError) throw error;
    // Anything that throws after the reads (the engine's result turned into a verdict and annotation) is a
    // defect; the key is reported, not dropped, and the sweep goes on.
    judge.logger.error('key could not be judged', { keyId: input.keyId, errorName: awsErrorName(error), error: String(error) });
    return judgingFailedVerdict(awsErrorName(error));
  }
}

async function judgeKeyUnguarded(input: KeyFacts, judge: KeyJudge, options: JudgeOptions): Promise<Verdict> {
  const facts: KeyFacts = { ...input };
  // Only the key's first KMS request is bound by notAfter.
  let notAfter = options.notAfter;
  const firstRead = (): { notAfter?: number } => {
    const bound = notAfter;
    notAfter = undefined;
    return bound === undefined ? {} : { notAfter: bound };
  };
  const { params } = judge;
  const unreadable = async (outcome: Extract<ReadOutcome<unknown>, { ok: false }>): Promise<Verdict> => {
    judge.logger.warn('key could not be read', {
      keyId: facts.keyId,
      operation: outcome.operation,
      errorName: outcome.errorName,
    });
    return decideVerdict({ kind: 'key', ...metadata(facts), policy: { kind: 'unreadable', failure: await failure(outcome, judge) } }, params);
  };

  const gone = (outcome: Extract<ReadOutcome<unknown>, { ok: false }>): Verdict => {
    judge.logger.info('key deleted since it was listed; NOT_APPLICABLE', { keyId: facts.keyId, operation: outcome.operation });
    return decideVerdict({ kind: 'gone' }, params);
  };

  // The reads send the bare key ID, which KMS resolves in the account of the caller's credentials (a key of
  // another account must be named by its key ARN: https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html).
  // Made from another account (a central rule without ExecutionRoleName), a NotFoundException says nothing
  // about the key; nor does one when the acting account is unknown. Only a read in the key's own account can
  // find a key gone; otherwise it stays unreadable (NON_COMPLIANT).
  const readsInKeyAccount = async (operation: string): Promise<boolean> => {
    const acting = await judge.clientsAccount();
    const keyAccount = accountOf(facts.arn, judge.accountId);
    if (acting === keyAccount) return true;
    judge.logger.warn('NotFoundException from a read outside the key\'s account; the key is not taken as deleted', {
      keyId: facts.keyId,
      operation,
      keyAccount,
      clientsAccount: acting ?? 'unknown',
    });
    return false;
  };

  if (facts.keyManager === undefined || facts.keyState === undefined) {
    let described = await judge.reader.describe(facts.keyId, firstRead());
    if (!described.ok && described.kind === 'not-found' && (await readsInKeyAccount(described.operation))) {
      // Deleted since it was listed, or created so recently that KMS does not know it everywhere yet.
      const confirmation = await judge.reader.confirmGone(facts.keyId);
      if (confirmation.gone) return gone(described);
      if (confirmation.described.ok) described = confirmation.described;
    }
    if (!described.ok) return unreadable(described);
    facts.arn ??= described.value.arn;
    facts.keyManager ??= described.value.keyManager;
    facts.keyState ??= described.value.keyState;
  }

  // Decide NOT_APPLICABLE cases before reading the policy: they cost no further KMS call.
  const early = decideVerdict({ kind: 'key', ...metadata(facts), policy: { kind: 'analysed', findings: [] } }, params);
  if (early.compliance === 'NOT_APPLICABLE') return early;

  if (facts.policy === undefined) {
    const read = await judge.reader.policy(facts.keyId, firstRead());
    if (!read.ok && read.kind === 'not-found' && (await readsInKeyAccount(read.operation))) {
      // No missing permission (that is AccessDeniedException): the key went away, unless DescribeKey still
      // finds it. Then it is judged on what DescribeKey says (pending deletion is NOT_APPLICABLE), else it
      // stays unreadable: fail closed.
      const confirmation = await judge.reader.confirmGone(facts.keyId);
      if (confirmation.gone) return gone(read);
      if (confirmation.described.ok) {
        const now = { ...facts, keyManager: confirmation.described.value.keyManager ?? facts.keyManager, keyState: confirmation.described.value.keyState ?? facts.keyState };
        const stillApplicable = decideVerdict({ kind: 'key', ...metadata(now), policy: { kind: 'analysed', findings: [] } }, params);
        if (stillApplicable.compliance === 'NOT_APPLICABLE') return stillApplicable;
      }
    }
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
