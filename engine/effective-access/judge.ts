/**
 * What a statement's conditions say for one known principal of the account, judged with the engine's own
 * condition semantics (engine/conditions.ts, engine/condition-presence.ts, engine/principal-sets.ts): there is
 * one evaluator of conditions, and this module only asks it questions.
 *
 * A condition is taken to hold only when the engine can say it holds for every request of this principal
 * (a who-condition naming the principal, its account); never to hold when the engine can say so (a plain
 * operator on a key no request of an IAM principal carries, a who-condition that excludes the principal); and
 * otherwise it leaves access conditional. Keys of the request that the inputs cannot know (aws:SourceIp,
 * aws:SourceVpce, kms:ViaService, kms:EncryptionContext:…, alias keys kms:RequestAlias and
 * kms:ResourceAliases, tags) are all conditional.
 */
import { ALL_ACTIONS, NO_ACTIONS, union, type ActionSet } from '../actions';
import { absentByKind, actionsWithValue } from '../condition-presence';
import { boolOutcome, carvesWho, narrowsWho, outcomeWhenAbsent, type ParsedCondition } from '../conditions';
import { conditionTargets, contains, mayContain } from '../principal-sets';
import type { PrincipalClass } from '../principals';

/** A principal of the account, as the conditions see it. */
export interface Subject {
  cls: PrincipalClass;
  /** The organisation the account belongs to, when known: aws:PrincipalOrgID of every principal of it. */
  orgId?: string;
}

export interface ConditionJudgement {
  /** Actions for which some condition never holds: the statement does nothing for them. */
  never: ActionSet;
  /** Every condition surely holds (for the actions not in `never`). */
  holds: boolean;
}

export const ALWAYS: ConditionJudgement = { never: NO_ACTIONS, holds: true };

type Outcome = 'holds' | 'never' | 'unknown';

function targetOutcome(targets: readonly PrincipalClass[], subject: Subject): { inside: boolean; maybe: boolean } {
  let maybe = false;
  for (const t of targets) {
    if (contains(t, subject.cls) || (t.kind === 'organization' && subject.orgId !== undefined && t.orgId === subject.orgId)) return { inside: true, maybe: true };
    if (mayContain(t, subject.cls)) maybe = true;
  }
  return { inside: false, maybe };
}

/** Whether a condition on who calls holds for the subject; `unknown` for any other condition. */
function whoOutcome(c: ParsedCondition, subject: Subject): Outcome {
  // A principal of an account always carries aws:PrincipalArn and aws:PrincipalAccount (see narrowsWho).
  if (narrowsWho(c, true)) {
    const t = targetOutcome(conditionTargets(c), subject);
    return t.inside ? 'holds' : t.maybe ? 'unknown' : 'never';
  }
  if (carvesWho(c)) {
    const t = targetOutcome(conditionTargets(c), subject);
    return t.inside ? 'never' : t.maybe ? 'unknown' : 'holds';
  }
  return 'unknown';
}

/** The actions whose requests by an IAM principal make `c` false whatever else they carry. */
function neverFor(c: ParsedCondition): ActionSet {
  let set = NO_ACTIONS;
  if (!outcomeWhenAbsent(c)) set = absentByKind(c.keyLower)['iam-principal'];
  if (c.base === 'Bool') for (const known of actionsWithValue(c.keyLower, 'iam-principal')) if (!boolOutcome(c, known.value)) set = union(set, known.actions);
  return set;
}

/** What `conditions` (ANDed) say for requests of `subject`. */
export function judgeConditions(conditions: readonly ParsedCondition[], subject: Subject): ConditionJudgement {
  if (conditions.length === 0) return ALWAYS;
  let never = NO_ACTIONS;
  let holds = true;
  for (const c of conditions) {
    never = union(never, neverFor(c));
    const who = whoOutcome(c, subject);
    if (who === 'never') return { never: ALL_ACTIONS, holds: false };
    if (who === 'unknown') holds = false;
  }
  return { never, holds };
}

/** Whether any condition's outcome depends on who the principal is (so a judgement cannot be shared). */
export function dependsOnWho(conditions: readonly ParsedCondition[]): boolean {
  return conditions.some((c) => c.category === 'who');
}
