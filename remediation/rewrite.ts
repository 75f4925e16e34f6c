/**
 * The pure part of the remediation: rewrite a key policy so that no statement grants the key's own account
 * as a whole, and tell who could still change the policy afterwards. No AWS SDK, no I/O.
 *
 * An account principal (`arn:aws:iam::111122223333:root` or `111122223333`) in a key policy delegates to
 * IAM: every user and role of the account whose IAM policies allow the action can use it
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 * The rewrite replaces that principal by named principals: the administration part of the grant goes to
 * `administrationPrincipalArns`, the use part to `usePrincipalArns`. Everything else is kept as written: Deny
 * statements (a Deny never adds access), other principals, Resource and Condition elements.
 *
 * Which principal entries are account-wide is the engine's judgement, not this module's: only the entries
 * behind ACCOUNT_WIDE_* findings (their statements, and the JSON paths of the grants in the engine's access
 * summary) are rewritten. A root principal narrowed by `aws:PrincipalArn` to one role, a statement whose
 * Resource cannot be this key, a `"*"` narrowed to the account by `kms:CallerAccount`: the engine says which
 * of them grant the whole account, and the rewrite follows.
 */
import { actionNames, analyzePolicy, CHECK_IDS, type AnalysisResult, type CheckId, type Grant, type PrincipalClass } from '../engine';
import { actionRole, ALL_KEY_POLICY_ACTIONS, expandActionPatterns, type KeyPolicyAction } from './kms-actions';

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
  /** The key's ARN: a statement whose Resource cannot match it grants nothing on this key. */
  keyArn?: string;
  administrationPrincipalArns: readonly string[];
  usePrincipalArns: readonly string[];
  /**
   * The engine's analysis of this policy (as returned by toPolicyDocument, so the paths match).
   * @default analyzePolicy(policy, { accountId, keyArn })
   */
  analysis?: AnalysisResult;
}

export interface RewriteResult {
  policy: KeyPolicyDocument;
  /** True when at least one statement changed. */
  changed: boolean;
  /** One line per change, for people reading the Automation output. */
  changes: string[];
  /** Account-wide grants the rewrite left in place, and why (the engine then still reports them). */
  skipped: string[];
  /** For each statement of the new policy, the index of the statement of the old policy it comes from. */
  origins: number[];
}

/** The checks whose findings the rewrite acts on. */
export const REWRITTEN_CHECKS: readonly CheckId[] = CHECK_IDS.filter((id) => id.startsWith('ACCOUNT_WIDE_'));

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

/**
 * Principal classes that stand for every principal of the key's own account: the account itself only. An
 * organisation, even the key owner's (`${aws:ResourceOrgID}`), holds every member account: replacing it by
 * this account's named principals would take the other members' access away silently, so it is never
 * rewritten, and the refusal names it.
 */
function isAccountWideClass(p: PrincipalClass, accountId: string): boolean {
  return p.kind === 'account' && p.account === accountId;
}

/**
 * Principal classes beyond the key's own account: the public, another account, a principal of another (or an
 * unknown) account, an organisation that is not held account-wide, an AWS service. A Deny that carves "everyone
 * except role/Admin" or "except principals tagged team=sec" out of the root grant makes the engine list those
 * own-account principals at the same path; they are part of the account the rewrite replaces, so they do not
 * keep the entry in place. Only a class reaching outside the account does: replacing the entry by the
 * account's named principals would take that access away silently.
 */
function reachesBeyondAccount(p: PrincipalClass, accountId: string): boolean {
  switch (p.kind) {
    case 'account':
      return p.account !== accountId;
    case 'organization':
      return true;
    case 'principal':
      return p.account !== accountId;
    case 'anyone':
    case 'service':
      return true;
  }
}

const PRINCIPAL_PATH = /^\$\.Statement\[(\d+)\]\.Principal(?:\.AWS(?:\[(\d+)\])?)?$/;

interface Targets {
  /** Per statement index: the principal entries to replace (`*` for the whole Principal, `AWS` for a single string, or an index). */
  byStatement: Map<number, Set<string>>;
  skipped: string[];
}

/**
 * The principal entries the engine holds account-wide: for every ACCOUNT_WIDE_* finding, the grants of its
 * statements, in the access summary, whose principal class is the own account (never an organisation).
 * An entry that also grants someone beyond the account (`"*"` narrowed to the account and another one) is left
 * alone: replacing it would remove that access silently, so the engine keeps reporting it and the handler
 * refuses. Own-account principals the engine lists at the same path (carved out by a Deny) do not count.
 */
