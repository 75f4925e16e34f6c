/**
 * A deliberately small IAM evaluator for ONE concrete request against ONE key policy: allow, deny, or
 * 'unsupported' when the policy uses something this evaluator does not model (it never guesses).
 *
 * It is the judge of the witness property and must stay independent of the engine: it imports nothing
 * from engine/. It follows the IAM User Guide's policy evaluation logic for a resource-based policy
 * evaluated alone: an explicit Deny wins, otherwise any Allow allows, otherwise the request is implicitly
 * denied. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 *
 * A key policy that names an account (root ARN or bare id) delegates to that account's IAM policies
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 * Here such a statement matches every IAM principal of the account: the key policy allows the request,
 * which is exactly what the engine's account-wide findings claim.
 */

export type RequestPrincipal =
  | { type: 'AWS'; arn: string; account: string; uniqueId?: string }
  | { type: 'Service'; name: string }
  | { type: 'Anonymous' };

export type ContextValue = string | string[] | boolean | undefined;

export interface KmsRequest {
  principal: RequestPrincipal;
  /** e.g. `kms:Decrypt`. */
  action: string;
  /** The key's ARN. */
  resource: string;
  /** Condition keys, lower-cased; an absent key is missing or undefined. */
  context: Record<string, ContextValue>;
}

export type Decision = 'allow' | 'deny' | 'unsupported';

/** A statement's verdict on the request: it applies, it does not, or it cannot be told. */
type Match = boolean | 'unsupported';

class Unsupported extends Error {}

function unsupported(why: string): never {
  throw new Unsupported(why);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON value that IAM reads as a string or a list of strings. */
function strings(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'boolean') return String(x);
    return unsupported(`value ${JSON.stringify(x)} is not a string`);
  });
}

/** IAM wildcards: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  // memo[i][j]: does p[i..] match t[j..]? Small inputs only; clarity over speed.
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = `${i},${j}`;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === p.length) r = j === t.length;
    else if (p[i] === '*') r = go(i + 1, j) || (j < t.length && go(i, j + 1));
    else r = j < t.length && (p[i] === '?' || p[i] === t[j]) && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

function noVariables(values: readonly string[]): void {
  for (const v of values) if (v.includes('${')) unsupported(`policy variable in ${v}`);
}

// --- principals ---

const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:[a-z-]+:iam::(\d{12}):root$/;
/** IAM unique ids: AIDA (user), AROA (role), and the other documented prefixes. */
const UNIQUE_ID = /^A[A-Z0-9]{3}[A-Z0-9]{12,}$/;

/** Does one `AWS` entry of Principal name the request's principal? */
function awsEntryMatches(entry: string, p: RequestPrincipal, inNotPrincipal: boolean): boolean {
  if (entry === '*') return true;
  if (p.type !== 'AWS') return false;
  noVariables([entry]);
  const account = ACCOUNT_ID.test(entry) ? entry : ROOT_ARN.exec(entry)?.[1];
  if (account !== undefined) {
    if (p.account !== account) return false;
    // In NotPrincipal an account entry exempts the account, but whether that exempts its users and roles
    // the IAM guide does not state plainly ("NotPrincipal" with "Deny" asks for both ARNs). Do not guess.
    if (inNotPrincipal && !ROOT_ARN.test(p.arn)) unsupported(`NotPrincipal account ${entry} and ${p.arn}`);
    return true;
  }
  if (UNIQUE_ID.test(entry)) return p.uniqueId === entry;
  if (entry.includes('*') || entry.includes('?')) unsupported(`wildcard in principal ARN ${entry}`);
  return p.arn === entry;
}

/** `"*"`, `{"AWS": "*"}`, `{"AWS": [...], "Service": [...]}`. The first two are equivalent. */
function principalMatches(element: unknown, p: RequestPrincipal, inNotPrincipal: boolean): boolean {
  if (element === '*') return true;
  if (!isRecord(element)) return unsupported('Principal is neither "*" nor an object');
  let matched = false;
  for (const [type, value] of Object.entries(element)) {
    const entries = strings(value);
    if (type === 'AWS') matched = entries.some((e) => awsEntryMatches(e, p, inNotPrincipal)) || matched;
    else if (type === 'Service') matched = (p.type === 'Service' && entries.includes(p.name)) || matched;
    // Federated and CanonicalUser name principals that no request of this evaluator has.
    else if (type !== 'Federated' && type !== 'CanonicalUser') unsupported(`principal type ${type}`);
  }
  return matched;
}

// --- conditions ---

type Base = { family: 'String' | 'Arn' | 'Numeric' | 'Date' | 'Bool' | 'Ip' | 'Null'; test: string; negated: boolean; ignoreCase: boolean };

