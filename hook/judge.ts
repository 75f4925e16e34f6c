/**
 * What the hook decides about one resource operation. Pure: no I/O, no clock (today's date comes in).
 *
 * In order:
 * 1. A deletion, or a resource that is not a KMS key, has no key policy to judge: passed, saying so.
 * 2. The policy to judge: the KeyPolicy property (an object, or JSON text), or, for an AWS::KMS::Key without
 *    one, the default key policy KMS attaches (account root, kms:*). Anything else cannot be judged.
 * 3. The engine's findings at or above MinimumSeverity count. A policy that does not parse (INVALID_POLICY), or
 *    a finding the engine marks not judged, means the policy was not judged: it never passes, and no tag can
 *    accept it.
 * 4. The key's exemption tag (ExemptionTagKey with a non-empty value, in its Tags) accepts the counted findings, as
 *    every gate decides it (suppress/exemption-tag.ts); a finding of a non-suppressible check fails the key.
 *    Inline suppressions (`Metadata`) cannot apply: a resource-operation request carries the resource's
 *    properties, not its Metadata.
 */
import { CHECK, partitionOfArn, type AnalysisOptions, type AnalysisResult, type Finding } from '../engine';
import { countsAtMinimum, decideExemptionTag, markExempted, tagValuesOf, type MarkedFinding } from '../suppress';
import { defaultKeyPolicy } from '../templates/default-key-policy';
import type { HookRequest } from './request';
import type { HookSettings } from './settings';

export const KEY_TYPE = 'AWS::KMS::Key';
export const REPLICA_KEY_TYPE = 'AWS::KMS::ReplicaKey';
export const JUDGED_TYPES: readonly string[] = [KEY_TYPE, REPLICA_KEY_TYPE];

/** The engine as the hook uses it. */
export type Analyzer = (policy: unknown, options: AnalysisOptions) => Pick<AnalysisResult, 'findings'>;

/** Where the judged policy came from. */
export type PolicySource = 'KeyPolicy' | 'default key policy';

export type HookDecision =
  /** Nothing to judge (a deletion, another resource type). */
  | { kind: 'skipped'; reason: string }
  /** No finding counts against the key. `ignored`: findings below MinimumSeverity. */
  | { kind: 'passed'; source: PolicySource; ignored: number }
  /** Every counted finding was accepted by the exemption tag. */
  | { kind: 'accepted'; source: PolicySource; findings: MarkedFinding[]; tagKey: string; reason: string }
  /** Counted findings remain. `refused`: findings the exemption tag could not accept (non-suppressible checks). */
  | { kind: 'failed'; source: PolicySource; findings: MarkedFinding[]; refused: Finding[] }
  /** The policy could not be judged; `reason` says why and what to do. */
  | { kind: 'not-judged'; reason: string; findings: Finding[] };

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

type PolicyToJudge = { ok: true; policy: unknown; source: PolicySource } | { ok: false; reason: string };

function policyToJudge(request: HookRequest, partition: string): PolicyToJudge {
  const properties = request.resourceProperties ?? {};
  const where = `${request.targetLogicalId} (${request.targetName})`;
  if (!Object.hasOwn(properties, 'KeyPolicy') || properties.KeyPolicy === undefined || properties.KeyPolicy === null) {
    if (request.targetName === KEY_TYPE) return { ok: true, policy: defaultKeyPolicy(partition, request.awsAccountId), source: 'default key policy' };
    // KeyPolicy is required on a replica key (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-replicakey.html);
    // without it there is nothing the hook could have judged.
    return { ok: false, reason: `${where} has no KeyPolicy, which a replica key requires; add the key policy to the template` };
  }
  const policy = properties.KeyPolicy;
  if (typeof policy === 'string' || (typeof policy === 'object' && !Array.isArray(policy))) return { ok: true, policy, source: 'KeyPolicy' };
  return { ok: false, reason: `${where}: KeyPolicy is ${typeOfValue(policy)}, not a policy document (a JSON object, or its text)` };
}