function accountWideTargets(analysis: AnalysisResult, accountId: string): Targets {
  const statements = new Set<number>();
  for (const f of analysis.findings) {
    if (!REWRITTEN_CHECKS.includes(f.checkId)) continue;
    for (const i of f.statementIndexes) statements.add(i);
  }
  const grants: Grant[] = (analysis.summary?.entries ?? []).flatMap((e) => e.grants);
  const classesByPath = new Map<string, PrincipalClass[]>();
  for (const g of grants) classesByPath.set(g.path, [...(classesByPath.get(g.path) ?? []), g.principal]);

  const byStatement = new Map<number, Set<string>>();
  const skipped: string[] = [];
  for (const g of grants) {
    if (!statements.has(g.statementIndex)) continue;
    if (g.principal.kind === 'organization') {
      skipped.push(
        `${g.path} grants ${g.principal.label} (${g.principal.orgId}), which reaches beyond account ${accountId} to every member ` +
          `account; replacing it by this account's principals would remove their access`,
      );
      continue;
    }
    if (!isAccountWideClass(g.principal, accountId)) continue;
    const others = (classesByPath.get(g.path) ?? []).filter((p) => reachesBeyondAccount(p, accountId));
    if (others.length > 0) {
      skipped.push(`${g.path} also grants ${[...new Set(others.map((p) => p.label))].join(', ')}; replacing it would remove that access too`);
      continue;
    }
    const m = PRINCIPAL_PATH.exec(g.path);
    if (m === null || Number(m[1]) !== g.statementIndex) {
      skipped.push(`${g.path} is not an entry of a Principal element (a NotPrincipal, say) that can be replaced by named principals`);
      continue;
    }
    const entry = m[2] !== undefined ? m[2] : g.path.endsWith('.AWS') ? 'AWS' : '*';
    const set = byStatement.get(g.statementIndex) ?? new Set<string>();
    set.add(entry);
    byStatement.set(g.statementIndex, set);
  }
  return { byStatement, skipped: [...new Set(skipped)] };
}

interface PrincipalSplit {
  /** The principal element with the account-wide entries removed, or undefined when nothing is left. */
  remaining: JsonValue | undefined;
  /** The account-wide entries found, as written. */
  accountWide: string[];
}