const BASES: Record<string, Base> = {
  StringEquals: { family: 'String', test: 'equals', negated: false, ignoreCase: false },
  StringNotEquals: { family: 'String', test: 'equals', negated: true, ignoreCase: false },
  StringEqualsIgnoreCase: { family: 'String', test: 'equals', negated: false, ignoreCase: true },
  StringNotEqualsIgnoreCase: { family: 'String', test: 'equals', negated: true, ignoreCase: true },
  StringLike: { family: 'String', test: 'like', negated: false, ignoreCase: false },
  StringNotLike: { family: 'String', test: 'like', negated: true, ignoreCase: false },
  ArnEquals: { family: 'Arn', test: 'like', negated: false, ignoreCase: false },
  ArnLike: { family: 'Arn', test: 'like', negated: false, ignoreCase: false },
  ArnNotEquals: { family: 'Arn', test: 'like', negated: true, ignoreCase: false },
  ArnNotLike: { family: 'Arn', test: 'like', negated: true, ignoreCase: false },
  NumericEquals: { family: 'Numeric', test: 'eq', negated: false, ignoreCase: false },
  NumericNotEquals: { family: 'Numeric', test: 'eq', negated: true, ignoreCase: false },
  NumericLessThan: { family: 'Numeric', test: 'lt', negated: false, ignoreCase: false },
  NumericLessThanEquals: { family: 'Numeric', test: 'le', negated: false, ignoreCase: false },
  NumericGreaterThan: { family: 'Numeric', test: 'gt', negated: false, ignoreCase: false },
  NumericGreaterThanEquals: { family: 'Numeric', test: 'ge', negated: false, ignoreCase: false },
  DateEquals: { family: 'Date', test: 'eq', negated: false, ignoreCase: false },
  DateNotEquals: { family: 'Date', test: 'eq', negated: true, ignoreCase: false },
  DateLessThan: { family: 'Date', test: 'lt', negated: false, ignoreCase: false },
  DateLessThanEquals: { family: 'Date', test: 'le', negated: false, ignoreCase: false },
  DateGreaterThan: { family: 'Date', test: 'gt', negated: false, ignoreCase: false },
  DateGreaterThanEquals: { family: 'Date', test: 'ge', negated: false, ignoreCase: false },
  Bool: { family: 'Bool', test: 'eq', negated: false, ignoreCase: true },
  IpAddress: { family: 'Ip', test: 'in', negated: false, ignoreCase: false },
  NotIpAddress: { family: 'Ip', test: 'in', negated: true, ignoreCase: false },
  Null: { family: 'Null', test: 'null', negated: false, ignoreCase: false },
};

interface Operator {
  base: Base;
  set?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
}

function parseOperator(name: string): Operator {
  const m = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(name);
  const base = m?.[2] === undefined ? undefined : BASES[m[2]];
  if (!m || !base) return unsupported(`operator ${name}`);
  if (base.family === 'Null' && (m[1] !== undefined || m[3] !== undefined)) unsupported(`operator ${name}`);
  return { base, ...(m[1] ? { set: m[1] as Operator['set'] } : {}), ifExists: m[3] !== undefined };
}

function compareOrdered(test: string, a: number, b: number): boolean {
  switch (test) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
  }
  return unsupported(`comparison ${test}`);
}

function number(v: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(v)) unsupported(`number ${v}`);
  return Number(v);
}

/** ISO 8601 dates and epoch seconds, as the IAM guide's date operators accept. */
function date(v: string): number {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) unsupported(`date ${v}`);
  const t = Date.parse(v);
  return Number.isNaN(t) ? unsupported(`date ${v}`) : t;
}

function ipv4(v: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (!m) return unsupported(`IPv4 address ${v}`);
  return m.slice(1).reduce((acc, part) => (Number(part) > 255 ? unsupported(`IPv4 address ${v}`) : acc * 256 + Number(part)), 0);
}

function inCidr(address: string, cidr: string): boolean {
  const [net = '', bits = '32'] = cidr.split('/');
  const n = Number(bits);
  if (!/^\d+$/.test(bits) || n > 32) unsupported(`CIDR ${cidr}`);
  const size = 2 ** (32 - n);
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(net) / size);
}

