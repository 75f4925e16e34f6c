/**
 * The pure part of the remediation: rewrite a key policy so that no statement grants the key's own account
 * as a whole, and tell who could still change the policy afterwards. No AWS SDK, no I/O.
 *
 * An account principal (`arn:aws:iam::111122223333:root` or `111122223333`) in a key policy delegates to
 * IAM: every user and role of the account whose IAM policies allow the action can use it
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 * The rewrite replaces that principal by named principals: the administration part of the grant goes to
 * `adminPrincipalArns`, the usage part to `usagePrincipalArns`. Everything else is kept as written: Deny
 * statements (a Deny never adds access), other principals, Resource and Condition elements.
 */
import { actionPatternMatches, actionRole, ALL_KEY_POLICY_ACTIONS, expandActionPatterns, type KeyPolicyAction } from './kms-actions';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type PolicyStatement = { [key: string]: JsonValue };
export interface KeyPolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
  [key: string]: JsonValue | PolicyStatement[] | undefined;
}

export interface RewriteOptions {
  /** The 12-digit account that owns the key. */
  accountId: string;
  adminPrincipalArns: readonly string[];
  usagePrincipalArns: readonly string[];
}

export interface RewriteResult {
  policy: KeyPolicyDocument;
  /** True when at least one statement changed. */
  changed: boolean;
  /** One line per change, for people reading the Automation output. */
  changes: string[];
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function strings(value: JsonValue | undefined): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parse key policy text (or accept an already-parsed value) into a document with a Statement array. */
export function toPolicyDocument(policy: unknown): KeyPolicyDocument {
  const parsed: unknown = typeof policy === 'string' ? JSON.parse(policy) : policy;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('a key policy must be a JSON object');
  }
  const doc = structuredClone(parsed) as Record<string, JsonValue>;
  const statement = doc.Statement;
  if (statement === undefined) throw new Error('the key policy has no Statement element');
  const statements = asArray(statement);
  if (!statements.every(isObject)) throw new Error('every Statement entry must be an object');
  return { ...doc, Statement: statements as PolicyStatement[] } as KeyPolicyDocument;
}

/** Whether a principal string names the whole account `accountId`. */
function isOwnAccountPrincipal(principal: string, accountId: string): boolean {
  return principal === accountId || new RegExp(`^arn:aws[a-z-]*:iam::${accountId}:root$`).test(principal);
}

/**
 * `"Principal": "*"` (or `{"AWS": "*"}`) narrowed to the own account by a condition is also account-wide:
 * kms:CallerAccount and aws:PrincipalAccount restrict who calls, not which principals of the account may
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account).
 * This is the shape of AWS managed key policies and of many hand-written "same account" grants.
 */
function wildcardNarrowedToAccount(statement: PolicyStatement, accountId: string): boolean {
  const condition = statement.Condition;
  if (!isObject(condition)) return false;
  for (const [operator, block] of Object.entries(condition)) {
    if (!/^StringEquals(IgnoreCase)?$/.test(operator) || !isObject(block)) continue;
    for (const [key, value] of Object.entries(block)) {
      if (!/^(kms:CallerAccount|aws:PrincipalAccount)$/i.test(key)) continue;
      const values = strings(value);
      if (values.length > 0 && values.every((v) => v === accountId)) return true;
    }
  }
  return false;
}

interface PrincipalSplit {
  /** The principal element with the account-wide entries removed, or undefined when nothing is left. */
  remaining: JsonValue | undefined;
  /** The account-wide entries found, as written. */
  accountWide: string[];
}

function splitPrincipal(statement: PolicyStatement, accountId: string): PrincipalSplit {
  const principal = statement.Principal;
  if (principal === '*') {
    return wildcardNarrowedToAccount(statement, accountId)
      ? { remaining: undefined, accountWide: ['*'] }
      : { remaining: principal, accountWide: [] };
  }
  if (!isObject(principal)) return { remaining: principal, accountWide: [] };
  const aws = strings(principal.AWS);
  const accountWide = aws.filter(
    (p) => isOwnAccountPrincipal(p, accountId) || (p === '*' && wildcardNarrowedToAccount(statement, accountId)),
  );
  if (accountWide.length === 0) return { remaining: principal, accountWide: [] };
  const keptAws = aws.filter((p) => !accountWide.includes(p));
  const rest: { [key: string]: JsonValue } = {};
  for (const [type, value] of Object.entries(principal)) if (type !== 'AWS') rest[type] = value;
  if (keptAws.length > 0) rest.AWS = keptAws.length === 1 ? (keptAws[0] as string) : keptAws;
  return { remaining: Object.keys(rest).length > 0 ? rest : undefined, accountWide };
}

interface StatementActions {
  /** Known key actions the statement allows. */
  known: KeyPolicyAction[];
  /** Exact kms: actions named in Action that this module does not know (kept for administrators). */
  unknownKms: string[];
  /** Entries that are not KMS actions at all; inert in a key policy. */
  nonKms: string[];
}

