/**
 * What the annotation of a key with an account-wide finding says about who can act on it: how many principals
 * of the account can use the key (or administer it, when administration is all the key policy hands to IAM), the
 * first of them by their shortest names, and, when the answer is incomplete, that it is and why. Pure.
 *
 * The count includes principals that can only under conditions (the engine's `conditional`), said beside it;
 * the names list the unconditional ones first. Config keeps 256 characters, shared with the findings: the count
 * and the incompleteness are always said, the names as far as they fit, the rest counted (`…[+11 more]`).
 */
import { CHECK, type CheckId, type EffectiveAccess, type EffectivePrincipal } from '../engine';
import { moreMarker, type ElasticText } from './annotation';

/** The checks whose findings say that the key policy lets IAM decide, and what they hand over. */
const USE_CHECKS: readonly CheckId[] = [CHECK.ACCOUNT_WIDE_FULL_ACCESS, CHECK.ACCOUNT_WIDE_USAGE];
const ADMINISTER_CHECKS: readonly CheckId[] = [CHECK.ACCOUNT_WIDE_ADMINISTRATION];

export type AccessLevelAsked = 'use' | 'administer';

/**
 * What the annotation speaks of, given the checks that decided the verdict: use when the key policy hands use
 * (or everything) to IAM, administration when that is all it hands over; undefined without an account-wide check.
 */
export function accessAsked(checkIds: readonly CheckId[]): AccessLevelAsked | undefined {
  if (checkIds.some((id) => USE_CHECKS.includes(id))) return 'use';
  if (checkIds.some((id) => ADMINISTER_CHECKS.includes(id))) return 'administer';
  return undefined;
}

/** `role/app`, `user/bob`, `root`: unique in the account, since IAM role and user names are unique whatever their path. */
export function shortPrincipalName(principal: Pick<EffectivePrincipal, 'arn' | 'type'>): string {
  if (principal.type === 'root') return 'root';
  // A name never holds "/"; the path, if any, comes before it.
  return `${principal.type}/${principal.arn.slice(principal.arn.lastIndexOf('/') + 1)}`;
}

export type AccessNote =
  /** The engine's answer; `incomplete`: short reasons it may be wrong, empty when complete. */
  | { kind: 'answered'; level: AccessLevelAsked; access: EffectiveAccess; incomplete: readonly string[] }
  /** No answer at all, and why (`IAM not readable`). */
  | { kind: 'unanswered'; reason: string };

function principalsAt(access: EffectiveAccess, level: AccessLevelAsked): { unconditional: EffectivePrincipal[]; conditional: EffectivePrincipal[] } {
  const unconditional = access.principals.filter((p) => p[level] === 'unconditional');
  const conditional = access.principals.filter((p) => p[level] === 'conditional');
  return { unconditional, conditional };
}

function headline(level: AccessLevelAsked, total: number, conditional: number): string {
  const verb = level === 'use' ? 'usable' : 'administrable';
  if (total === 0) return `${verb} by no principal of the account`;
  const count = `${verb} by ${total} principal${total === 1 ? '' : 's'}`;
  return conditional === 0 ? count : `${count} (${conditional} under conditions)`;
}

/** The note as text that fits the room the findings leave; see the module comment. */
export function accessNoteText(note: AccessNote): ElasticText {
  if (note.kind === 'unanswered') {
    const text = `effective access incomplete: ${note.reason}`;
    return { shortest: text, within: () => text };
  }
  const { unconditional, conditional } = principalsAt(note.access, note.level);
  const head = headline(note.level, unconditional.length + conditional.length, conditional.length);
  const incomplete = note.incomplete.length === 0 ? '' : `; effective access incomplete: ${note.incomplete.join(', ')}`;
  const names = [...unconditional, ...conditional].map(shortPrincipalName);
  return {
    shortest: head + incomplete,
    within: (limit) => {
      const listed = wholeNamesWithin(names, limit - head.length - incomplete.length - ': '.length);
      return listed === undefined ? head + incomplete : `${head}: ${listed}${incomplete}`;
    },
  };
}

/**
 * As many whole names as fit in `room`, then `…[+n more]` for the others; undefined when not even the first fits.
 * A name cut short would name nobody, so none is.
 */
function wholeNamesWithin(names: readonly string[], room: number): string | undefined {
  let shown = 0;
  let text = '';
  for (const name of names) {
    const candidate = shown === 0 ? name : `${text}, ${name}`;
    if (candidate.length + moreMarker(names.length - shown - 1).length > room) break;
    text = candidate;
    shown++;
  }
  return shown === 0 ? undefined : text + moreMarker(names.length - shown);
}