/** Remove the entries the engine found account-wide (see accountWideTargets) from a statement's Principal. */
function splitAt(statement: PolicyStatement, entries: ReadonlySet<string>): PrincipalSplit {
  const principal = statement.Principal;
  if (entries.has('*') || !isObject(principal)) {
    return { remaining: undefined, accountWide: typeof principal === 'string' ? [principal] : strings(isObject(principal) ? principal.AWS : undefined) };
  }
  const aws = principal.AWS;
  const list = asArray(aws);
  const removed = entries.has('AWS') && !Array.isArray(aws) ? new Set([0]) : new Set([...entries].filter((e) => /^\d+$/.test(e)).map(Number));
  const accountWide = list.filter((_, i) => removed.has(i)).filter((v): v is string => typeof v === 'string');
  const keptAws = list.filter((_, i) => !removed.has(i));
  const rest: { [key: string]: JsonValue } = {};
  for (const [type, value] of Object.entries(principal)) if (type !== 'AWS') rest[type] = value;
  if (keptAws.length > 0) rest.AWS = keptAws.length === 1 ? (keptAws[0] as JsonValue) : keptAws;
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
    const excluded = new Set(expandActionPatterns(strings(statement.NotAction)));
    return {
      known: ALL_KEY_POLICY_ACTIONS.filter((a) => !excluded.has(a)),
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

/** Whether any condition block of the statement names kms:GrantIsForAWSResource (keys are case-insensitive). */
function namesGrantIsForAwsResource(condition: { [key: string]: JsonValue }): boolean {
  return Object.values(condition).some((block) => isObject(block) && Object.keys(block).some((k) => k.toLowerCase() === 'kms:grantisforawsresource'));
}

/**
 * The console default's "Allow attachment of persistent resources" statement, for the given users: the grant
 * actions the original statement allowed (never one more), under all of its conditions. Conditions are ANDed,
 * so `kms:GrantIsForAWSResource: true` is added only when the statement does not already speak of that key:
 * overwriting `false` (grants for other grantees only) with `true` would allow grants nobody could create before.
 */
function attachmentStatement(from: PolicyStatement, users: readonly string[], allowed: readonly KeyPolicyAction[], sid: string): PolicyStatement {
  const actions = ATTACHMENT_ACTIONS.filter((a) => allowed.includes(a));
  const statement: PolicyStatement = {
    Sid: sid,
    Effect: 'Allow',
    Principal: principalElement(users),
    Action: actions.length === 1 ? (actions[0] as string) : [...actions],
    Resource: from.Resource ?? '*',
  };
  const condition: { [key: string]: JsonValue } = isObject(from.Condition) ? structuredClone(from.Condition) : {};
  if (!namesGrantIsForAwsResource(condition)) {
    const bool = isObject(condition.Bool) ? condition.Bool : {};
    condition.Bool = { ...bool, 'kms:GrantIsForAWSResource': 'true' };
  }
  statement.Condition = condition;
  return statement;
}

/**
 * How the two sides are named in the Sids and change messages the rewrite writes. The use side keeps "usage":
 * policies already rewritten carry Sids such as "Enable IAM User Permissions usage", and a rewrite after a
 * deployment update must name its statements the same way.
 */
const SIDE_LABEL = { administration: 'administration', use: 'usage' } as const;

type Side = keyof typeof SIDE_LABEL;

/** A statement's key actions sorted onto the two sides of the rewrite. */
interface ActionSides extends StatementActions {
  /** The statement allows grants for AWS resources only (see grantsOnlyForAwsResources). */
  forAwsResources: boolean;
  administration: KeyPolicyAction[];
  use: KeyPolicyAction[];
  shared: KeyPolicyAction[];
  /** The administrators receive something: administration actions, unknown kms: actions, or the shared reads alone. */
  toAdministrators: boolean;
  toUsers: boolean;
}

function actionSides(statement: PolicyStatement): ActionSides {
  const actions = statementActions(statement);
  // Grants limited to AWS resources are what key users need to use the key through EBS, RDS and the like:
  // the console's default policy gives them to the key users ("Allow attachment of persistent resources").
  const forAwsResources = grantsOnlyForAwsResources(statement);
  const sideOf = (a: KeyPolicyAction) => (forAwsResources && ATTACHMENT_ACTIONS.includes(a) ? 'use' : actionRole(a));
  const administration = actions.known.filter((a) => sideOf(a) === 'administration');
  const use = actions.known.filter((a) => sideOf(a) === 'use');
  const shared = actions.known.filter((a) => sideOf(a) === 'shared');
  return {
    ...actions,
    forAwsResources,
    administration,
    use,
    shared,
    toAdministrators: administration.length > 0 || actions.unknownKms.length > 0 || (use.length === 0 && shared.length > 0),
    toUsers: use.length > 0,
  };
}

/** State shared by the statements of one rewrite: the options, the Sids in use, the change lines. */
interface RewriteRun {
  readonly options: RewriteOptions;
  readonly taken: Set<string>;
  readonly changes: string[];
}

/** One Allow statement with account-wide entries, as the rewrite sees it. */
interface AccountWideStatement {
  readonly statement: PolicyStatement;
  readonly index: number;
  /** `statement 3 "Sid"`, for the change lines. */
  readonly label: string;
  /** `account-wide principal …`, for the change lines. */
  readonly what: string;
  /** The Principal element without the account-wide entries, or undefined when nothing is left. */
  readonly remaining: JsonValue | undefined;
  readonly sides: ActionSides;
}

/** The base of the Sids of the statements a statement is split into: its own Sid, or one naming its index. */
function sidBase({ statement, index }: AccountWideStatement): string {
  return typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `KmsPolicyGuard${index}`;
}

/**
 * A grant with actions on both sides: list the concrete actions on each side. Wildcards cannot be kept, because
 * kms:* for the administrators would hand them the use actions too.
 */
function splitMixedGrant(target: AccountWideStatement, run: RewriteRun): PolicyStatement[] {
  const { statement, sides, label, what } = target;
  const { options, taken } = run;
  const base = sidBase(target);
  // kms:CreateGrant without a condition would let administrators hand themselves use through a grant:
  // it moves to the users, limited to grants for AWS resources, as in the console's default policy.
  const createGrant = sides.administration.includes('kms:CreateGrant') && !sides.forAwsResources;
  const administrationActions = [...sides.administration.filter((a) => !createGrant || a !== 'kms:CreateGrant'), ...sides.shared, ...sides.unknownKms].sort();
  const useActions = [...sides.use, ...sides.shared].sort();
  const out = [
    withPrincipal(statement, principalElement(options.administrationPrincipalArns), administrationActions, uniqueSid(`${base} ${SIDE_LABEL.administration}`, taken)),
    withPrincipal(statement, principalElement(options.usePrincipalArns), useActions, uniqueSid(`${base} ${SIDE_LABEL.use}`, taken)),
  ];
  if (createGrant) {
    out.push(attachmentStatement(statement, options.usePrincipalArns, sides.known, uniqueSid(`${base} attachment of persistent resources`, taken)));
  }
  run.changes.push(
    `${label}: ${what} split into ${administrationActions.length} ${SIDE_LABEL.administration} actions for ${options.administrationPrincipalArns.join(', ')} ` +
      `and ${useActions.length} ${SIDE_LABEL.use} actions for ${options.usePrincipalArns.join(', ')}` +
      (createGrant
        ? `; its grant actions (kms:CreateGrant, ListGrants, RevokeGrant) for the users, under its conditions and, unless they already ` +
          `name kms:GrantIsForAWSResource, only for AWS resources`
        : ''),
  );
  return out;
}

/** A grant with actions on one side only: its Action element is kept (less the non-KMS entries), its principal replaced. */
function replaceOneSide(target: AccountWideStatement, run: RewriteRun): PolicyStatement {
  const { statement, sides, label, what, remaining } = target;
  const side: Side = sides.toAdministrators ? 'administration' : 'use';
  const arns = side === 'administration' ? run.options.administrationPrincipalArns : run.options.usePrincipalArns;
  const sid = remaining === undefined ? undefined : uniqueSid(`${sidBase(target)} ${SIDE_LABEL[side]}`, run.taken);
  const actions = sides.nonKms.length > 0 ? strings(statement.Action).filter((p) => !sides.nonKms.includes(p)) : undefined;
  run.changes.push(`${label}: ${what} replaced by ${SIDE_LABEL[side]} principals ${arns.join(', ')}`);
  return withPrincipal(statement, principalElement(arns), actions, sid);
}

/** The statements one statement of the old policy becomes; `entries` are its account-wide principal entries. */
function rewriteStatement(statement: PolicyStatement, index: number, entries: ReadonlySet<string> | undefined, run: RewriteRun): PolicyStatement[] {
  if (entries === undefined || statement.Effect !== 'Allow' || statement.NotPrincipal !== undefined) return [statement];
  const { remaining, accountWide } = splitAt(statement, entries);
  if (accountWide.length === 0) return [statement];

  const target: AccountWideStatement = {
    statement,
    index,
    label: typeof statement.Sid === 'string' ? `statement ${index} "${statement.Sid}"` : `statement ${index}`,
    what: `account-wide principal ${accountWide.join(', ')}`,
    remaining,
    sides: actionSides(statement),
  };
  const { label, what, sides } = target;
  const kept = remaining === undefined ? [] : [withPrincipal(statement, remaining)];
  if (sides.nonKms.length > 0) run.changes.push(`${label}: dropped non-KMS actions ${sides.nonKms.join(', ')} (they have no effect in a key policy)`);

  if (sides.toAdministrators && sides.toUsers) return [...kept, ...splitMixedGrant(target, run)];
  if (!sides.toAdministrators && !sides.toUsers) {
    // Nothing a key policy can grant (for example only non-KMS actions): the account-wide entry is dropped.
    run.changes.push(remaining === undefined ? `${label}: removed, it granted no key action` : `${label}: removed ${what}, the statement granted it no key action`);
    return kept;
  }
  return [...kept, replaceOneSide(target, run)];
}

/**
 * Rewrite account-wide Allow statements of the key's own account. A statement whose actions are all on one
 * side (only administration, or only use) keeps its Action element verbatim and gets the named
 * principals; a mixed statement such as `kms:*` is split into an administration and a use statement with
 * the concrete actions listed, so that neither side receives the other's rights.
 */
export function rewriteKeyPolicy(policy: unknown, options: RewriteOptions): RewriteResult {
  const document = toPolicyDocument(policy);
  const { accountId } = options;
  const analysis = options.analysis ?? analyzePolicy(document, { accountId, ...(options.keyArn === undefined ? {} : { keyArn: options.keyArn }) });
  const targets = accountWideTargets(analysis, accountId);
  const run: RewriteRun = {
    options,
    taken: new Set(document.Statement.map((s) => s.Sid).filter((s): s is string => typeof s === 'string')),
    changes: [],
  };
  const out: PolicyStatement[] = [];
  const origins: number[] = [];
  document.Statement.forEach((statement, index) => {
    for (const rewritten of rewriteStatement(statement, index, targets.byStatement.get(index), run)) {
      out.push(rewritten);
      origins.push(index);
    }
  });
  return { policy: { ...document, Statement: out }, changed: run.changes.length > 0, changes: run.changes, skipped: targets.skipped, origins };
}

/**
 * The principals the engine's access summary lets call kms:PutKeyPolicy on the key unconditionally: named
 * roles and users, after every Deny the engine applies to this key (a Deny whose Resource cannot be the key
 * does not count). Account principals are not listed: the remediation removes them.
 */
export function policyAdministrators(analysis: AnalysisResult): string[] {
  const out: string[] = [];
  for (const entry of analysis.summary?.entries ?? []) {
    const p = entry.principal;
    if (p.kind !== 'principal') continue;
    const can = entry.grants.some((g) => g.level === 'unconditional' && actionNames(g.actions).includes('kms:PutKeyPolicy'));
    if (can && !out.includes(p.name)) out.push(p.name);
  }
  return out;
}

/**
 * The policy with every Deny as strong as its conditions allow: conditions on the request (MFA, source IP,
 * time, service path) are removed, conditions on who is asking (aws:PrincipalArn and the like) are kept.
 *
 * The engine reports who *may* have access, so it sets aside a Deny whose conditions it cannot rely on: for
 * findings, a Deny never removes access. The lockout check needs the opposite bound, who *certainly* keeps
 * kms:PutKeyPolicy, so such a Deny is assumed to apply. The engine still judges the result (Resource, actions,
 * principals, the Denies that carve "everyone except …"), only its input is the worst case.
 */
export function worstCaseDenies(policy: KeyPolicyDocument, analysis: AnalysisResult): KeyPolicyDocument {
  const statements = policy.Statement.map((statement, index) => {
    const parsed = analysis.policy?.statements.find((st) => st.index === index);
    if (parsed === undefined || parsed.effect !== 'Deny' || parsed.conditions.length === 0 || !isObject(statement.Condition)) return statement;
    const condition: { [key: string]: JsonValue } = {};
    for (const [operator, block] of Object.entries(statement.Condition)) {
      if (!isObject(block)) continue;
      const kept: { [key: string]: JsonValue } = {};
      for (const [key, value] of Object.entries(block)) {
        const c = parsed.conditions.find((pc) => pc.operator === operator && pc.key === key);
        if (c !== undefined && c.category === 'who') kept[key] = value;
      }
      if (Object.keys(kept).length > 0) condition[operator] = kept;
    }
    const out: PolicyStatement = { ...statement };
    if (Object.keys(condition).length > 0) out.Condition = condition;
    else delete out.Condition;
    return out;
  });
  return { ...policy, Statement: statements };
}

/**
 * Deny statements that name kms:PutKeyPolicy, for messages (`statement 3 ("Freeze")`). With `origins` (from
 * rewriteKeyPolicy), `analysis` is of the rewritten policy and each Deny is named by its index in the policy on
 * the key, which is where the operator has to change it; the rewrite keeps Deny statements (and their Sid) as
 * written, only their position moves when an Allow before them is split.
 */
export function putKeyPolicyDenies(analysis: AnalysisResult, origins?: readonly number[]): string[] {
  return (analysis.policy?.statements ?? [])
    .filter((st) => st.effect === 'Deny' && actionNames(st.actions).includes('kms:PutKeyPolicy'))
    .map((st) => {
      const index = origins === undefined ? st.index : origins[st.index];
      const at = index === undefined ? `statement ${st.index} of the rewritten policy` : `statement ${index}`;
      return st.sid === undefined ? at : `${at} ("${st.sid}")`;
    });
}