/** Findings at or above MinimumSeverity, with INVALID_POLICY and not-judged findings always counted. */
export function countedFindings(findings: readonly Finding[], minimumSeverity: HookSettings['minimumSeverity']): Finding[] {
  return findings.filter((f) => countsAtMinimum(f, minimumSeverity));
}

function analyse(analyze: Analyzer, policy: unknown, request: HookRequest, settings: HookSettings): { findings: readonly Finding[] } | { error: string } {
  try {
    // The key's ARN is not known before it is created, and an update keeps the key: without it, a statement
    // whose Resource names another key is judged as if it applied (the engine's fail-closed reading).
    return {
      findings: analyze(policy, {
        accountId: request.awsAccountId,
        trustedAccountIds: settings.trustedAccountIds,
        trustedOrgIds: settings.trustedOrgIds,
        disabledChecks: settings.disabledChecks,
      }).findings,
    };
  } catch (error) {
    return { error: error instanceof Error ? error.name : String(error) };
  }
}

export interface JudgeInput {
  request: HookRequest;
  settings: HookSettings;
  analyze: Analyzer;
  /** Partition when the request's stackId carries none (a Cloud Control call). */
  defaultPartition: string;
}

export function judgeRequest({ request: received, settings, analyze, defaultPartition }: JudgeInput): HookDecision {
  if (received.invocationPoint === 'DELETE_PRE_PROVISION') return { kind: 'skipped', reason: `deleting ${received.targetLogicalId} (${received.targetName}) grants no access; nothing to judge` };
  // Resource type names are case-insensitive to CloudFormation; the hook targets only the two key types, so any
  // other name means its target filters were changed or the request is not what it seems: nothing is passed unjudged.
  const targetName = JUDGED_TYPES.find((type) => type.toLowerCase() === received.targetName.toLowerCase());
  if (targetName === undefined) {
    return {
      kind: 'not-judged',
      reason: `${received.targetLogicalId} is a ${received.targetName}; the hook judges ${JUDGED_TYPES.join(' and ')} only and targets nothing else, so its target filters must have been changed (redeploy KmsKeyPolicyHook)`,
      findings: [],
    };
  }
  const request = { ...received, targetName };
  const partition = (request.stackId === undefined ? undefined : partitionOfArn(request.stackId)) ?? defaultPartition;
  const toJudge = policyToJudge(request, partition);
  if (!toJudge.ok) return { kind: 'not-judged', reason: toJudge.reason, findings: [] };

  const analysed = analyse(analyze, toJudge.policy, request, settings);
  if ('error' in analysed) return { kind: 'not-judged', reason: `the policy analysis failed (${analysed.error}); see the hook function's logs`, findings: [] };
  const counted = countedFindings(analysed.findings, settings.minimumSeverity);
  const unjudged = counted.filter((f) => f.checkId === CHECK.INVALID_POLICY || f.notJudged === true);
  if (unjudged.length > 0) return { kind: 'not-judged', reason: 'its key policy does not parse, or a check could not run', findings: unjudged };
  if (counted.length === 0) return { kind: 'passed', source: toJudge.source, ignored: analysed.findings.length };

  const tagKey = settings.exemptionTagKey;
  if (tagKey === undefined) return { kind: 'failed', source: toJudge.source, findings: counted, refused: [] };
  // A tag key written twice accepts nothing: which value the key would end up with is KMS's decision, not the hook's.
  const decision = decideExemptionTag({ values: tagValuesOf(request.resourceProperties?.Tags, tagKey), findings: counted, nonSuppressible: settings.nonSuppressibleChecks });
  switch (decision.kind) {
    case 'accepted':
      return { kind: 'accepted', source: toJudge.source, findings: decision.findings, tagKey, reason: decision.reason };
    case 'refused':
      // The message shows which findings the tag would accept once the non-suppressible ones are fixed.
      return {
        kind: 'failed',
        source: toJudge.source,
        findings: decision.reason === undefined ? counted : markExempted(counted, decision.reason, decision.refused),
        refused: decision.refused,
      };
    case 'absent':
      return { kind: 'failed', source: toJudge.source, findings: counted, refused: [] };
  }
}
