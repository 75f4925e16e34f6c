/**
 * Evaluation annotations. Config keeps at most 256 characters
 * (https://docs.aws.amazon.com/config/latest/APIReference/API_Evaluation.html), so the most severe findings
 * come first and whatever does not fit is replaced by a visible count, never cut silently.
 */
import { severityRank, type Finding } from '../engine';

export const MAX_ANNOTATION_LENGTH = 256;
const ELLIPSIS = '…';

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * Cuts `text` to `limit` characters, ending with an ellipsis when cut. Counts UTF-16 code units, never more than
 * Config's count of characters, and cuts on a code-point boundary: a character outside the Basic Multilingual
 * Plane (a surrogate pair) is kept whole or dropped whole, never halved into a lone surrogate.
 */
export function clip(text: string, limit: number = MAX_ANNOTATION_LENGTH): string {
  if (text.length <= limit) return text;
  let end = Math.max(0, limit - ELLIPSIS.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end) + ELLIPSIS;
}

/** ` …[+3 more]`, or nothing for none. */
export function moreMarker(count: number): string {
  return count > 0 ? ` ${ELLIPSIS}[+${count} more]` : '';
}

/**
 * Joins `parts` with `separator` within `limit` characters. Parts that do not fit are dropped from the end and
 * counted in a marker such as `…[+3 more]`; a first part too long on its own is clipped.
 */
export function joinWithinLimit(parts: readonly string[], separator = '; ', limit: number = MAX_ANNOTATION_LENGTH): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const candidate = i === 0 ? part : out + separator + part;
    const rest = parts.length - i - 1;
    if (candidate.length + moreMarker(rest).length <= limit) {
      out = candidate;
      continue;
    }
    if (i === 0) {
      const marker = moreMarker(rest);
      return clip(part, limit - marker.length) + marker;
    }
    return out + moreMarker(parts.length - i);
  }
  return out;
}

/** Orders findings most severe first; ties keep the engine's order. */
export function mostSevereFirst(findings: readonly Finding[]): Finding[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => severityRank(b.finding.severity) - severityRank(a.finding.severity) || a.index - b.index)
    .map(({ finding }) => finding);
}

/** `CHECK_ID principal [+n] (Sid "x")`: what a person needs to find the statement. */
export function describeFinding(finding: Finding): string {
  const [first, ...others] = finding.principals;
  const principal = first === undefined ? '' : ` ${first}${others.length > 0 ? ` +${others.length}` : ''}`;
  const sid = finding.sids.find((s): s is string => typeof s === 'string' && s !== '');
  return `${finding.checkId}${principal}${sid === undefined ? '' : ` (Sid "${sid}")`}`;
}

export function findingsAnnotation(findings: readonly Finding[]): string {
  return joinWithinLimit(mostSevereFirst(findings).map(describeFinding));
}

/**
 * Text that can be shorter or longer: `shortest` must always be said (a count, a warning that the answer is
 * incomplete); `within(limit)` says as much more as fits in `limit` characters, and never less than `shortest`.
 */
export interface ElasticText {
  readonly shortest: string;
  within(limit: number): string;
}

/**
 * `parts` joined as joinWithinLimit does, then `tail`: the parts get the room the tail's shortest form leaves,
 * the tail whatever the parts did not use. A tail longer than the limit on its own is clipped.
 */
export function joinWithTail(parts: readonly string[], tail: ElasticText, separator = '; ', limit: number = MAX_ANNOTATION_LENGTH): string {
  if (parts.length === 0) return clip(tail.within(limit), limit);
  const head = joinWithinLimit(parts, separator, Math.max(0, limit - separator.length - tail.shortest.length));
  if (head === '') return clip(tail.within(limit), limit);
  return head + separator + clip(tail.within(limit - head.length - separator.length), limit - head.length - separator.length);
}
