/**
 * Evaluates one KMS key: completes what the configuration item did not say from KMS (metadata, policy, tags) and reads the grants (EvaluateGrants), which Config does not record,
 * asks the applicability gate once before the policy is read (again only when GetKeyPolicy then finds the key
 * gone or changed: new facts), runs the engine at most once, and makes the key's one verdict. Never throws
 * for a key it started: every failure — a read, the engine, or turning its result into a verdict and annotation —
 * becomes a NON_COMPLIANT verdict that says what went wrong. The only exception is DeadlineReachedError, thrown
 * before anything was sent when the key's first KMS request could not go out by `notAfter`: the key was not
 * started.
 */
import type { AnalysisOptions, AnalysisResult, CheckId, KeyGrant } from '../engine';
import { accountOfArn } from '../engine';
import type { KmsKeyReader, KeyMetadataFacts, ReadFailure, ReadOutcome } from '../aws/kms-reader';
import { awsErrorName } from '../aws/errors';
import { DeadlineReachedError } from '../runtime/deadline';
import { applicability, type KnownResource } from './applicability';
import type { KeyFacts } from './configuration-item';
import type { RuleLogger } from './operations';
import type { RuleParameters } from './parameters';
import type { ElasticText } from './annotation';
import { analysisFailedVerdict, assessPolicy, countedFindings, decideVerdict, hasCountedFindings, notApplicableVerdict, type PolicyResult, type Verdict } from './verdict';

/** The engine as the rule uses it: the findings decide the verdict; the rest informs the annotation. */
export type Analyzer = (policy: unknown, options: AnalysisOptions) => AnalysisResult;

/** A key the engine analysed, with the checks whose findings count against it. */
export interface AnalysedKey {
  keyId: string;
  arn?: string;
  analysis: AnalysisResult;
  options: AnalysisOptions;
  countedCheckIds: CheckId[];
}

/** The KMS reads a key may need; KmsKeyReader provides them. */
export type KeyReader = Pick<KmsKeyReader, 'describe' | 'policy' | 'tags' | 'confirmGone' | 'grants'>;

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
  /**
   * What the annotation adds after the findings (sweeps: who can use a key with an account-wide finding,
   * rule/account-access.ts); never throws, and cannot change the compliance.
   */
  describeAccess?: (key: AnalysedKey) => Promise<ElasticText | undefined>;
}

export interface EvaluateKeyOptions {
  /**
   * Time (ms since the epoch) by which the key's first KMS request must be able to go out under the rate limit;
   * otherwise DeadlineReachedError is thrown and nothing is sent. Later requests of a started key are not bound.
   */
  notAfter?: number;
}

type ReadFailed = Extract<ReadOutcome<unknown>, { ok: false }>;

export async function evaluateKey(input: KeyFacts, judge: KeyJudge, options: EvaluateKeyOptions = {}): Promise<Verdict> {
  try {
    return await evaluateKeyUnguarded(input, judge, options);
  } catch (error) {
    if (error instanceof DeadlineReachedError) throw error;
    // Anything that throws after the reads (the engine's result turned into a verdict and annotation) is a
    // defect; the key is reported, not dropped, and the sweep goes on.
    judge.logger.error('key could not be judged', { keyId: input.keyId, errorName: awsErrorName(error), error: String(error) });
    return analysisFailedVerdict(awsErrorName(error));
  }
}

/** The account a key belongs to: its ARN's, else the event's. */
function keyAccount(facts: KeyFacts, judge: KeyJudge): string {
  return (facts.arn === undefined ? undefined : accountOfArn(facts.arn)) ?? judge.accountId;
}

