/**
 * Conditions on who calls, judged against what the IAM details say of one known principal of the account,
 * rather than against the classes of principals the key-policy summary reasons with (a class such as "tagged
 * team=x" or "aws:userid AROA…:*" cannot be related to a role's ARN; the role's own values can).
 *
 * The values each principal's requests carry:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#principaltable
 * - aws:PrincipalArn: the role's ARN (for every session of it), the user's ARN, `arn:…:iam::<account>:root`.
 * - aws:userid: `<RoleId>:<role session name>` for a role, the UserId for a user, the account id for the root user.
 * - aws:username: the user's name; not present for roles and the root user.
 * - aws:PrincipalTag/<key>: the user's tags; for a role, its tags unless the session passed session tags, which
 *   override them (and may add keys the role does not have), so for a role no tag condition is ever known to
 *   hold or to fail. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-tags
 *   The root user has no tags.
 */
import { globMatch } from '../glob';
import { outcomeWhenAbsent, type ParsedCondition } from '../conditions';
import type { PrincipalClass } from '../principals';

/** What the IAM details say of a principal of the account. */
export interface KnownIdentity {
  arn: string;
  /** aws:userid: one value, or, for a role, what every one of its sessions' values starts with (`<RoleId>:`). */
  userId?: { exact: string } | { prefix: string };
  /** aws:username; null where requests never carry it (roles, the root user). */
  userName: string | null;
  /** Tags by lower-cased key (tag keys are case-insensitive in conditions); `session` for a role; unset when not exported. */
  tags?: ReadonlyMap<string, string> | 'session';
}

export type Outcome = 'holds' | 'never' | 'unknown';

/** What a key says for the principal: one value, a prefix of every value, absent, or not knowable. */
type Value = { kind: 'exact'; text: string } | { kind: 'prefix'; text: string } | { kind: 'absent' } | { kind: 'unknown' };

const UNKNOWN: Value = { kind: 'unknown' };
const ABSENT: Value = { kind: 'absent' };

/** Whether `knownOutcome` judges conditions on this key (lower case). */
export function isIdentityKey(keyLower: string): boolean {
  return keyLower === 'aws:principalarn' || keyLower === 'aws:userid' || keyLower === 'aws:username' || keyLower.startsWith('aws:principaltag/');
}

function valueOf(keyLower: string, id: KnownIdentity): Value {
  switch (keyLower) {
    case 'aws:principalarn':
      return { kind: 'exact', text: id.arn };
    case 'aws:userid':
      if (!id.userId) return UNKNOWN;
      return 'exact' in id.userId ? { kind: 'exact', text: id.userId.exact } : { kind: 'prefix', text: id.userId.prefix };
    case 'aws:username':
      return id.userName === null ? ABSENT : { kind: 'exact', text: id.userName };
    default: {
      if (id.tags === undefined || id.tags === 'session') return UNKNOWN;
      const v = id.tags.get(keyLower.slice('aws:principaltag/'.length));
      return v === undefined ? ABSENT : { kind: 'exact', text: v };
    }
  }
}

type Match = 'yes' | 'no' | 'maybe';

const POSITIVE: Readonly<Record<string, string>> = {
  StringEquals: 'StringEquals',
  StringNotEquals: 'StringEquals',
  StringEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringLike: 'StringLike',
  StringNotLike: 'StringLike',
  ArnEquals: 'ArnLike',
  ArnNotEquals: 'ArnLike',
  ArnLike: 'ArnLike',
  ArnNotLike: 'ArnLike',
};

/**
 * ArnEquals and ArnLike compare the six colon-separated fields of an ARN each on its own, every field taking
 * `*` and `?`. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
function arnFields(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function arnMatch(pattern: string, arn: string): Match {
  const p = arnFields(pattern);
  const a = arnFields(arn);
  // An ARN operator on a value that is not an ARN: not judged here.
  if (!p || !a) return 'maybe';
  return p.every((f, i) => globMatch(f, a[i] as string)) ? 'yes' : 'no';
}

function matchExact(op: string, pattern: string, text: string): Match {
  switch (op) {
    case 'StringEquals':
      return pattern === text ? 'yes' : 'no';
    case 'StringEqualsIgnoreCase':
      return pattern.toLowerCase() === text.toLowerCase() ? 'yes' : 'no';
    case 'StringLike':
      return globMatch(pattern, text) ? 'yes' : 'no';
    default:
      return arnMatch(pattern, text);
  }
}

/** Against every `prefix` + a non-empty session name (a role's aws:userid). */
function matchPrefix(op: string, pattern: string, prefix: string): Match {
  switch (op) {
    case 'StringEquals':
      return pattern.length > prefix.length && pattern.startsWith(prefix) ? 'maybe' : 'no';
    case 'StringEqualsIgnoreCase': {
      const p = pattern.toLowerCase();
      const x = prefix.toLowerCase();
      return p.length > x.length && p.startsWith(x) ? 'maybe' : 'no';
    }
    case 'StringLike': {
      // A final `*` that matches right after the prefix takes in every session name.
      if (pattern.endsWith('*') && globMatch(pattern, prefix)) return 'yes';
      const first = pattern.search(/[*?]/);
      const literal = first < 0 ? pattern : pattern.slice(0, first);
      if (first < 0) return literal.length > prefix.length && literal.startsWith(prefix) ? 'maybe' : 'no';
      return literal.startsWith(prefix) || prefix.startsWith(literal) ? 'maybe' : 'no';
    }
    default:
      return 'maybe';
  }
}

