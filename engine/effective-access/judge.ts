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
 * kms:ResourceAliases, tags) are all conditional. Conditions on aws:PrincipalArn, aws:userid, aws:username and
 * aws:PrincipalTag are judged against the principal's own values from the IAM details (who-values.ts).
 */
import { ALL_ACTIONS, NO_ACTIONS, intersect, union, type ActionSet } from '../actions';
import { absentByKind, actionsWithValue } from '../condition-presence';
import { boolOutcome, carvesWho, narrowsWho, outcomeWhenAbsent, type ParsedCondition } from '../conditions';
import { conditionTargets, contains, mayContain } from '../principal-sets';
import type { PrincipalClass } from '../principals';
import { isIdentityKey, knownOutcome, orgOutcome, type KnownIdentity, type Outcome } from './who-values';

/** A principal of the account, as the conditions see it. */
export interface Subject {
  cls: PrincipalClass;
  /**
   * The organisation the account belongs to, when known: aws:PrincipalOrgID of every principal of it; null when
   * the account is known to be in no organisation.
   */
  orgId?: string | null;
  /** What the IAM details say of the principal, when it is one known principal (not a class). */
  identity?: KnownIdentity;
}

export interface ConditionJudgement {
  /** Actions for which some condition never holds: the statement does nothing for them. */
  never: ActionSet;
  /** Actions for which every condition surely holds (only those not in `never` matter). */
  sure: ActionSet;
}

export const ALWAYS: ConditionJudgement = { never: NO_ACTIONS, sure: ALL_ACTIONS };

/** The targets of each who-condition, worked out once (the same statement is judged for many principals). */
const TARGETS = new WeakMap<ParsedCondition, PrincipalClass[]>();

function targetsOf(c: ParsedCondition): PrincipalClass[] {
  let t = TARGETS.get(c);
  if (!t) {
    t = conditionTargets(c);
    TARGETS.set(c, t);
  }
  return t;
}

function targetOutcome(targets: readonly PrincipalClass[], subject: Subject): { inside: boolean; maybe: boolean } {
  let maybe = false;
  for (const t of targets) {
    if (contains(t, subject.cls) || (t.kind === 'organization' && subject.orgId !== undefined && t.orgId === subject.orgId)) return { inside: true, maybe: true };
    if (mayContain(t, subject.cls)) maybe = true;
  }
  return { inside: false, maybe };
}

/** How a condition bears on who calls, worked out once per condition. */
const WHO_KIND = new WeakMap<ParsedCondition, 'narrows' | 'carves' | 'other'>();

function whoKind(c: ParsedCondition): 'narrows' | 'carves' | 'other' {
  let kind = WHO_KIND.get(c);
  if (!kind) {
    // A principal of an account always carries aws:PrincipalArn and aws:PrincipalAccount (see narrowsWho).
    kind = c.category !== 'who' ? 'other' : narrowsWho(c, true) ? 'narrows' : carvesWho(c) ? 'carves' : 'other';
    WHO_KIND.set(c, kind);
  }
  return kind;
}

/** Whether a condition on who calls holds for the subject; `unknown` for any other condition. */
function whoOutcome(c: ParsedCondition, subject: Subject): Outcome {
  if (subject.identity && isIdentityKey(c.keyLower)) return knownOutcome(c, subject.identity);
  if (subject.orgId !== undefined && ORG_KEYS.has(c.keyLower)) {
    const known = orgOutcome(c, subject.orgId);
    if (known !== 'unknown') return known;
  }
  const kind = whoKind(c);
  if (kind === 'narrows') {
    const t = targetOutcome(targetsOf(c), subject);
    return t.inside ? 'holds' : t.maybe ? 'unknown' : 'never';
  }
  if (kind === 'carves') {
    const t = targetOutcome(targetsOf(c), subject);
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
  let sure = ALL_ACTIONS;
  for (const c of conditions) {
    never = union(never, neverFor(c));
    const who = whoOutcome(c, subject);
    if (who === 'never') return { never: ALL_ACTIONS, sure: NO_ACTIONS };
    if (who === 'unknown') sure = sure === NO_ACTIONS ? sure : intersect(sure, c.category === 'who' ? NO_ACTIONS : surelyHoldsFor(c));
  }
  return { never, sure };
}

/**
 * The actions whose requests by an IAM principal carry the key of a plain `Bool` condition with a value it
 * names (aws:PrincipalIsAWSService is "false" in every request of an IAM principal): there it surely holds.
 */
function surelyHoldsFor(c: ParsedCondition): ActionSet {
  if (c.base !== 'Bool' || c.qualifier !== undefined || c.values.length === 0) return NO_ACTIONS;
  const written = c.values.map((v) => v.toLowerCase());
  if (written.some((v) => v !== 'true' && v !== 'false')) return NO_ACTIONS;
  let set = NO_ACTIONS;
  for (const known of actionsWithValue(c.keyLower, 'iam-principal')) if (written.includes(known.value)) set = union(set, known.actions);
  return set;
}

/** Who-keys on the caller's organisation: they are judged again once the organisation is known. */
const ORG_KEYS = new Set(['aws:principalorgid', 'aws:principalorgpaths']);

/** Whether some condition's outcome depends on the organisation of the caller's account. */
export function dependsOnOrg(conditions: readonly ParsedCondition[]): boolean {
  return conditions.some((c) => ORG_KEYS.has(c.keyLower));
}

/** Who-keys whose value is the same for every principal of one account: its account and organisation. */
const ACCOUNT_WIDE_KEYS = new Set(['aws:principalaccount', 'kms:calleraccount', 'aws:principalorgid', 'aws:principalorgpaths']);

/**
 * Whether any condition's outcome may differ between two principals of the same account (so a judgement cannot
 * be shared among them): a condition on the principal's ARN, user id, name, tags or service name.
 */
export function dependsOnWho(conditions: readonly ParsedCondition[]): boolean {
  return conditions.some((c) => c.category === 'who' && !ACCOUNT_WIDE_KEYS.has(c.keyLower));
}