async function evaluateKeyUnguarded(input: KeyFacts, judge: KeyJudge, options: EvaluateKeyOptions): Promise<Verdict> {
  const facts: KeyFacts = { ...input };
  // Only the key's first KMS request is bound by notAfter.
  let notAfter = options.notAfter;
  const firstRead = (): { notAfter?: number } => {
    const bound = notAfter;
    notAfter = undefined;
    return bound === undefined ? {} : { notAfter: bound };
  };
  const { params } = judge;
  /** `judgedWithout`: what the policy alone gives, when it was read and a later read (the grants) failed. */
  const unreadable = async (outcome: ReadFailed, judgedWithout?: PolicyResult): Promise<Verdict> => {
    judge.logger.warn('key could not be read', { keyId: facts.keyId, operation: outcome.operation, errorName: outcome.errorName });
    const failure: ReadFailure = { kind: outcome.kind, operation: outcome.operation, errorName: outcome.errorName, principal: await judge.principal() };
    const findings = judgedWithout?.kind === 'analysed' ? countedFindings(judgedWithout.findings, params) : [];
    return decideVerdict(findings.length > 0 ? { kind: 'unreadable', failure, findings } : { kind: 'unreadable', failure }, undefined, params);
  };

  if (facts.keyManager === undefined || facts.keyState === undefined) {
    let described = await judge.reader.describe(facts.keyId, firstRead());
    const notFound = await confirmNotFound(described, facts, judge);
    if (notFound?.gone === true) return gone(judge, facts, notFound.operation);
    if (notFound?.described.ok === true) described = notFound.described;
    if (!described.ok) {
      // What the item already said may settle it (an AWS-managed key, or one pending deletion, whose other fact
      // was missing): such a key is NOT_APPLICABLE whatever DescribeKey would have added.
      const partial = applicability(knownKey(facts), params);
      return partial.applicable ? unreadable(described) : notApplicableVerdict(partial);
    }
    facts.arn ??= described.value.arn;
    facts.keyManager ??= described.value.keyManager;
    facts.keyState ??= described.value.keyState;
  }

  // Decided before the policy is read: a key the rule has no business with costs no further KMS call.
  const gate = applicability(knownKey(facts), params);
  if (!gate.applicable) return notApplicableVerdict(gate);

  if (facts.policy === undefined) {
    const read = await judge.reader.policy(facts.keyId, firstRead());
    // No missing permission (that is AccessDeniedException): the key went away, unless DescribeKey still finds
    // it. Then what DescribeKey says now decides (a key scheduled for deletion meanwhile is NOT_APPLICABLE);
    // otherwise the key stays unreadable: fail closed.
    const settled = await settledByNotFound(read, facts, judge);
    if (settled !== undefined) return settled;
    if (!read.ok) return unreadable(read);
    facts.policy = read.value;
  }

  // Grants are not in Config's records: read after the policy, on change notifications and in the sweep alike, so
  // that the two never disagree. Grants that cannot be read leave the key NON_COMPLIANT, never "no grants".
  let grants: readonly KeyGrant[] | undefined;
  if (params.evaluateGrants) {
    const read = await judge.reader.grants(facts.keyId, firstRead());
    const settled = await settledByNotFound(read, facts, judge);
    if (settled !== undefined) return settled;
    if (!read.ok) return unreadable(read, analyse(facts, judge, undefined).result);
    if (read.value.problems.length > 0) {
      judge.logger.warn('some grants could not be read in full; judged on what could be read', { keyId: facts.keyId, problems: read.value.problems });
    }
    grants = read.value.grants;
  }

  const analysed = analyse(facts, judge, grants);
  const assessment = assessPolicy(analysed.result, params);
  // Tags are read only for keys the exemption could change, to spare the KMS quota.
  const exemption = params.exemptionTagKey !== undefined && hasCountedFindings(assessment) ? await exemptionOf(facts, params.exemptionTagKey, judge) : undefined;
  const tail =
    judge.describeAccess !== undefined && analysed.analysis !== undefined && assessment.kind === 'analysed' && assessment.counted.length > 0
      ? await describedAccess(judge.describeAccess, { keyId: facts.keyId, ...(facts.arn === undefined ? {} : { arn: facts.arn }), ...analysed.analysis, countedCheckIds: [...new Set(assessment.counted.map((f) => f.checkId))] }, judge.logger)
      : undefined;
  const verdict = decideVerdict(assessment, exemption, params, tail);
  return params.evaluateGrants ? verdict : withGrantsNotEvaluated(verdict);
}

/** What describeAccess adds; should it throw after all, nothing: an annotation's extra never costs the verdict. */
async function describedAccess(describe: NonNullable<KeyJudge['describeAccess']>, key: AnalysedKey, logger: RuleLogger): Promise<ElasticText | undefined> {
  try {
    return await describe(key);
  } catch (error) {
    logger.error('who can use the key could not be described', { keyId: key.keyId, errorName: awsErrorName(error), error: String(error) });
    return undefined;
  }
}

/**
 * A key found clean without its grants read is clean as far as its policy goes: the annotation says so, so that
 * COMPLIANT is not read as "no grant gives access either". Only on a verdict without annotation: a
 * NON_COMPLIANT one keeps its 256 characters for the findings.
 */
function withGrantsNotEvaluated(verdict: Verdict): Verdict {
  return verdict.compliance === 'COMPLIANT' && verdict.annotation === undefined ? { ...verdict, annotation: GRANTS_NOT_EVALUATED } : verdict;
}

const GRANTS_NOT_EVALUATED = 'grants not evaluated (EvaluateGrants=false)';

function knownKey(facts: KeyFacts): KnownResource {
  const known: KnownResource = { kind: 'key' };
  if (facts.keyManager !== undefined) known.keyManager = facts.keyManager;
  if (facts.keyState !== undefined) known.keyState = facts.keyState;
  return known;
}