function nullOutcome(c: ParsedCondition, value: Value): Outcome {
  if (value.kind === 'unknown') return 'unknown';
  const lower = c.values.map((v) => v.toLowerCase());
  // Null "true": the key must be absent; "false": present.
  if (lower.every((v) => v === 'true')) return value.kind === 'absent' ? 'holds' : 'never';
  if (lower.every((v) => v === 'false')) return value.kind === 'absent' ? 'never' : 'holds';
  return 'unknown';
}

/**
 * Whether `c` (a condition on an identity key, see isIdentityKey) holds for every request of the principal,
 * for none, or depends on the request (a role's session name or session tags, a policy variable).
 */
export function knownOutcome(c: ParsedCondition, id: KnownIdentity): Outcome {
  return outcomeOn(c, valueOf(c.keyLower, id));
}

/**
 * aws:PrincipalOrgID (and aws:PrincipalOrgPaths, whose values the inputs do not hold) once the account's
 * organisation is known: its id, or, for an account in no organisation, absent ("This key is included in the
 * request context only if the principal is a member of an organization").
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
 */
export function orgOutcome(c: ParsedCondition, orgId: string | null): Outcome {
  if (orgId === null) return outcomeOn(c, ABSENT);
  return c.keyLower === 'aws:principalorgid' ? outcomeOn(c, { kind: 'exact', text: orgId }) : 'unknown';
}

function outcomeOn(c: ParsedCondition, value: Value): Outcome {
  if (c.base === 'Null') return nullOutcome(c, value);
  if (value.kind === 'unknown' || c.values.length === 0) return 'unknown';
  if (value.kind === 'absent') return outcomeWhenAbsent(c) ? 'holds' : 'never';
  const op = POSITIVE[c.base];
  // Policy variables (`${aws:username}`…) take the request's values: not judged here.
  if (op === undefined || c.values.some((v) => v.includes('${'))) return 'unknown';
  // Each key here has one value per request: ForAnyValue and ForAllValues over it match as the plain operator.
  let matched: Match = 'no';
  for (const pattern of c.values) {
    const m = value.kind === 'exact' ? matchExact(op, pattern, value.text) : matchPrefix(op, pattern, value.text);
    if (m === 'yes') {
      matched = 'yes';
      break;
    }
    if (m === 'maybe') matched = 'maybe';
  }
  if (matched === 'maybe') return 'unknown';
  return (matched === 'yes') !== c.negated ? 'holds' : 'never';
}

/**
 * How a class of principals that the key-policy summary names by a who-key value (a class it made of an
 * aws:PrincipalTag, aws:username or aws:userid condition) relates to the principal: `in` when the principal's
 * value matches, `maybe` when it may (a role's session, session tags, another letter case under an
 * …IgnoreCase operator the class no longer records), `no` when it cannot; undefined for any other class.
 */
export function valueClassRelation(cls: PrincipalClass, id: KnownIdentity): 'in' | 'maybe' | 'no' | undefined {
  if (cls.kind !== 'principal') return undefined;
  if (cls.subtype === 'tagged') return tagRelation(cls.name, id);
  if (cls.subtype === 'username') return patternRelation(valueOf('aws:username', id), cls.name.slice('username:'.length));
  if (cls.name.startsWith('userid:')) return patternRelation(valueOf('aws:userid', id), cls.name.slice('userid:'.length));
  return undefined;
}

/** `tag:<key>=<value>`: the key may itself hold `=`, so it is found among the principal's own tag keys. */
function tagRelation(name: string, id: KnownIdentity): 'in' | 'maybe' | 'no' {
  if (id.tags === undefined || id.tags === 'session') return 'maybe';
  const lower = name.toLowerCase();
  let best: 'in' | 'maybe' | 'no' = 'no';
  for (const [key, value] of id.tags) {
    const head = `tag:${key}=`;
    if (!lower.startsWith(head)) continue;
    const r = patternRelation({ kind: 'exact', text: value }, name.slice(head.length));
    if (r === 'in') return 'in';
    if (r === 'maybe') best = 'maybe';
  }
  return best;
}

function patternRelation(value: Value, pattern: string): 'in' | 'maybe' | 'no' {
  if (value.kind === 'unknown' || pattern.includes('${')) return 'maybe';
  if (value.kind === 'absent') return 'no';
  if (value.kind === 'exact') {
    if (globMatch(pattern, value.text)) return 'in';
    return globMatch(pattern, value.text, true) ? 'maybe' : 'no';
  }
  const m = matchPrefix('StringLike', pattern, value.text);
  if (m !== 'no') return m === 'yes' ? 'in' : 'maybe';
  return matchPrefix('StringLike', pattern.toLowerCase(), value.text.toLowerCase()) === 'no' ? 'no' : 'maybe';
}
