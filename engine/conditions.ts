/**
 * Condition operators and condition keys: which conditions narrow *who* may act, which only narrow the
 * path or the data, and which scope a service principal to the caller's resources.
 *
 * Why it matters: a condition such as kms:ViaService lets every principal of the account decrypt as long
 * as they go through that service; it does not restrict who. aws:PrincipalArn does.
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */

import { onlyWildcards } from './glob';
import { memoize } from './memo';
import { accountOfArn } from './principals';

const BASE_OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);

/** Operators that match when the value is *not* in the list. */
const NEGATED = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** Operators that compare strings or ARNs for equality or with wildcards. */
const NO_KEYS: ReadonlySet<string> = new Set();

const MATCHING = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike']);
const NEGATED_MATCHING = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike']);

export interface ParsedCondition {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  base: string;
  qualifier?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
  negated: boolean;
  /** The key as written, and lower-cased (condition keys are case-insensitive). */
  key: string;
  keyLower: string;
  /** What the key says about the request (computed once, at parse time). */
  category: KeyCategory;
  values: string[];
  path: string;
}

type OperatorParse =
  | { ok: true; base: string; qualifier?: 'ForAnyValue' | 'ForAllValues'; ifExists: boolean }
  | { ok: false; reason: string };

export const parseOperator: (operator: string) => OperatorParse = memoize(computeOperator, 1_000);