function gone(judge: KeyJudge, facts: KeyFacts, operation: string): Verdict {
  judge.logger.info('key deleted since it was listed; NOT_APPLICABLE', { keyId: facts.keyId, operation });
  return notApplicableVerdict(applicability({ kind: 'gone' }, judge.params));
}

/**
 * What a NotFoundException from a read means. The reads send the bare key ID, which KMS resolves in the account
 * of the caller's credentials (a key of another account must be named by its key ARN:
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html). Made from another account (a
 * central rule without ExecutionRoleName), a NotFoundException says nothing about the key; nor does one when the
 * acting account is unknown: undefined, the key stays unreadable (NON_COMPLIANT). In the key's own account, the
 * key was deleted since it was listed, or created so recently that KMS does not know it everywhere yet: DescribeKey
 * is asked again (KmsKeyReader.confirmGone). Undefined too for any outcome but NotFoundException.
 */
/**
 * The verdict a NotFoundException settles: the key is gone, or DescribeKey now says it is out of scope (e.g.
 * scheduled for deletion meanwhile). Undefined when the read did not fail so, or the key is still in scope.
 */
async function settledByNotFound(read: ReadOutcome<unknown>, facts: KeyFacts, judge: KeyJudge): Promise<Verdict | undefined> {
  const notFound = await confirmNotFound(read, facts, judge);
  if (notFound?.gone === true) return gone(judge, facts, notFound.operation);
  if (notFound?.described.ok !== true) return undefined;
  const now = notFound.described.value;
  const regate = applicability(knownKey({ ...facts, keyManager: now.keyManager ?? facts.keyManager, keyState: now.keyState ?? facts.keyState }), judge.params);
  return regate.applicable ? undefined : notApplicableVerdict(regate);
}

async function confirmNotFound(
  outcome: ReadOutcome<unknown>,
  facts: KeyFacts,
  judge: KeyJudge,
): Promise<{ gone: true; operation: string } | { gone: false; described: ReadOutcome<KeyMetadataFacts> } | undefined> {
  if (outcome.ok || outcome.kind !== 'not-found') return undefined;
  const acting = await judge.clientsAccount();
  const owner = keyAccount(facts, judge);
  if (acting !== owner) {
    judge.logger.warn("NotFoundException from a read outside the key's account; the key is not taken as deleted", {
      keyId: facts.keyId,
      operation: outcome.operation,
      keyAccount: owner,
      clientsAccount: acting ?? 'unknown',
    });
    return undefined;
  }
  const confirmation = await judge.reader.confirmGone(facts.keyId);
  return confirmation.gone ? { gone: true, operation: outcome.operation } : confirmation;
}

/**
 * The engine's findings, or why it failed: the engine promises never to throw; if it does, the key is not judged
 * clean. `analysis`: the engine's whole result and the options it was given, when it answered.
 */
function analyse(facts: KeyFacts, judge: KeyJudge, grants: readonly KeyGrant[] | undefined): { result: PolicyResult; analysis?: { analysis: AnalysisResult; options: AnalysisOptions } } {
  const { params } = judge;
  try {
    const options: AnalysisOptions = {
      accountId: keyAccount(facts, judge),
      trustedAccountIds: params.trustedAccountIds,
      trustedOrgIds: params.trustedOrgIds,
      disabledChecks: params.disabledChecks,
    };
    if (facts.arn !== undefined) options.keyArn = facts.arn;
    if (grants !== undefined) options.grants = grants;
    const analysis = judge.analyze(facts.policy, options);
    return { result: { kind: 'analysed', findings: analysis.findings }, analysis: { analysis, options } };
  } catch (error) {
    judge.logger.error('policy analysis failed', { keyId: facts.keyId, errorName: awsErrorName(error), error: String(error) });
    return { result: { kind: 'analysis-failed', errorName: awsErrorName(error) } };
  }
}

/** The exemption tag's value, read from KMS unless known; a failed read applies no exemption (fails closed). */
async function exemptionOf(facts: KeyFacts, tagKey: string, judge: KeyJudge): Promise<string | undefined> {
  if (facts.tags === undefined) {
    const read = await judge.reader.tags(facts.keyId);
    if (read.ok) facts.tags = read.value;
    else judge.logger.warn('tags could not be read; exemption not applied', { keyId: facts.keyId, errorName: read.errorName });
  }
  // Own tags only: a tag key such as "constructor" must not find what every object inherits.
  return facts.tags !== undefined && Object.hasOwn(facts.tags, tagKey) ? facts.tags[tagKey] : undefined;
}