function statementActions(statement: PolicyStatement): StatementActions {
  if (statement.NotAction !== undefined) {
    const excluded = strings(statement.NotAction);
    return {
      known: ALL_KEY_POLICY_ACTIONS.filter((a) => !excluded.some((p) => actionPatternMatches(p, a))),
      unknownKms: [],
      nonKms: [],
    };
  }
  const patterns = strings(statement.Action);
  const isKms = (p: string) => p === '*' || /^kms:/i.test(p);
  const unknownKms = patterns.filter(
    (p) => /^kms:/i.test(p) && !/[*?]/.test(p) && !ALL_KEY_POLICY_ACTIONS.some((a) => a.toLowerCase() === p.toLowerCase()),
  );
  return { known: expandActionPatterns(patterns.filter(isKms)), unknownKms, nonKms: patterns.filter((p) => !isKms(p)) };
}

function principalElement(arns: readonly string[]): JsonValue {
  return { AWS: arns.length === 1 ? (arns[0] as string) : [...arns] };
}

function uniqueSid(base: string, taken: Set<string>): string {
  let sid = base;
  for (let n = 2; taken.has(sid); n += 1) sid = `${base} ${n}`;
  taken.add(sid);
  return sid;
}

/** Copy a statement with a new principal (and optionally a new action list and Sid), keeping key order. */
function withPrincipal(statement: PolicyStatement, principal: JsonValue, actions?: string[], sid?: string): PolicyStatement {
  const out: PolicyStatement = {};
  if (sid !== undefined) out.Sid = sid;
  for (const [key, value] of Object.entries(statement)) {
    if (key === 'Sid') {
      if (sid === undefined) out.Sid = value;
      continue;
    }
    if (key === 'Principal') {
      out.Principal = principal;
      continue;
    }
    if (actions !== undefined && (key === 'Action' || key === 'NotAction')) {
      if (!('Action' in out)) out.Action = actions.length === 1 ? (actions[0] as string) : actions;
      continue;
    }
    out[key] = value;
  }
  if (!('Principal' in out)) out.Principal = principal;
  return out;
}

/** Grant actions a key user needs to use the key with integrated AWS services. */
const ATTACHMENT_ACTIONS: readonly KeyPolicyAction[] = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'];

