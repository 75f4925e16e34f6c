/**
 * The hook's answer to CloudFormation
 * (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html,
 * "Response input"): `hookStatus`, `errorCode` (required when FAILED), `message`, the request's
 * `clientRequestToken` echoed, and `annotations`.
 *
 * CloudFormation cuts `message` at 4096 characters and Cloud Control at 1024, without saying so. Every message
 * here is at most MAX_MESSAGE_LENGTH (1024): the most severe findings come first, and what does not fit is
 * replaced by a visible count, so the end of a message (how to accept a finding) is never the part that is lost.
 */
import { CHECK, CHECKS, severityRank, type CheckId, type Finding, type Severity } from '../engine';
import { isSuppressed, type MarkedFinding } from '../suppress';
import type { HookDecision, PolicySource } from './judge';
import type { HookRequest } from './request';
import type { HookSettings } from './settings';

export const MAX_MESSAGE_LENGTH = 1024;
const ELLIPSIS = '…';

export type HookStatus = 'SUCCESS' | 'FAILED' | 'IN_PROGRESS';
export type HookErrorCode = 'NonCompliant' | 'InternalFailure';
export type AnnotationSeverity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface HookAnnotation {
  annotationName: string;
  status: 'PASSED' | 'FAILED' | 'SKIPPED';
  statusMessage: string;
  remediationMessage?: string;
  remediationLink?: string;
  severityLevel?: AnnotationSeverity;
}

export interface HookResponse {
  hookStatus: HookStatus;
  errorCode?: HookErrorCode;
  message: string;
  clientRequestToken: string;
  annotations?: HookAnnotation[];
}

const SEVERITY_LEVEL: Record<Severity, AnnotationSeverity> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', info: 'INFORMATIONAL' };
const META = new Map(CHECKS.map((c) => [c.meta.id as CheckId, c.meta]));

/** Cuts `text` to `limit` characters, ending with an ellipsis when cut, never halving a surrogate pair. */
export function clip(text: string, limit: number = MAX_MESSAGE_LENGTH): string {
  if (text.length <= limit) return text;
  let end = Math.max(0, limit - ELLIPSIS.length);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + ELLIPSIS;
}

/** `parts` joined by `separator` within `limit`; parts that do not fit are dropped and counted (`…[+3 more]`). */
function joinWithinLimit(parts: readonly string[], separator: string, limit: number): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const rest = parts.length - i - 1;
    const marker = (n: number) => (n > 0 ? `${separator}${ELLIPSIS}[+${n} more]` : '');
    const candidate = i === 0 ? part : out + separator + part;
    if (candidate.length + marker(rest).length <= limit) {
      out = candidate;
      continue;
    }
    if (i === 0) return clip(part, Math.max(0, limit - marker(rest).length)) + marker(rest);
    return out + marker(parts.length - i);
  }
  return out;
}

/** A message of `head`, as many `items` as fit, and `tail`, within MAX_MESSAGE_LENGTH; the tail is always kept whole. */
function compose(head: string, items: readonly string[], tail: string): string {
  const budget = MAX_MESSAGE_LENGTH - head.length - tail.length;
  if (budget < 40) return clip(`${head}${tail}`);
  return `${head}${joinWithinLimit(items, ' | ', budget)}${tail}`;
}

/** The first sentence of a check's remediation: the one-line fix. */
function oneLineFix(checkId: CheckId): string {
  const remediation = META.get(checkId)?.remediation ?? '';
  const end = remediation.search(/\.(\s|$)/);
  return end < 0 ? remediation : remediation.slice(0, end + 1);
}

/** `statement 0 ("Sid"), statement 3 …[+5 more statements]`: where a person finds the grants. */
function statementsOf(findings: readonly Finding[], shown = 4): string {
  const seen = new Map<number, string | undefined>();
  for (const f of findings) f.statementIndexes.forEach((index, i) => seen.has(index) || seen.set(index, f.sids[i]));
  const all = [...seen.entries()].sort(([a], [b]) => a - b);
  if (all.length === 0) return 'the whole policy';
  // A Sid can be long; cut so that the fix after the statement list always has room in the message.
  const named = all.slice(0, shown).map(([index, sid]) => (sid === undefined || sid === '' ? `statement ${index}` : `statement ${index} ("${clip(sid, 40)}")`));
  return named.join(', ') + (all.length > shown ? ` ${ELLIPSIS}[+${all.length - shown} more statements]` : '');
}

interface CheckGroup {
  checkId: CheckId;
  severity: Severity;
  findings: MarkedFinding[];
}