/** ArnLike/ArnEquals: each of the six colon-separated parts matched separately, wildcards inside a part. */
function arnMatches(pattern: string, value: string): boolean {
  const split = (s: string) => {
    const parts = s.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const v = split(value);
  if (!p || !v) return false;
  return p.every((part, i) => wildcardMatch(part, v[i] ?? ''));
}

/** Does one request value satisfy the (not negated) test against one policy value? */
function valueMatches(base: Base, policyValue: string, requestValue: string): boolean {
  switch (base.family) {
    case 'String':
      return base.test === 'like' ? wildcardMatch(policyValue, requestValue) : base.ignoreCase ? policyValue.toLowerCase() === requestValue.toLowerCase() : policyValue === requestValue;
    case 'Arn':
      return arnMatches(policyValue, requestValue);
    case 'Numeric':
      return compareOrdered(base.test, number(requestValue), number(policyValue));
    case 'Date':
      return compareOrdered(base.test, date(requestValue), date(policyValue));
    case 'Bool':
      return policyValue.toLowerCase() === requestValue.toLowerCase();
    case 'Ip':
      return inCidr(requestValue, policyValue);
    case 'Null':
      return unsupported('Null compares presence, not values');
  }
}

/** One request value against all policy values: any match for a plain test, none for a negated one. */
function singleValueHolds(base: Base, policyValues: readonly string[], requestValue: string): boolean {
  const any = policyValues.some((pv) => valueMatches(base, pv, requestValue));
  return base.negated ? !any : any;
}

function conditionHolds(operatorName: string, key: string, rawValues: unknown, context: KmsRequest['context']): boolean {
  const op = parseOperator(operatorName);
  const policyValues = strings(rawValues);
  noVariables(policyValues);
  const raw = context[key.toLowerCase()];
  const present = raw !== undefined;
  const requestValues = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];

  if (op.base.family === 'Null') {
    // Null true: the key must be absent; Null false: present. An empty list is left undecided.
    if (Array.isArray(raw) && raw.length === 0) unsupported(`Null on empty ${key}`);
    const wantAbsent = policyValues.every((v) => v.toLowerCase() === 'true');
    if (!wantAbsent && !policyValues.every((v) => v.toLowerCase() === 'false')) unsupported(`Null value ${policyValues.join(',')}`);
    return wantAbsent ? !present : present;
  }
  if (op.set === undefined) {
    if (!present) return op.ifExists || op.base.negated;
    // A single-valued operator over a multivalued key is documented only with a warning: do not guess.
    if (Array.isArray(raw)) return unsupported(`single-valued operator ${operatorName} on multivalued ${key}`);
    return singleValueHolds(op.base, policyValues, requestValues[0] ?? '');
  }
  // Set operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
  if (op.set === 'ForAllValues') {
    // True when the key is absent or the set is empty: the classic bypass.
    return requestValues.every((v) => singleValueHolds(op.base, policyValues, v));
  }
  if (!present) return op.ifExists;
  return requestValues.some((v) => singleValueHolds(op.base, policyValues, v));
}

function conditionsHold(condition: unknown, context: KmsRequest['context']): boolean {
  if (condition === undefined) return true;
  if (!isRecord(condition)) return unsupported('Condition is not an object');
  for (const [operator, block] of Object.entries(condition)) {
    if (!isRecord(block)) return unsupported(`Condition.${operator} is not an object`);
    for (const [key, values] of Object.entries(block)) if (!conditionHolds(operator, key, values, context)) return false;
  }
  return true;
}

// --- statements ---

function exactlyOne(st: Record<string, unknown>, a: string, b: string): [unknown, boolean] {
  if ((a in st) === (b in st)) return unsupported(`statement needs exactly one of ${a} and ${b}`);
  return a in st ? [st[a], false] : [st[b], true];
}

function statementApplies(st: unknown, request: KmsRequest): boolean {
  if (!isRecord(st)) return unsupported('statement is not an object');
  const [principal, notPrincipal] = exactlyOne(st, 'Principal', 'NotPrincipal');
  const [action, notAction] = exactlyOne(st, 'Action', 'NotAction');
  const [resource, notResource] = exactlyOne(st, 'Resource', 'NotResource');
  const actionHit = strings(action).some((a) => wildcardMatch(a, request.action, true));
  if (actionHit === notAction) return false;
  const resources = strings(resource);
  noVariables(resources);
  if (resources.some((r) => wildcardMatch(r, request.resource)) === notResource) return false;
  if (principalMatches(principal, request.principal, notPrincipal) === notPrincipal) return false;
  return conditionsHold(st.Condition, request.context);
}

function statementMatch(st: unknown, request: KmsRequest): Match {
  try {
    return statementApplies(st, request);
  } catch (e) {
    if (e instanceof Unsupported) return 'unsupported';
    throw e;
  }
}

/** The key policy's decision on one request. */
export function evaluateRequest(policy: unknown, request: KmsRequest): Decision {
  if (!isRecord(policy) || policy.Statement === undefined) return 'unsupported';
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  const verdicts = statements.map((st) => ({ effect: isRecord(st) ? st.Effect : undefined, match: statementMatch(st, request) }));
  if (verdicts.some((v) => v.effect !== 'Allow' && v.effect !== 'Deny')) return 'unsupported';
  const denies = verdicts.filter((v) => v.effect === 'Deny');
  const allows = verdicts.filter((v) => v.effect === 'Allow');
  if (denies.some((v) => v.match === true)) return 'deny';
  if (denies.some((v) => v.match === 'unsupported')) return 'unsupported';
  if (allows.some((v) => v.match === true)) return 'allow';
  if (allows.some((v) => v.match === 'unsupported')) return 'unsupported';
  return 'deny';
}