function computeOperator(operator: string): OperatorParse {
  let rest = operator;
  let qualifier: 'ForAnyValue' | 'ForAllValues' | undefined;
  const q = /^(ForAnyValue|ForAllValues):(.*)$/i.exec(rest);
  if (q) {
    qualifier = q[1]?.toLowerCase() === 'foranyvalue' ? 'ForAnyValue' : 'ForAllValues';
    rest = q[2] ?? '';
  }
  let ifExists = false;
  if (rest.endsWith('IfExists') && rest !== 'IfExists') {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  if (!BASE_OPERATORS.has(rest)) {
    return { ok: false, reason: `unknown condition operator "${operator}" (e.g. StringEquals, ArnLike, Bool, Null)` };
  }
  if (rest === 'Null' && (ifExists || qualifier)) {
    return { ok: false, reason: `"${operator}": the Null operator takes no IfExists suffix or set qualifier` };
  }
  return { ok: true, base: rest, ...(qualifier ? { qualifier } : {}), ifExists };
}

export function isNegatedOperator(base: string): boolean {
  return NEGATED.has(base);
}

type KeyCategory = 'who' | 'service-scope' | 'grant' | 'path-or-data';

/** Keys that identify the calling principal, so a condition on them can narrow who gets access. */
const WHO_KEYS = new Set([
  'aws:principalarn',
  // Set only when a service principal calls: it names the service.
  'aws:principalservicename',
  'aws:principalaccount',
  'kms:calleraccount',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:userid',
  'aws:username',
]);

/**
 * Keys set only when an AWS service calls on behalf of a resource: they scope a service principal to
 * the caller's account or resource (the confused-deputy guard).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
 */
const SERVICE_SCOPE_KEYS = new Set(['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths']);

export function keyCategory(keyLower: string): KeyCategory {
  if (WHO_KEYS.has(keyLower) || keyLower.startsWith('aws:principaltag/')) return 'who';
  if (SERVICE_SCOPE_KEYS.has(keyLower)) return 'service-scope';
  if (keyLower === 'kms:grantisforawsresource' || keyLower === 'kms:grantoperations') return 'grant';
  return 'path-or-data';
}

/**
 * A value that still matches every principal of every account narrows nothing: a bare "*" or "?*", an
 * aws:PrincipalArn whose account is a wildcard (anyone can create a role of that name in their own
 * account), an aws:userid that is not a unique id or an account id. A pattern whose account is literal
 * (`arn:aws:iam::111122223333:role/*`) does narrow: to that account (see conditionTargets).
 */
function isBroadValue(keyLower: string, value: string): boolean {
  if (onlyWildcards(value)) return true;
  switch (keyLower) {
    case 'aws:principalarn': {
      const m = /^arn:[^:]*:(iam|sts)::([^:]*):(.*)$/.exec(value);
      return !m || !/^\d{12}$/.test(m[2] ?? '');
    }
    case 'aws:principalaccount':
    case 'kms:calleraccount':
      return !/^\d{12}$/.test(value) && value !== RESOURCE_ACCOUNT;
    case 'aws:principalorgid':
      return !/^o-[a-z0-9]+$/.test(value) && value !== RESOURCE_ORG;
    case 'aws:principalorgpaths':
      return !/^o-[a-z0-9]+\//.test(value);
    case 'aws:principalservicename':
      return /[*?]/.test(value);
    case 'aws:userid':
      // AROA…:session (a role's sessions), AIDA… (a user), 111122223333 (a root user) or
      // 111122223333:name (a federated user); anything else may match principals of any account.
      return !(UNIQUE_ID_VALUE.test(value) || /^\d{12}(:.*)?$/.test(value));
    default:
      return false;
  }
}

/**
 * Policy variables for the key's own account and organisation: in a key policy they resolve to the key's.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount
 */
export const RESOURCE_ACCOUNT = '${aws:ResourceAccount}';
export const RESOURCE_ORG = '${aws:ResourceOrgID}';

const UNIQUE_ID_VALUE = /^(AROA|AIDA|AGPA|ANPA|ANVA|AIPA|ASIA)[A-Z0-9]{12,}(:.*)?$/;

/**
 * Keys in every request an IAM principal (an account's root user, roles, users, their sessions) sends, each
 * with one value, whatever the action (global keys: actions KMS adds later carry them too).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 * Not kms:CallerAccount: a KMS key, documented per operation, whose presence on SynchronizeMultiRegionKey and on
 * later actions is unknown (engine/condition-presence.ts), so …IfExists on it may let such a request through.
 */
const PRESENT_FOR_IAM_PRINCIPALS = new Set(['aws:principalarn', 'aws:principalaccount']);

/**
 * Does this condition really restrict who may act (Allow side)?
 * Not when negated ("everyone but"), when …IfExists (absent key passes), when ForAllValues (an absent
 * or empty key passes vacuously), for Null/Bool/numeric operators, or when a value matches everyone.
 * `iamPrincipalsOnly`: every principal the statement names is an IAM principal (an account, a role, a user),
 * never a service or "*". Then a key that every such request carries with one value cannot be absent, and
 * …IfExists or ForAllValues on it narrows exactly as the plain operator does.
 */
export function narrowsWho(c: ParsedCondition, iamPrincipalsOnly = false): boolean {
  const alwaysPresent = iamPrincipalsOnly && PRESENT_FOR_IAM_PRINCIPALS.has(c.keyLower);
  return (
    c.category === 'who' &&
    MATCHING.has(c.base) &&
    (!c.ifExists || alwaysPresent) &&
    (c.qualifier !== 'ForAllValues' || alwaysPresent) &&
    c.values.length > 0 &&
    !c.values.some((v) => isBroadValue(c.keyLower, v))
  );
}

/**
 * In a Deny, a negated condition on who ("deny unless the caller is one of these") carves access down to
 * the listed principals. IfExists only widens a Deny, so it is accepted. Not StringNotEqualsIgnoreCase: it
 * spares the listed names in any letter case, which the principal classes (compared as written) cannot
 * express, so such a Deny is not relied on (fail closed).
 */
export function carvesWho(c: ParsedCondition): boolean {
  return (
    c.category === 'who' &&
    NEGATED_MATCHING.has(c.base) &&
    c.base !== 'StringNotEqualsIgnoreCase' &&
    c.qualifier === undefined &&
    c.values.length > 0 &&
    !c.values.some((v) => isBroadValue(c.keyLower, v))
  );
}

/**
 * Whether a value ties a service's request to one owner: a literal account or organisation id (for
 * aws:SourceAccount / aws:SourceOrgID, or an encryption-context pair that carries an account id), the key
 * owner's account or organisation variable, or an ARN with a literal account. An S3 bucket ARN has no account, but bucket names are global, so a literal
 * bucket name binds too. A name without an account (`arn:aws:logs:us-east-1:*:log-group:app`) binds
 * nothing: any account can create a log group of that name.
 */
function bindsToOwner(keyLower: string, value: string): boolean {
  if (onlyWildcards(value)) return false;
  // A context pair an AWS service sets from the caller's identity (`aws:` prefix, e.g. aws:ses:source-account);
  // any other pair holds whatever the caller put in the context, and binds nothing by its value alone.
  const serviceContextKey = keyLower.startsWith('kms:encryptioncontext:aws:');
  // The key owner's own account or organisation, as a policy variable.
  if (value === RESOURCE_ACCOUNT) return keyLower === 'aws:sourceaccount' || serviceContextKey;
  if (value === RESOURCE_ORG) return keyLower === 'aws:sourceorgid';
  if (keyLower === 'aws:sourceaccount') return /^\d{12}$/.test(value);
  if (keyLower === 'aws:sourceorgid') return /^o-[a-z0-9]+$/.test(value);
  // A service-set context pair that carries the caller's account id (SES: aws:ses:source-account) binds like aws:SourceAccount.
  if (serviceContextKey && /^\d{12}$/.test(value)) return true;
  if (keyLower === 'aws:sourceorgpaths') return /^o-[a-z0-9]+\//.test(value);
  // The owner's account variable as an ARN's account field (arn:aws:logs:…:${aws:ResourceAccount}:log-group:…).
  const ownAccountField = `:${RESOURCE_ACCOUNT}:`;
  const arn = /^arn:[^:]*:([^:]*):[^:]*:([^:]*):(.+)$/.exec(value.split(ownAccountField).join(':000000000000:'));
  if (!arn) return false;
  const [, service = '', account = '', resource = ''] = arn;
  if (/^\d{12}$/.test(account)) return true;
  return account === '' && service === 's3' && !/^[*?]/.test(resource);
}

/** Organisations a scoping condition binds a service to (aws:SourceOrgID, aws:SourceOrgPaths). */
export function boundOrganizations(c: ParsedCondition): string[] {
  if (c.keyLower !== 'aws:sourceorgid' && c.keyLower !== 'aws:sourceorgpaths') return [];
  return c.values.map((v) => /^(o-[a-z0-9]+)/.exec(v)?.[1]).filter((o): o is string => o !== undefined);
}

/** Accounts a scoping condition binds a service to (for the cross-account check). */
export function boundAccounts(c: ParsedCondition): string[] {
  const out: string[] = [];
  for (const v of c.values) {
    if (/^\d{12}$/.test(v)) out.push(v);
    else {
      const account = accountOfArn(v);
      if (account) out.push(account);
    }
  }
  return out;
}

/** `Null: {key: "false"}`: the request must carry the key (its lower-cased name), whatever the other conditions say. */
export function requiredKey(c: ParsedCondition): string | undefined {
  return c.base === 'Null' && c.values.length > 0 && c.values.every((v) => v.toLowerCase() === 'false') ? c.keyLower : undefined;
}

/**
 * A positive condition that scopes a service principal to a source account, resource or organisation. Under
 * …IfExists only when the statement also requires the key (`required`: keys a `Null: false` check names), so
 * a request cannot leave it out.
 */
export function scopesService(c: ParsedCondition, required: ReadonlySet<string> = NO_KEYS): boolean {
  const cat = c.category;
  const bindsContext = c.keyLower.startsWith('kms:encryptioncontext:');
  return (
    (cat === 'service-scope' || bindsContext) &&
    MATCHING.has(c.base) &&
    (!c.ifExists || required.has(c.keyLower)) &&
    c.qualifier !== 'ForAllValues' &&
    c.values.length > 0 &&
    c.values.every((v) => bindsToOwner(c.keyLower, v))
  );
}

/**
 * kms:GrantIsForAWSResource "true" lets only AWS services integrated with KMS create grants on a
 * principal's behalf; a ForAllValues limit on kms:GrantOperations bounds what a grant can allow, unless the
 * operations it allows include CreateGrant: a grant that carries CreateGrant lets its grantee create further
 * grants, so the limit bounds nothing. A value that names CreateGrant in any letter case, or a wildcard
 * (`*`, `?`), counts as allowing it (fails closed).
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-operations
 */
export function constrainsGrants(c: ParsedCondition): boolean {
  if (c.keyLower === 'kms:grantisforawsresource') {
    // Not under BoolIfExists: AWS documents the key as true when an integrated service sends the request, not
    // that KMS puts it (as false) on a principal's direct CreateGrant, so a direct request might carry no key and
    // pass an IfExists test (fail closed). https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html
    return c.base === 'Bool' && !c.ifExists && c.values.length > 0 && c.values.every((v) => v.toLowerCase() === 'true');
  }
  if (c.keyLower === 'kms:grantoperations') {
    return (
      c.qualifier === 'ForAllValues' &&
      MATCHING.has(c.base) &&
      !c.values.some((v) => /[*?]/.test(v) || v.toLowerCase() === 'creategrant')
    );
  }
  return false;
}

/**
 * `"Bool": {"aws:PrincipalIsAWSService": "true"}`: only a service principal can match.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
 */
export function callerIsAwsService(c: ParsedCondition): boolean {
  return c.keyLower === 'aws:principalisawsservice' && c.base === 'Bool' && !c.ifExists && c.values.length > 0 && c.values.every((v) => v === 'true');
}

/** aws:SourceAccount / aws:SourceArn / aws:SourceOrgID: keys that only AWS services send. */
export function isServiceSourceKey(c: ParsedCondition): boolean {
  return c.category === 'service-scope';
}

/** A Deny condition that only ever limits the path ("deny unless via this service"), never who. */
export function isNegatedPathCondition(c: ParsedCondition): boolean {
  return c.category === 'path-or-data' && NEGATED.has(c.base) && c.qualifier === undefined;
}

/**
 * What a condition evaluates to on a request that does not carry its key: `…IfExists` and `ForAllValues`
 * (vacuously, over no values) are true, `ForAnyValue` is false (no value can match), a negated operator is
 * true, a plain one false; `Null` is true exactly when it asks for the key to be absent ("true"). A condition
 * without values is left true: the analysis never removes access on a reading it cannot be sure of.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
export function outcomeWhenAbsent(c: ParsedCondition): boolean {
  if (c.values.length === 0) return true;
  if (c.base === 'Null') return c.values.some((v) => v.toLowerCase() === 'true');
  if (c.ifExists || c.qualifier === 'ForAllValues') return true;
  if (c.qualifier === 'ForAnyValue') return false;
  return c.negated;
}

/**
 * What a plain `Bool` condition evaluates to when the request carries the key with a known value (lower
 * case). False only when every value written is a Boolean that differs from it; any other value, or an
 * operator that is not a plain or IfExists Bool, is left true.
 */
export function boolOutcome(c: ParsedCondition, value: string): boolean {
  if (c.base !== 'Bool' || c.qualifier !== undefined || c.values.length === 0) return true;
  let allBooleans = true;
  for (const v of c.values) {
    const lower = v.toLowerCase();
    if (lower === value) return true;
    if (lower !== 'true' && lower !== 'false') allBooleans = false;
  }
  return !allBooleans;
}