/** Findings grouped by check, most severe check first. */
function byCheck(findings: readonly MarkedFinding[]): CheckGroup[] {
  const groups = new Map<CheckId, CheckGroup>();
  for (const f of findings) {
    const group = groups.get(f.checkId);
    if (group === undefined) groups.set(f.checkId, { checkId: f.checkId, severity: f.severity, findings: [f] });
    else group.findings.push(f);
  }
  return [...groups.values()].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

function sourceNote(source: PolicySource): string {
  return source === 'default key policy' ? ' (no KeyPolicy is set, so KMS would attach its default key policy: the account root with kms:*; that policy was judged)' : '';
}

function subject(request: HookRequest): string {
  return `${request.targetLogicalId} (${request.targetName})`;
}

function acceptHint(settings: HookSettings, refused: readonly Finding[], open: readonly Finding[]): string {
  if (refused.length > 0) {
    const ids = [...new Set(refused.map((f) => f.checkId))].join(', ');
    return ` The key's ${settings.exemptionTagKey ?? 'exemption'} tag cannot accept ${ids}: fix the key policy.`;
  }
  const acceptable = open.filter((f) => !settings.nonSuppressibleChecks.includes(f.checkId));
  if (acceptable.length === 0) return ` ${[...new Set(open.map((f) => f.checkId))].join(', ')} cannot be accepted (NonSuppressibleChecks): fix the key policy.`;
  const never = settings.nonSuppressibleChecks.length > 0 ? ` ${settings.nonSuppressibleChecks.join(', ')} cannot be accepted this way.` : '';
  if (settings.exemptionTagKey === undefined) return ' To accept a finding, the hook must be deployed with an exemption tag key (exemptionTagKey); otherwise fix the key policy.';
  return ` To accept the findings after review, tag the key ${settings.exemptionTagKey}=<reason, e.g. a ticket>.${never}`;
}

function findingsAnnotations(findings: readonly MarkedFinding[]): HookAnnotation[] {
  return byCheck(findings).map((group) => {
    const meta = META.get(group.checkId);
    const first = group.findings[0] as MarkedFinding;
    const accepted = group.findings.every(isSuppressed);
    const acceptance = accepted ? ` Accepted by the exemption tag: ${first.suppression?.reason ?? ''}` : '';
    const more = group.findings.length > 1 ? ` (${group.findings.length} findings of this check, in ${statementsOf(group.findings)}.)` : '';
    const annotation: HookAnnotation = {
      annotationName: group.checkId,
      status: accepted ? 'SKIPPED' : 'FAILED',
      statusMessage: clip(`${first.message}${more}${acceptance}`),
      severityLevel: SEVERITY_LEVEL[group.severity],
    };
    if (meta !== undefined) annotation.remediationMessage = clip(meta.remediation);
    const link = meta?.references[0];
    if (link !== undefined) annotation.remediationLink = link;
    return annotation;
  });
}

function success(token: string, message: string, annotations?: HookAnnotation[]): HookResponse {
  return { hookStatus: 'SUCCESS', message: clip(message), clientRequestToken: token, ...(annotations === undefined ? {} : { annotations }) };
}

export function failure(token: string, errorCode: HookErrorCode, message: string, annotations?: HookAnnotation[]): HookResponse {
  return { hookStatus: 'FAILED', errorCode, message: clip(message), clientRequestToken: token, ...(annotations === undefined ? {} : { annotations }) };
}

/** The response for a decision about `request`. */
export function renderDecision(decision: HookDecision, request: HookRequest, settings: HookSettings): HookResponse {
  const token = request.clientRequestToken;
  switch (decision.kind) {
    case 'skipped':
      return success(token, `kms-policy-guard: ${decision.reason}.`);
    case 'passed': {
      const ignored = decision.ignored > 0 ? `; ${decision.ignored} finding(s) below ${settings.minimumSeverity} are not counted` : '';
      return success(token, `kms-policy-guard: the key policy of ${subject(request)} passes every check at or above ${settings.minimumSeverity}${sourceNote(decision.source)}${ignored}.`);
    }
    case 'accepted': {
      const groups = byCheck(decision.findings);
      const head = `kms-policy-guard: ${subject(request)} would fail ${groups.map((g) => g.checkId).join(', ')}${sourceNote(decision.source)}; `;
      const tail = `accepted by the tag ${decision.tagKey}="${clip(decision.reason, 300)}". Review it when the key policy changes.`;
      return success(token, clip(head + tail), findingsAnnotations(decision.findings));
    }
    case 'failed': {
      const open = decision.findings.filter((f) => !isSuppressed(f));
      const groups = byCheck(open);
      const head = `kms-policy-guard: the key policy of ${subject(request)} fails ${groups.length} check(s)${sourceNote(decision.source)}: `;
      const items = groups.map((g) => `${g.checkId} (${g.severity}): ${oneLineFix(g.checkId)} (in ${statementsOf(g.findings)})`);
      return failure(token, 'NonCompliant', compose(head, items, acceptHint(settings, decision.refused, open)), findingsAnnotations(decision.findings));
    }
    case 'not-judged': {
      const head = `kms-policy-guard: could not judge ${subject(request)}: ${decision.reason}`;
      const items = decision.findings.map((f) => f.message);
      const invalid = decision.findings.some((f) => f.checkId === CHECK.INVALID_POLICY);
      const tail = `. The hook never passes a policy it could not judge; ${invalid ? 'fix the KeyPolicy so it parses as a key policy' : "see the hook function's logs"}.`;
      return failure(token, 'InternalFailure', items.length === 0 ? clip(`${head}.`) : compose(`${head}: `, items, tail));
    }
    default: {
      const unreachable: never = decision;
      return failure(token, 'InternalFailure', `kms-policy-guard: unhandled decision ${JSON.stringify(unreachable)}`);
    }
  }
}