/** The statement allows grants only for AWS resources: `"Bool": {"kms:GrantIsForAWSResource": true}`. */
function grantsOnlyForAwsResources(statement: PolicyStatement): boolean {
  const condition = statement.Condition;
  if (!isObject(condition)) return false;
  for (const [operator, block] of Object.entries(condition)) {
    if (!/^Bool$/i.test(operator) || !isObject(block)) continue;
    for (const [key, value] of Object.entries(block)) {
      if (key.toLowerCase() !== 'kms:grantisforawsresource') continue;
      const values = asArray(value);
      if (values.length > 0 && values.every((v) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true'))) return true;
    }
  }
  return false;
}

/** The console default's "Allow attachment of persistent resources" statement, for the given users. */
function attachmentStatement(from: PolicyStatement, users: readonly string[], sid: string): PolicyStatement {
  const statement: PolicyStatement = {
    Sid: sid,
    Effect: 'Allow',
    Principal: principalElement(users),
    Action: [...ATTACHMENT_ACTIONS],
    Resource: from.Resource ?? '*',
  };
  const condition: { [key: string]: JsonValue } = isObject(from.Condition) ? structuredClone(from.Condition) : {};
  const bool = isObject(condition.Bool) ? condition.Bool : {};
  condition.Bool = { ...bool, 'kms:GrantIsForAWSResource': 'true' };
  statement.Condition = condition;
  return statement;
}

/**
 * Rewrite account-wide Allow statements of the key's own account. A statement whose actions are all on one
 * side (only administration, or only usage) keeps its Action element verbatim and gets the named
 * principals; a mixed statement such as `kms:*` is split into an administration and a usage statement with
 * the concrete actions listed, so that neither side receives the other's rights.
 */
export function rewriteKeyPolicy(policy: unknown, options: RewriteOptions): RewriteResult {
  const document = toPolicyDocument(policy);
  const { accountId } = options;
  const changes: string[] = [];
  const taken = new Set(document.Statement.map((s) => s.Sid).filter((s): s is string => typeof s === 'string'));
  const out: PolicyStatement[] = [];

  document.Statement.forEach((statement, index) => {
    const label = typeof statement.Sid === 'string' ? `statement ${index} "${statement.Sid}"` : `statement ${index}`;
    if (statement.Effect !== 'Allow' || statement.NotPrincipal !== undefined) {
      out.push(statement);
      return;
    }
    const { remaining, accountWide } = splitPrincipal(statement, accountId);
    if (accountWide.length === 0) {
      out.push(statement);
      return;
    }

    const { known, unknownKms, nonKms } = statementActions(statement);
    // Grants limited to AWS resources are what key users need to use the key through EBS, RDS and the like:
    // the console's default policy gives them to the key users ("Allow attachment of persistent resources").
    const forAwsResources = grantsOnlyForAwsResources(statement);
    const sideOf = (a: KeyPolicyAction) => (forAwsResources && ATTACHMENT_ACTIONS.includes(a) ? 'usage' : actionRole(a));
    const admin = known.filter((a) => sideOf(a) === 'administration');
    const usage = known.filter((a) => sideOf(a) === 'usage');
    const shared = known.filter((a) => sideOf(a) === 'shared');
    const adminSide = admin.length > 0 || unknownKms.length > 0 || (usage.length === 0 && shared.length > 0);
    const usageSide = usage.length > 0;

    if (remaining !== undefined) out.push(withPrincipal(statement, remaining));
    const what = `account-wide principal ${accountWide.join(', ')}`;
    if (nonKms.length > 0) changes.push(`${label}: dropped non-KMS actions ${nonKms.join(', ')} (they have no effect in a key policy)`);

    if (adminSide && usageSide) {
      // Mixed grant: list the concrete actions on each side. Wildcards cannot be kept, because kms:* for the
      // administrators would hand them the usage actions too.
      const base = typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `KmsPolicyGuard${index}`;
      // kms:CreateGrant without a condition would let administrators hand themselves usage through a grant:
      // it moves to the users, limited to grants for AWS resources, as in the console's default policy.
      const createGrant = admin.includes('kms:CreateGrant') && !forAwsResources;
      const adminActions = [...admin.filter((a) => !createGrant || a !== 'kms:CreateGrant'), ...shared, ...unknownKms].sort();
      const usageActions = [...usage, ...shared].sort();
      out.push(withPrincipal(statement, principalElement(options.adminPrincipalArns), adminActions, uniqueSid(`${base} administration`, taken)));
      out.push(withPrincipal(statement, principalElement(options.usagePrincipalArns), usageActions, uniqueSid(`${base} usage`, taken)));
      if (createGrant) {
        out.push(attachmentStatement(statement, options.usagePrincipalArns, uniqueSid(`${base} attachment of persistent resources`, taken)));
      }
      changes.push(
        `${label}: ${what} split into ${adminActions.length} administration actions for ${options.adminPrincipalArns.join(', ')} ` +
          `and ${usageActions.length} usage actions for ${options.usagePrincipalArns.join(', ')}` +
          (createGrant ? `; kms:CreateGrant, ListGrants and RevokeGrant for the users, only for AWS resources (kms:GrantIsForAWSResource)` : ''),
      );
      return;
    }
    if (!adminSide && !usageSide) {
      // Nothing a key policy can grant (for example only non-KMS actions): the account-wide entry is dropped.
      if (remaining === undefined) changes.push(`${label}: removed, it granted no key action`);
      else changes.push(`${label}: removed ${what}, the statement granted it no key action`);
      return;
    }
    const arns = adminSide ? options.adminPrincipalArns : options.usagePrincipalArns;
    const side = adminSide ? 'administration' : 'usage';
    const sid =
      remaining === undefined
        ? undefined
        : uniqueSid(`${typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `KmsPolicyGuard${index}`} ${side}`, taken);
    const actions = nonKms.length > 0 ? strings(statement.Action).filter((p) => !nonKms.includes(p)) : undefined;
    out.push(withPrincipal(statement, principalElement(arns), actions, sid));
    changes.push(`${label}: ${what} replaced by ${side} principals ${arns.join(', ')}`);
  });

  return { policy: { ...document, Statement: out }, changed: changes.length > 0, changes };
}

function statementCoversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined) return !strings(statement.NotAction).some((p) => actionPatternMatches(p, action));
  return strings(statement.Action).some((p) => actionPatternMatches(p, action));
}

function statementCoversKey(statement: PolicyStatement, keyArn: string | undefined): boolean {
  if (statement.NotResource !== undefined) return false;
  const resources = strings(statement.Resource);
  return resources.some((r) => r === '*' || (keyArn !== undefined && actionPatternMatches(r, keyArn)));
}

function awsPrincipals(statement: PolicyStatement): string[] {
  const principal = statement.Principal;
  if (principal === '*') return ['*'];
  if (!isObject(principal)) return [];
  return strings(principal.AWS);
}

/**
 * The AWS principals that can certainly call `action` on the key under this policy: named in an Allow
 * statement without Condition whose Resource covers the key, and not named (nor covered by `*` or a
 * NotPrincipal) in any Deny statement that covers the action, whatever that Deny's conditions.
 * Conservative on purpose: a conditional grant does not count, a conditional Deny does.
 */
export function principalsAllowed(policy: KeyPolicyDocument, action: string, keyArn?: string): string[] {
  const denied = new Set<string>();
  let denyAll = false;
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Deny' || !statementCoversAction(statement, action)) continue;
    if (statement.NotPrincipal !== undefined) denyAll = true;
    for (const p of awsPrincipals(statement)) {
      if (p === '*') denyAll = true;
      denied.add(p);
    }
  }
  if (denyAll) return [];
  const allowed: string[] = [];
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Allow' || statement.Condition !== undefined || statement.NotPrincipal !== undefined) continue;
    if (!statementCoversAction(statement, action) || !statementCoversKey(statement, keyArn)) continue;
    for (const p of awsPrincipals(statement)) {
      if (p !== '*' && !denied.has(p) && !allowed.includes(p)) allowed.push(p);
    }
  }
  return allowed;
}
