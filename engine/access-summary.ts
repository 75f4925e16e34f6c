/**
 * The access summary: for each class of principals, which KMS actions it may perform on the key, whether
 * unconditionally or under conditions, and which statements cause it. Checks are queries over it.
 *
 * Evaluation follows IAM's logic for a resource policy: an explicit Deny overrides any Allow; otherwise
 * an Allow grants. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { ACTION_CLASSES, CLASS_MASKS, FUTURE_BIT, NO_ACTIONS, hasAny, intersect, minus, union, type ActionClass, type ActionSet } from './actions';
import {
  RESOURCE_ACCOUNT,
  RESOURCE_ORG,
  boundAccounts,
  boolOutcome,
  boundOrganizations,
  carvesWho,
  constrainsGrants,
  callerIsAwsService,
  isServiceSourceKey,
  isNegatedPathCondition,
  narrowsWho,
  outcomeWhenAbsent,
  requiredKey,
  scopesService,
  type ParsedCondition,
} from './conditions';
import { absentByKind, actionsWithValue, principalKindOf, type PrincipalKind } from './condition-presence';
import type { ParsedPolicy, ParsedStatement, PrincipalEntry } from './parse-policy';
import { ANYONE, ANY_SERVICE, accountClass, namedClass, type PrincipalClass } from './principals';
import { conditionTargets, contains, excludesEveryMember, excludesEverySpared, mayContain, narrowByTargets, spares, within } from './principal-sets';
import { resourceApplies } from './resources';

export type AccessLevel = 'none' | 'conditional' | 'unconditional';

export interface Grant {
  statementIndex: number;
  sid?: string;
  /** JSON path of the principal entry that grants it. */
  path: string;
  principal: PrincipalClass;
  actions: ActionSet;
  level: 'conditional' | 'unconditional';
  /** Condition keys (as written) that limit the grant without narrowing who. */
  conditionKeys: string[];
  /** CreateGrant is limited by kms:GrantIsForAWSResource or a kms:GrantOperations limit. */
  grantConstrained: boolean;
  /** A service principal is scoped by aws:SourceAccount / aws:SourceArn / an encryption-context binding. */
  serviceScoped: boolean;
  /** Accounts the scoping conditions bind the service to (it acts on behalf of their resources). */
  sourceAccounts: string[];
  /** Organisations the service is bound to act for. */
  sourceOrganizations: string[];
  /** Organisations the principal must be a member of (an aws:PrincipalOrgID condition on an account or role). */
  memberOf?: string[];
  /** Granted through NotPrincipal ("everyone except …"). */
  viaNotPrincipal: boolean;
  /** Deny statements that carved a broader grant down to this class. */
  carvedBy: number[];
  /** Deny statements that leave this grant only conditionally (a Deny unless through a given path). */
  limitedBy: number[];
}

interface AccessCell {
  level: AccessLevel;
  statementIndexes: number[];
  /** The KMS grants (ListGrants GrantId) that give this access, beside the statements. */
  grantIds: string[];
}

export interface AccessEntry {
  principal: PrincipalClass;
  grants: Grant[];
  /** Every action any of the grants covers (a quick test before looking at grants one by one). */
  actions: ActionSet;
}

export interface AccessSummary {
  /** Sorted by principal id, so the summary does not depend on statement order. */
  entries: AccessEntry[];
  /**
   * What the key's KMS grants give, one entry per grant with a readable grantee, in the order ListGrants
   * listed them; absent when the grants were not given to the analysis. Kept apart from `entries`, which the
   * checks of the key policy read: a grant is no statement.
   */
  keyGrants?: GrantAccess[];
}

/** What one KMS grant gives its grantee. */
export interface GrantAccess {
  grantId: string;
  principal: PrincipalClass;
  actions: ActionSet;
  /** Conditional when the grant carries an encryption-context constraint. */
  level: 'conditional' | 'unconditional';
}

interface DenyRule {
  statementIndex: number;
  targets: PrincipalClass[];
  /** Principals the Deny spares (NotPrincipal, or a negated who-condition). Empty: spares no one. */
  survivors: PrincipalClass[];
  actions: ActionSet;
  mode: 'remove' | 'downgrade';
  conditionKeys: string[];
  /** The negated conditions on who a Deny spares by (beside its NotPrincipal entries), if any. */
  sparedBy: ParsedCondition[];
  /** The principals a Deny's NotPrincipal names, as written. */
  notPrincipals: PrincipalClass[];
}

/** The most principal classes one statement's principals are narrowed into (see grantsForAllow). */
const MAX_NARROWED_CLASSES = 2_000;

function isOrgKey(c: ParsedCondition): boolean {
  return c.keyLower === 'aws:principalorgid' || c.keyLower === 'aws:principalorgpaths';
}

function narrowingRank(c: ParsedCondition): number {
  switch (c.keyLower) {
    case 'aws:principalaccount':
    case 'kms:calleraccount':
    case 'aws:principalorgid':
    case 'aws:principalorgpaths':
      return 0;
    case 'aws:principalarn':
    case 'aws:principalservicename':
      return 1;
    case 'aws:userid':
      return 2;
    default:
      return 3;
  }
}

// Shared empty lists for the common grant without conditions (never mutated: lists are rebuilt, not pushed to).
const NONE: string[] = [];
const NO_INDEXES: number[] = [];

/**
 * A condition's targets with the key's own account (aws:ResourceAccount) named when it is known. Apart from
 * grantsForAllow so that no closure there captures its arguments, which would give every call a context on
 * the heap.
 */
function ownTargets(targets: PrincipalClass[], ownAccount: string | undefined): PrincipalClass[] {
  if (!ownAccount) return targets;
  return targets.map((t) => (t.kind === 'account' && t.account === RESOURCE_ACCOUNT ? accountClass(ownAccount) : t));
}

/** Appends the grants of Allow statement `st` to `grants`. */
function grantsForAllow(st: ParsedStatement, ownAccount: string | undefined, grants: Grant[]): void {
  const base: { principal: PrincipalClass; path: string }[] = st.principalNegated
    ? [{ principal: ANYONE, path: st.principalPath }]
    : st.principals;
  const sc = statementConditions(st, ownAccount, false);
  // …IfExists / ForAllValues on a key every IAM principal's request carries narrow the IAM principals the
  // statement names, whatever else it names: judged per written principal.
  const scIam = !st.principalNegated && st.conditions.some((c) => narrowsWho(c, true) !== narrowsWho(c, false)) ? statementConditions(st, ownAccount, true) : sc;
  // At most MAX_NARROWED_CLASSES classes per statement, shared among its written principals.
  const narrowedCap = Math.max(16, Math.floor(MAX_NARROWED_CLASSES / Math.max(1, base.length)));
  for (const written of base) {
    const conds = isIamPrincipal(written.principal) ? scIam : sc;
    const principal = conds.onlyServices && written.principal.kind === 'anyone' ? ANY_SERVICE : written.principal;
    if (conds.narrowing.length === 0) {
      if (excludesClass(st.conditions, principal, ownAccount)) continue;
      const actions = grantedActions(st, conds, principal);
      if (actions !== NO_ACTIONS || st.actions === NO_ACTIONS) grants.push(makeGrant(st, written.path, principal, actions, conds.limitingKeys, conds.grantConstrained, conds.serviceScoped, conds.sourceAccounts, conds.sourceOrganizations));
    } else grantsForNarrowed(st, written.path, narrowedClasses(principal, conds.narrowing, narrowedCap), conds, ownAccount, grants);
  }
}

/** A condition that narrows who a statement applies to, and what it narrows to. */
interface Narrowing {
  key: string;
  targets: PrincipalClass[];
  rank: number;
  order: string;
  orgs: string[];
}

/** What the conditions of one Allow statement do, worked out once per statement. */
interface StatementConditions {
  narrowing: Narrowing[];
  limitingKeys: string[];
  grantConstrained: boolean;
  serviceScoped: boolean;
  onlyServices: boolean;
  sourceAccounts: string[];
  sourceOrganizations: string[];
  /**
   * Per kind of caller, the actions for which some condition is false on every request (a plain operator on
   * a key the request never carries, a Bool on a key whose value is known and differs): the statement grants
   * them nothing. `someImpossible` says whether any of the three is not empty.
   */
  someImpossible: boolean;
  impossibleForIam: ActionSet;
  impossibleForService: ActionSet;
  impossibleForAnyone: ActionSet;
}

/** Adds to `sc` the actions on which condition `c` cannot be true, per kind of caller. */
function addImpossible(sc: StatementConditions, c: ParsedCondition): void {
  if (!outcomeWhenAbsent(c)) {
    const absent = absentByKind(c.keyLower);
    sc.impossibleForIam = union(sc.impossibleForIam, absent['iam-principal']);
    sc.impossibleForService = union(sc.impossibleForService, absent['service-principal']);
    sc.impossibleForAnyone = union(sc.impossibleForAnyone, absent.anyone);
  }
  if (c.base === 'Bool') {
    sc.impossibleForIam = union(sc.impossibleForIam, contradictedBool(c, 'iam-principal'));
    sc.impossibleForService = union(sc.impossibleForService, contradictedBool(c, 'service-principal'));
    sc.impossibleForAnyone = union(sc.impossibleForAnyone, contradictedBool(c, 'anyone'));
  }
}

/** The actions whose requests by `kind` carry the Bool condition's key with a known value the condition does not accept. */
function contradictedBool(c: ParsedCondition, kind: PrincipalKind): ActionSet {
  let set = NO_ACTIONS;
  for (const known of actionsWithValue(c.keyLower, kind)) if (!boolOutcome(c, known.value)) set = union(set, known.actions);
  return set;
}

/** What statement `st` grants a principal of class `cls`: its actions but those its conditions rule out for that kind of caller. */
function grantedActions(st: ParsedStatement, sc: StatementConditions, cls: PrincipalClass): ActionSet {
  if (!sc.someImpossible) return st.actions;
  switch (principalKindOf(cls)) {
    case 'iam-principal':
      return minus(st.actions, sc.impossibleForIam);
    case 'service-principal':
      return minus(st.actions, sc.impossibleForService);
    case 'anyone':
      return minus(st.actions, sc.impossibleForAnyone);
  }
}

/** Subtypes of named principals that are IAM principals (they always carry aws:PrincipalArn and their account). */
const IAM_SUBTYPES = new Set(['root-user', 'role', 'service-linked-role', 'user', 'assumed-role']);

/** An account or an IAM role, user or root user: every request it sends carries aws:PrincipalArn and aws:PrincipalAccount. */
function isIamPrincipal(p: PrincipalClass): boolean {
  return p.kind === 'account' || (p.kind === 'principal' && IAM_SUBTYPES.has(p.subtype));
}

function requiredKeys(st: ParsedStatement): ReadonlySet<string> {
  let keys: Set<string> | undefined;
  for (const c of st.conditions) {
    const key = requiredKey(c);
    if (key !== undefined) (keys ??= new Set()).add(key);
  }
  return keys ?? NO_REQUIRED_KEYS;
}

const NO_REQUIRED_KEYS: ReadonlySet<string> = new Set();

/** `iamOnly`: the conditions are read for a written principal that is an IAM principal (see narrowsWho). */
function statementConditions(st: ParsedStatement, ownAccount: string | undefined, iamOnly: boolean): StatementConditions {
  const sc: StatementConditions = {
    narrowing: [],
    limitingKeys: NONE,
    grantConstrained: false,
    serviceScoped: false,
    onlyServices: false,
    sourceAccounts: NONE,
    sourceOrganizations: NONE,
    someImpossible: false,
    impossibleForIam: NO_ACTIONS,
    impossibleForService: NO_ACTIONS,
    impossibleForAnyone: NO_ACTIONS,
  };
  // Keys a Null "false" check requires: an …IfExists scope on them cannot be left out of the request.
  const required = requiredKeys(st);
  for (const c of st.conditions) {
    addImpossible(sc, c);
    if (narrowsWho(c, iamOnly)) {
      const targets = ownTargets(conditionTargets(c), ownAccount);
      sc.narrowing.push({ key: c.key, targets, rank: narrowingRank(c), order: `${c.keyLower} ${c.operator} ${c.values.join(',')}`, orgs: isOrgKey(c) ? c.values : NONE });
    }
    else sc.limitingKeys = sc.limitingKeys === NONE ? [c.key] : [...sc.limitingKeys, c.key];
    if (!sc.grantConstrained && constrainsGrants(c)) sc.grantConstrained = true;
    if (scopesService(c, required)) {
      sc.serviceScoped = true;
      sc.sourceAccounts = sc.sourceAccounts.concat(boundAccounts(c));
      sc.sourceOrganizations = sc.sourceOrganizations.concat(boundOrganizations(c));
      if (!st.principalNegated && isServiceSourceKey(c)) sc.onlyServices = true;
    }
    if (!st.principalNegated && callerIsAwsService(c)) sc.onlyServices = true;
  }
  sc.someImpossible = sc.impossibleForIam !== NO_ACTIONS || sc.impossibleForService !== NO_ACTIONS || sc.impossibleForAnyone !== NO_ACTIONS;
  // No IAM principal can be granted any of the actions: of everyone, only service principals are left.
  if (!st.principalNegated && st.actions !== NO_ACTIONS && minus(st.actions, sc.impossibleForIam) === NO_ACTIONS) sc.onlyServices = true;
  // Conditions are ANDed, so their order must not matter: narrow by account and organisation first, then by
  // ARN or service, then by the identifiers that name no account.
  if (sc.narrowing.length > 1) sc.narrowing.sort((a, b) => a.rank - b.rank || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  if (sc.sourceAccounts.length > 1) sc.sourceAccounts = [...new Set(sc.sourceAccounts)];
  return sc;
}

/** A class a written principal narrows to, with the keys that could not narrow it and the organisations they name. */
interface NarrowedClass {
  cls: PrincipalClass;
  unchangedBy: string[];
  orgs: string[];
}

/** The classes `principal` narrows to under every narrowing condition, in order. */
function narrowedClasses(principal: PrincipalClass, narrowing: readonly Narrowing[], cap: number): NarrowedClass[] {
  let classes: NarrowedClass[] = [{ cls: principal, unchangedBy: [], orgs: NONE }];
  for (const cond of narrowing) {
    const next = classes.flatMap((c) => narrowByCondition(c, cond));
    // Long lists on several keys multiply into more classes than a report can use: stop narrowing there
    // and keep the wider classes, marked conditional (a superset, so no access is lost).
    if (next.length > cap) {
      classes = classes.map((c) => ({ ...c, unchangedBy: [...c.unchangedBy, cond.key] }));
      continue;
    }
    classes = next;
  }
  return classes;
}

function narrowByCondition({ cls, unchangedBy, orgs }: NarrowedClass, cond: Narrowing): NarrowedClass[] {
  return narrowByTargets(cls, cond.targets).map((n) => {
    const unchanged = n.id === cls.id && !cond.targets.some((t) => contains(t, n));
    return {
      cls: n,
      // The condition applied but could not narrow this class (and not every member satisfies it): it
      // still limits the grant. An organisation condition that could not narrow an account or a
      // principal still says which organisation its members must belong to.
      unchangedBy: unchanged ? [...unchangedBy, cond.key] : unchangedBy,
      orgs: unchanged && cond.orgs.length > 0 ? [...orgs, ...cond.orgs] : orgs,
    };
  });
}

function grantsForNarrowed(st: ParsedStatement, path: string, classes: readonly NarrowedClass[], sc: StatementConditions, ownAccount: string | undefined, grants: Grant[]): void {
  for (const { cls, unchangedBy, orgs } of classes) {
    if (excludesClass(st.conditions, cls, ownAccount)) continue;
    const actions = grantedActions(st, sc, cls);
    if (actions === NO_ACTIONS && st.actions !== NO_ACTIONS) continue;
    const conditionKeys = unchangedBy.length === 0 ? sc.limitingKeys : [...new Set([...sc.limitingKeys, ...unchangedBy])];
    const grant = makeGrant(st, path, cls, actions, conditionKeys, sc.grantConstrained, sc.serviceScoped, sc.sourceAccounts, sc.sourceOrganizations);
    if (orgs.length > 0) grant.memberOf = orgs.map((o) => (o === RESOURCE_ORG ? o : o.split('/')[0] ?? o));
    grants.push(grant);
  }
}

function makeGrant(
  st: ParsedStatement,
  path: string,
  cls: PrincipalClass,
  actions: ActionSet,
  conditionKeys: string[],
  grantConstrained: boolean,
  serviceScoped: boolean,
  sourceAccounts: string[],
  sourceOrganizations: string[],
): Grant {
  // Two literals rather than a Sid added afterwards, which would move it out of the object into a separate
  // property store; the Sid stays the last key, as before.
  if (st.sid === undefined) {
    return {
      statementIndex: st.index,
      path,
      principal: cls,
      actions,
      level: conditionKeys.length > 0 ? 'conditional' : 'unconditional',
      conditionKeys,
      grantConstrained,
      serviceScoped,
      sourceAccounts,
      sourceOrganizations,
      viaNotPrincipal: st.principalNegated,
      carvedBy: NO_INDEXES,
      limitedBy: NO_INDEXES,
    };
  }
  return {
    statementIndex: st.index,
    path,
    principal: cls,
    actions,
    level: conditionKeys.length > 0 ? 'conditional' : 'unconditional',
    conditionKeys,
    grantConstrained,
    serviceScoped,
    sourceAccounts,
    sourceOrganizations,
    viaNotPrincipal: st.principalNegated,
    carvedBy: NO_INDEXES,
    limitedBy: NO_INDEXES,
    sid: st.sid,
  };
}

/** How a Deny statement acts, or undefined when its conditions make it unreliable (fail closed). */
function denyRule(st: ParsedStatement): DenyRule | undefined {
  const conds: ParsedCondition[] = st.conditions;
  let mode: 'remove' | 'downgrade' = 'remove';
  let carve: ParsedCondition[] = [];
  if (conds.length > 0) {
    if (conds.every(carvesWho)) carve = conds;
    else if (conds.every(isNegatedPathCondition)) mode = 'downgrade';
    else return undefined;
  }
  const listed: PrincipalClass[] = carve.flatMap(conditionTargets);
  let targets: PrincipalClass[];
  if (st.principalNegated) {
    targets = [ANYONE];
    // In NotPrincipal the account (its root ARN or id) spares only the root user, not the account's roles and
    // users: a Deny with NotPrincipal [role/admin, account root] denies every other principal of the account
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
    listed.push(...st.principals.map((p) => (p.principal.kind === 'account' ? rootUserOf(p.principal) : p.principal)));
  } else {
    targets = st.principals.map((p) => p.principal);
  }
  // A survivor inside another survivor (a role of a spared account) adds nothing: keep the wider one, so
  // the classes carved out do not depend on which Deny is applied first.
  const unique = [...new Map(listed.map((p) => [p.id, p])).values()];
  const survivors = unique.filter((s) => !unique.some((o) => o.id !== s.id && contains(o, s) && !contains(s, o)));
  return { statementIndex: st.index, targets, survivors, actions: st.actions, mode, conditionKeys: conds.map((c) => c.key), sparedBy: carve, notPrincipals: st.principalNegated ? st.principals.map((p) => p.principal) : [] };
}

function rootUserOf(account: Extract<PrincipalClass, { kind: 'account' }>): PrincipalClass {
  return namedClass('root-user', `arn:${account.partition ?? 'aws'}:iam::${account.account}:root`, account.account, account.partition, `root user of account ${account.account}`);
}

/** Whether a Deny reaches every principal of `cls` (it names them and spares none of them). */
function denyCovers(deny: DenyRule, cls: PrincipalClass): boolean {
  // Loops rather than some(): called for every Deny and class, and each callback would be a new closure.
  let named = false;
  for (const t of deny.targets) {
    if (contains(t, cls)) {
      named = true;
      break;
    }
  }
  if (!named) return false;
  for (const s of deny.survivors) if (spares(s, cls)) return false;
  return true;
}

interface Atom {
  cls: PrincipalClass;
  /** Ids of the classes this class was carved out of by a Deny that spares it (all ancestors, once built). */
  parents: string[];
}

/**
 * The principal classes to report: every class an Allow names, plus every principal a Deny spares inside
 * such a class (the Deny "carves" the wider grant down to it). Each is then evaluated against every
 * statement independently, so the result cannot depend on the order of the statements.
 */
/** More principal classes than any real policy yields: past it, carving is given up (fail closed). */
const MAX_ATOMS = 500;

function principalAtoms(grants: readonly Grant[], denies: readonly DenyRule[]): Atom[] | undefined {
  const atoms = new Map<string, Atom>();
  for (const g of grants) if (!atoms.has(g.principal.id)) atoms.set(g.principal.id, { cls: g.principal, parents: [] });
  // Carve from the Allow classes and from what was carved already, until nothing new appears: two Denies
  // sparing an account and a tag leave the tagged principals of that account.
  let frontier = [...atoms.values()];
  while (frontier.length > 0) {
    const next: Atom[] = [];
    for (const deny of denies) {
      for (const s of deny.survivors) {
        for (const from of frontier) {
          const c = from.cls;
          if (c.id === s.id || contains(s, c) || !mayContain(c, s)) continue;
          const carved = within(c, s);
          let atom = atoms.get(carved.id);
          if (!atom) {
            atom = { cls: carved, parents: [] };
            atoms.set(carved.id, atom);
            next.push(atom);
            if (atoms.size > MAX_ATOMS) return undefined;
          }
          if (!atom.parents.includes(c.id)) atom.parents.push(c.id);
        }
      }
    }
    frontier = next;
  }
  // A class carved out of a carved class lies inside all of that one's ancestors too. Computed once the
  // graph is complete, so the order in which classes were found does not matter.
  const ancestors = new Map<string, string[]>();
  const visit = (id: string, seen: Set<string>): void => {
    const atom = atoms.get(id);
    if (!atom) return;
    for (const p of atom.parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      visit(p, seen);
    }
  };
  for (const atom of atoms.values()) {
    const seen = new Set<string>();
    visit(atom.cls.id, seen);
    seen.delete(atom.cls.id);
    ancestors.set(atom.cls.id, [...seen]);
  }
  return [...atoms.values()].map((a) => ({ cls: a.cls, parents: ancestors.get(a.cls.id) ?? [] }));
}

interface Part {
  actions: ActionSet;
  level: 'conditional' | 'unconditional';
  conditionKeys: string[];
  limitedBy: number[];
}

/**
 * The Denies that reach every principal of one class, in statement order. Built once per class; where
 * there are many, they are also indexed by action (the first of them that names each action), so applying
 * them to a grant costs one step per action rather than one per Deny, and the analysis stays linear in the
 * statements.
 */
interface ClassDenies {
  covering: DenyRule[];
  /** Every action some covering Deny names. */
  denied: ActionSet;
  /** Every action a covering Deny removes outright. */
  removed: ActionSet;
  /** For action bit b, the position in `covering` of the first Deny that names it (-1: none); many Denies only. */
  first?: Int32Array;
  /** Effects already computed per action set. */
  effects: Map<ActionSet, DenyEffect>;
}

/** What the Denies of a class do to one action set (independent of everything else about the grant). */
interface DenyEffect {
  kept: ActionSet;
  downgraded: ActionSet;
  downgradeKeys: string[];
  deniedBy: number[];
  limitedBy: number[];
  /** The parts left of a grant of these actions with no condition keys and no limiting Deny, per level. */
  conditional?: Part[];
  unconditional?: Part[];
  /** The downgrading Denies' keys, each once (for a grant without keys of its own). */
  uniqueDowngradeKeys?: string[];
}

const ACTION_BITS = Math.log2(FUTURE_BIT) + 1;
const ascending = (a: number, b: number): number => a - b;
/** Up to this many covering Denies, walking them all is cheaper than indexing them. */
const INDEX_FROM = 8;

function classDenies(cls: PrincipalClass, denies: readonly DenyRule[]): ClassDenies {
  const covering: DenyRule[] = [];
  let denied = NO_ACTIONS;
  let removed = NO_ACTIONS;
  for (const deny of denies) {
    if (deny.actions === NO_ACTIONS || !denyCovers(deny, cls)) continue;
    covering.push(deny);
    denied = union(denied, deny.actions);
    if (deny.mode === 'remove') removed = union(removed, deny.actions);
  }
  const cd: ClassDenies = { covering, denied, removed, effects: new Map() };
  if (covering.length > INDEX_FROM) {
    const first = new Int32Array(ACTION_BITS).fill(-1);
    let seen = NO_ACTIONS;
    covering.forEach((deny, at) => {
      const fresh = minus(deny.actions, seen);
      if (fresh === NO_ACTIONS) return;
      for (let b = 0; b < ACTION_BITS; b++) if (first[b] === -1 && hasAny(fresh, 2 ** b)) first[b] = at;
      seen = union(seen, fresh);
    });
    cd.first = first;
  }
  return cd;
}

/**
 * Denies are applied in statement order; each one that still finds some of the grant's actions takes them
 * (a downgrading Deny keeps them, conditional). With many Denies, only those that take something are
 * visited: the first covering Deny of each action, exactly.
 */
function denyEffect(cd: ClassDenies, actions: ActionSet): DenyEffect {
  const cached = cd.effects.get(actions);
  if (cached) return cached;
  let visit: readonly DenyRule[] = cd.covering;
  if (cd.first) {
    const positions: number[] = [];
    const reached = intersect(actions, cd.denied);
    if (reached !== NO_ACTIONS) {
      for (let b = 0; b < ACTION_BITS; b++) {
        const at = cd.first[b] ?? -1;
        if (at >= 0 && !positions.includes(at) && hasAny(reached, 2 ** b)) positions.push(at);
      }
      positions.sort(ascending);
    }
    const picked = new Array<DenyRule>(positions.length);
    for (let k = 0; k < positions.length; k++) picked[k] = cd.covering[positions[k] as number] as DenyRule;
    visit = picked;
  }
  let kept = actions;
  let downgraded = NO_ACTIONS;
  const downgradeKeys: string[] = [];
  const deniedBy: number[] = [];
  const limitedBy: number[] = [];
  for (const deny of visit) {
    const hit = intersect(kept, deny.actions);
    if (hit === NO_ACTIONS) continue;
    deniedBy.push(deny.statementIndex);
    kept = minus(kept, deny.actions);
    if (deny.mode === 'downgrade') {
      downgraded = union(downgraded, hit);
      downgradeKeys.push(...deny.conditionKeys);
      limitedBy.push(deny.statementIndex);
    }
  }
  // A removing Deny also removes what another Deny had only downgraded.
  downgraded = minus(downgraded, cd.removed);
  const effect: DenyEffect = { kept, downgraded, downgradeKeys, deniedBy, limitedBy };
  cd.effects.set(actions, effect);
  return effect;
}

/**
 * What grant `g`, as its Allow wrote it (no Deny applied yet), still gives the principals of a class once
 * every Deny that reaches them is applied. The parts of a grant without condition keys depend only on its
 * actions and level, and are shared by every such grant.
 */
function effectiveParts(g: Grant, cd: ClassDenies): Part[] {
  if (cd.covering.length === 0) return [{ actions: g.actions, level: g.level, conditionKeys: g.conditionKeys, limitedBy: NO_INDEXES }];
  const effect = denyEffect(cd, g.actions);
  const plain = g.conditionKeys === NONE;
  if (plain) {
    const shared = effect[g.level];
    if (shared) return shared;
  }
  const { kept, downgraded, downgradeKeys, limitedBy } = effect;
  const keptPart: Part | undefined = kept === NO_ACTIONS ? undefined : { actions: kept, level: g.level, conditionKeys: g.conditionKeys, limitedBy: NO_INDEXES };
  let downgradedPart: Part | undefined;
  if (downgraded !== NO_ACTIONS) {
    let conditionKeys: string[];
    if (g.conditionKeys.length === 0) conditionKeys = effect.uniqueDowngradeKeys ??= [...new Set(downgradeKeys)];
    else conditionKeys = [...new Set([...g.conditionKeys, ...downgradeKeys])];
    downgradedPart = { actions: downgraded, level: 'conditional', conditionKeys, limitedBy };
  }
  const parts: Part[] = keptPart ? (downgradedPart ? [keptPart, downgradedPart] : [keptPart]) : downgradedPart ? [downgradedPart] : [];
  if (plain) effect[g.level] = parts;
  return parts;
}

/**
 * The Denies among `covering` (those of the class a grant was written for) that take some of `actions`
 * from it but not from the carved class (`deniedBy` lists those that reach the carved class too). A plain
 * function rather than a closure inside the loop over grants, which would give every pass of that loop a
 * context of its own on the heap.
 */
function carvingDenies(covering: readonly DenyRule[], deniedBy: readonly number[], actions: ActionSet): number[] {
  let n = 0;
  for (const d of covering) if (!deniedBy.includes(d.statementIndex) && hasAny(actions, d.actions)) n++;
  const out = new Array<number>(n);
  n = 0;
  for (const d of covering) if (!deniedBy.includes(d.statementIndex) && hasAny(actions, d.actions)) out[n++] = d.statementIndex;
  return out;
}

/** Per action set and level: whether a carved class keeps no more than the class it was carved from. */
interface Covered {
  conditional: Map<ActionSet, boolean>;
  unconditional: Map<ActionSet, boolean>;
}

/**
 * Grant `g` as it reaches class `cls`: a copy with the part's actions, level and keys. Written out key by key
 * (in the order of the grant's own keys) rather than spread, which copies a grant of this many keys into a
 * slow dictionary object.
 */
function carvedGrant(g: Grant, cls: PrincipalClass, p: Part, carvedBy: number[]): Grant {
  const copy: Grant = {
    statementIndex: g.statementIndex,
    path: g.path,
    principal: cls,
    actions: p.actions,
    level: p.level,
    conditionKeys: p.conditionKeys,
    grantConstrained: g.grantConstrained,
    serviceScoped: g.serviceScoped,
    sourceAccounts: g.sourceAccounts,
    sourceOrganizations: g.sourceOrganizations,
    viaNotPrincipal: g.viaNotPrincipal,
    carvedBy,
    limitedBy: p.limitedBy,
  };
  if (g.sid !== undefined) copy.sid = g.sid;
  if (g.memberOf !== undefined) copy.memberOf = g.memberOf;
  return copy;
}

const LEVEL_RANK = { conditional: 1, unconditional: 2 } as const;

/** Every part of `inner` is available in `outer` at the same or a stronger level. */
function coveredBy(inner: readonly Part[], outer: readonly Part[]): boolean {
  return inner.every((p) => {
    let available = NO_ACTIONS;
    for (const o of outer) if (LEVEL_RANK[o.level] >= LEVEL_RANK[p.level]) available = union(available, o.actions);
    return minus(p.actions, available) === NO_ACTIONS;
  });
}

/**
 * Apply every Deny to every grant, for every principal class (see principalAtoms). A principal inside a
 * wider class is reported on its own only where it keeps more than the class does.
 */
function applyDenies(grants: readonly Grant[], denies: readonly DenyRule[], exclusions: Exclusions): Grant[] {
  if (denies.length === 0) return [...grants];
  const atoms = principalAtoms(grants, denies);
  // Too many classes to carve: rely on no Deny at all rather than on a partial answer.
  if (atoms === undefined) return [...grants];
  const run = startCarving(grants, denies, exclusions);
  for (const atom of atoms) carveForAtom(run, atom);
  applyRewrites(run);
  return run.out;
}

/** The classes the Allows were written for, numbered in order of first appearance, and each grant's number. */
interface WrittenClasses {
  classOf: Int32Array;
  classIndex: Map<string, number>;
  classes: PrincipalClass[];
}

/** The state of one applyDenies call, shared by the passes over each atom. */
interface Carving {
  grants: readonly Grant[];
  denies: readonly DenyRule[];
  exclusions: Exclusions;
  deniesByClass: Map<string, ClassDenies>;
  written: WrittenClasses;
  /** Per grant: its parts for the class it was written for, made when first needed. */
  ownParts: (Part[] | undefined)[];
  /** Per written class: whether it reaches the atom of the current pass. */
  reaches: Uint8Array;
  out: Grant[];
  // A grant the Denies change for its own class is updated in place once every atom has read it as written
  // (other atoms still carve from it), rather than copied: a policy of thousands of statements would
  // otherwise build every such grant twice. Parallel lists, not one object per rewrite.
  rewritten: Grant[];
  rewrittenTo: Part[];
  rewrittenClass: PrincipalClass[];
}

/** One atom's pass over the grants. */
interface AtomPass {
  cls: PrincipalClass;
  denies: ClassDenies;
  /** The atom's own class (written by some Allow), if any, else -1: a grant is the atom's own when written for it. */
  ownClass: number;
  // Per written class (by number), action set and level: whether the atom keeps no more than the class (most
  // do), and the Denies that carve the class down to the atom. Made when first needed.
  coveredFor: (Covered | undefined)[] | undefined;
  carvedFor: (Map<ActionSet, number[]> | undefined)[] | undefined;
}

function startCarving(grants: readonly Grant[], denies: readonly DenyRule[], exclusions: Exclusions): Carving {
  const written = writtenClasses(grants);
  return {
    grants,
    denies,
    exclusions,
    deniesByClass: new Map(),
    written,
    ownParts: new Array<Part[] | undefined>(grants.length),
    reaches: new Uint8Array(written.classes.length),
    out: [],
    rewritten: [],
    rewrittenTo: [],
    rewrittenClass: [],
  };
}

/**
 * The class each grant was written for: an atom is reached by the grants of a few classes, found by one pass
 * over the grants in statement order.
 */
function writtenClasses(grants: readonly Grant[]): WrittenClasses {
  const classOf = new Int32Array(grants.length);
  const classIndex = new Map<string, number>();
  const classes: PrincipalClass[] = [];
  for (let i = 0; i < grants.length; i++) {
    const written = (grants[i] as Grant).principal;
    let c = classIndex.get(written.id);
    if (c === undefined) {
      c = classes.length;
      classIndex.set(written.id, c);
      classes.push(written);
    }
    classOf[i] = c;
  }
  return { classOf, classIndex, classes };
}

function classDeniesFor(run: Carving, cls: PrincipalClass): ClassDenies {
  let cd = run.deniesByClass.get(cls.id);
  if (!cd) {
    cd = classDenies(cls, run.denies);
    run.deniesByClass.set(cls.id, cd);
  }
  return cd;
}

function carveForAtom(run: Carving, atom: Atom): void {
  const pass: AtomPass = {
    cls: atom.cls,
    denies: classDeniesFor(run, atom.cls),
    ownClass: run.written.classIndex.get(atom.cls.id) ?? -1,
    coveredFor: undefined,
    carvedFor: undefined,
  };
  markReachingClasses(run, atom);
  const classOf = run.written.classOf;
  for (let i = 0; i < run.grants.length; i++) {
    if (run.reaches[classOf[i] as number] === 1) carveGrant(run, pass, i);
  }
}

/** Every atom is reached by some written class: its own, or the one it was carved from. */
function markReachingClasses(run: Carving, atom: Atom): void {
  const classes = run.written.classes;
  for (let c = 0; c < classes.length; c++) {
    const written = classes[c] as PrincipalClass;
    const id = written.id;
    run.reaches[c] = id === atom.cls.id || contains(written, atom.cls) || atom.parents.includes(id) ? 1 : 0;
  }
}

/** What grant `i` gives the atom of `pass`, added to the output unless the atom keeps no more than its class. */
function carveGrant(run: Carving, pass: AtomPass, i: number): void {
  const c = run.written.classOf[i] as number;
  const g = run.grants[i] as Grant;
  const own = c === pass.ownClass;
  if (own && g.principal === pass.cls && untouchedByDenies(g, pass.denies)) {
    run.out.push(g);
    return;
  }
  const excluded = own ? NO_ACTIONS : excludedByAllow(run, g, pass.cls);
  if (excluded !== NO_ACTIONS) {
    carveExcluded(run, pass, i, c, excluded);
    return;
  }
  const known = own ? undefined : coveredCache(run, pass, c, g);
  if (known !== undefined && known.get(g.actions) === true) return;
  const parentParts = (run.ownParts[i] ??= effectiveParts(g, own ? pass.denies : classDeniesFor(run, g.principal)));
  const parts = own ? parentParts : effectiveParts(g, pass.denies);
  if (known !== undefined) {
    // Whether the atom keeps more depends only on the action set and the level, not on the grant's keys.
    const covered = coveredBy(parts, parentParts);
    known.set(g.actions, covered);
    if (covered) return;
  }
  const carvedBy = own ? NO_INDEXES : carvedByFor(run, pass, c, g);
  emitParts(run, g, pass.cls, parts, carvedBy, own);
}

/**
 * Grant `i` reaching the atom of `pass` but for the `excluded` actions, which its own Allow refuses to every
 * principal the Denies leave them to. The atom's covered/carvedBy caches are keyed by action set alone, not by
 * statement, so they are neither read nor written here.
 */
function carveExcluded(run: Carving, pass: AtomPass, i: number, c: number, excluded: ActionSet): void {
  const g = run.grants[i] as Grant;
  const parts: Part[] = [];
  for (const p of effectiveParts(g, pass.denies)) {
    const actions = minus(p.actions, excluded);
    if (actions !== NO_ACTIONS) parts.push(actions === p.actions ? p : { ...p, actions });
  }
  if (parts.length === 0) return;
  const parentParts = (run.ownParts[i] ??= effectiveParts(g, classDeniesFor(run, g.principal)));
  if (coveredBy(parts, parentParts)) return;
  const deniedBy = pass.denies.covering.length === 0 ? NO_INDEXES : denyEffect(pass.denies, g.actions).deniedBy;
  emitParts(run, g, pass.cls, parts, carvingDenies(classDeniesFor(run, g.principal).covering, deniedBy, g.actions), false);
}

/** No Deny takes anything from the class this grant was written for: it stands as written. */
function untouchedByDenies(g: Grant, cd: ClassDenies): boolean {
  if (cd.covering.length === 0) return true;
  const effect = denyEffect(cd, g.actions);
  return effect.kept === g.actions && effect.downgraded === NO_ACTIONS;
}

/** Per action set, whether the atom keeps no more than written class `c` at the level of `g`. */
function coveredCache(run: Carving, pass: AtomPass, c: number, g: Grant): Map<ActionSet, boolean> {
  pass.coveredFor ??= new Array<Covered | undefined>(run.written.classes.length);
  const byLevel = (pass.coveredFor[c] ??= { conditional: new Map(), unconditional: new Map() });
  return g.level === 'conditional' ? byLevel.conditional : byLevel.unconditional;
}

/** The Denies that carve written class `c` down to the atom, for the actions of `g`. */
function carvedByFor(run: Carving, pass: AtomPass, c: number, g: Grant): number[] {
  pass.carvedFor ??= new Array<Map<ActionSet, number[]> | undefined>(run.written.classes.length);
  const byActions = (pass.carvedFor[c] ??= new Map());
  const listed = byActions.get(g.actions);
  if (listed) return listed;
  const deniedBy = pass.denies.covering.length === 0 ? NO_INDEXES : denyEffect(pass.denies, g.actions).deniedBy;
  const carvedBy = carvingDenies(classDeniesFor(run, g.principal).covering, deniedBy, g.actions);
  byActions.set(g.actions, carvedBy);
  return carvedBy;
}

/** One grant per part: the grant itself where nothing changed, else a copy (or, for its own class, a rewrite). */
function emitParts(run: Carving, g: Grant, cls: PrincipalClass, parts: readonly Part[], carvedBy: number[], own: boolean): void {
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k] as Part;
    // A grant no Deny touched is kept as it is.
    const same = g.principal === cls && p.actions === g.actions && p.level === g.level && p.conditionKeys === g.conditionKeys && p.limitedBy === NO_INDEXES && carvedBy === NO_INDEXES;
    if (same) run.out.push(g);
    else if (own && k === 0) {
      run.out.push(g);
      run.rewritten.push(g);
      run.rewrittenTo.push(p);
      run.rewrittenClass.push(cls);
    } else run.out.push(carvedGrant(g, cls, p, carvedBy));
  }
}

/** Grants rewritten for their own class take their new parts, now that no atom reads them as written. */
function applyRewrites(run: Carving): void {
  for (let k = 0; k < run.rewritten.length; k++) {
    const g = run.rewritten[k] as Grant;
    const p = run.rewrittenTo[k] as Part;
    g.principal = run.rewrittenClass[k] as PrincipalClass;
    g.actions = p.actions;
    g.level = p.level;
    g.conditionKeys = p.conditionKeys;
    g.limitedBy = p.limitedBy;
  }
}

export function buildAccessSummary(policy: ParsedPolicy, ownAccount: string | undefined, keyArn: string | undefined): AccessSummary {
  const { grants, denies, exclusions } = statementEffects(policy, keyArn, ownAccount);
  return { entries: groupByPrincipal(applyDenies(grants, denies, exclusions), policy) };
}

/** The grants of the Allow statements and the rules of the Deny statements that apply to this key. */
function statementEffects(policy: ParsedPolicy, keyArn: string | undefined, ownAccount: string | undefined): { grants: Grant[]; denies: DenyRule[]; exclusions: Exclusions } {
  const grants: Grant[] = [];
  const denies: DenyRule[] = [];
  const exclusions: Exclusions = { ownAccount, byStatement: new Map(), known: new Map() };
  for (const st of policy.statements) {
    const applies = resourceApplies(st.resources, st.resourceNegated, keyArn);
    if (st.effect === 'Allow') {
      if (applies !== 'no') {
        grantsForAllow(st, ownAccount, grants);
        const excluding = st.conditions.filter((c) => c.negated && c.category === 'who');
        if (excluding.length > 0) exclusions.byStatement.set(st.index, excluding);
      }
    } else if (applies === 'yes') {
      const rule = denyRule(st);
      if (rule) denies.push(rule);
    }
  }
  return { grants, denies, exclusions };
}

/** Per Allow statement (by index), its negated conditions on who: the principals the Allow itself leaves out. */
interface Exclusions {
  ownAccount: string | undefined;
  byStatement: Map<number, ParsedCondition[]>;
  /** Per grant statement and written class ("index class"): the Denies whose spared callers the Allow excludes. */
  known: Map<string, DenyRule[]>;
}

/**
 * The actions of grant `g` its own Allow gives no principal of `atom`, a class Denies carve out of the grant's
 * class: those of every Deny covering that class whose spared callers (the values of its negated conditions on
 * who) all fail one of the Allow's negated conditions on who (Allow and Deny `kms:*` both "unless KeyAdmin").
 * A principal keeps such an action only where that Deny spares it, and there the Allow does not apply, unless
 * the Deny's NotPrincipal spares it: so a Deny written with NotPrincipal counts only for an atom none of whose
 * principals its NotPrincipal can name.
 */
function excludedByAllow(run: Carving, g: Grant, atom: PrincipalClass): ActionSet {
  const exclusions = run.exclusions;
  const conds = exclusions.byStatement.get(g.statementIndex);
  if (conds === undefined) return NO_ACTIONS;
  const key = `${g.statementIndex} ${g.principal.id}`;
  let excluding = exclusions.known.get(key);
  if (excluding === undefined) {
    excluding = classDeniesFor(run, g.principal).covering.filter((d) => d.mode === 'remove' && excludesEverySpared(conds, d.sparedBy));
    exclusions.known.set(key, excluding);
  }
  let excluded = NO_ACTIONS;
  for (const d of excluding) if (d.notPrincipals.every((p) => surelyApart(p, atom))) excluded = union(excluded, d.actions);
  return intersect(excluded, g.actions);
}

/**
 * No principal is in both classes, judged without names (whose letter case a Principal element need not
 * match): a service principal and an IAM class, or principals of two different known accounts.
 */
function surelyApart(a: PrincipalClass, b: PrincipalClass): boolean {
  const isIam = (c: PrincipalClass): boolean => c.kind === 'account' || (c.kind === 'principal' && c.account !== undefined);
  if (a.kind === 'service') return isIam(b);
  if (b.kind === 'service') return isIam(a);
  const accountOf = (c: PrincipalClass): string | undefined => (c.kind === 'account' || c.kind === 'principal' ? c.account : undefined);
  const x = accountOf(a);
  const y = accountOf(b);
  return x !== undefined && y !== undefined && /^\d{12}$/.test(x) && /^\d{12}$/.test(y) && x !== y;
}

/** Some condition of an Allow is false for every request of every member of `cls` (see excludesEveryMember). */
function excludesClass(conds: readonly ParsedCondition[], cls: PrincipalClass, ownAccount: string | undefined): boolean {
  for (const c of conds) if (c.negated && c.category === 'who' && excludesEveryMember(c, cls, ownAccount)) return true;
  return false;
}

/** One entry per principal class, sorted by id so the summary does not depend on statement order. */
function groupByPrincipal(grants: readonly Grant[], policy: ParsedPolicy): AccessEntry[] {
  // A policy names a handful of principal classes: a linear search beats a map here. Indexed loops: this
  // runs once per policy, much of it before the loop is optimised, and an iterator allocates per step there.
  const entries: AccessEntry[] = [];
  for (let i = 0; i < grants.length; i++) {
    const g = grants[i] as Grant;
    if (g.actions === NO_ACTIONS) continue;
    const id = g.principal.id;
    let entry: AccessEntry | undefined;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k] as AccessEntry;
      if (e.principal.id === id) {
        entry = e;
        break;
      }
    }
    if (entry) {
      entry.grants.push(g);
      entry.actions = union(entry.actions, g.actions);
    } else entries.push({ principal: g.principal, grants: [g], actions: g.actions });
  }
  // The same account may be written as a bare id or as a root ARN: name it by the partition the policy
  // uses for that account anywhere, whatever the statement order.
  let partitions: Map<string, string> | undefined;
  for (const e of entries) {
    if (e.principal.kind !== 'account') continue;
    partitions ??= accountPartitions(policy);
    const partition = partitions.get(e.principal.account);
    if (e.principal.partition !== partition) e.principal = accountClass(e.principal.account, partition);
  }
  // Insertion sort: few entries, and Array.prototype.sort allocates. Grants are already in statement order.
  for (let i = 1; i < entries.length; i++) {
    const e = entries[i] as AccessEntry;
    let j = i - 1;
    while (j >= 0 && (entries[j] as AccessEntry).principal.id > e.principal.id) {
      entries[j + 1] = entries[j] as AccessEntry;
      j--;
    }
    entries[j + 1] = e;
  }
  return entries;
}

function accountPartitions(policy: ParsedPolicy): Map<string, string> {
  const partitions = new Map<string, string>();
  for (const st of policy.statements) {
    for (let i = 0; i < st.principals.length; i++) {
      const p = (st.principals[i] as PrincipalEntry).principal;
      if ((p.kind === 'account' || p.kind === 'principal') && p.account && p.partition) {
        const seen = partitions.get(p.account);
        if (seen === undefined || p.partition < seen) partitions.set(p.account, p.partition);
      }
    }
  }
  return partitions;
}

/** Grants of an entry that cover any action of `mask`. */
const NO_GRANTS: readonly Grant[] = Object.freeze([]);

export function grantsCovering(entry: AccessEntry, mask: ActionSet): readonly Grant[] {
  if (!hasAny(entry.actions, mask)) return NO_GRANTS;
  return entry.grants.filter((g) => hasAny(g.actions, mask));
}

function levelOf(grants: readonly Grant[]): AccessLevel {
  if (grants.length === 0) return 'none';
  return grants.some((g) => g.level === 'unconditional') ? 'unconditional' : 'conditional';
}

function accessCell(entry: AccessEntry | undefined, grants: readonly GrantAccess[], actionClass: ActionClass): AccessCell {
  const mask = CLASS_MASKS[actionClass];
  const gs = entry === undefined ? NO_GRANTS : grantsCovering(entry, mask);
  // The statements behind a cell: the Allows that grant it and the Denies that carve or limit it.
  const indexes = new Set<number>();
  for (const g of gs) {
    indexes.add(g.statementIndex);
    for (const i of g.carvedBy) indexes.add(i);
    for (const i of g.limitedBy) indexes.add(i);
  }
  const byGrants = grants.filter((k) => hasAny(k.actions, mask));
  let level = levelOf(gs);
  if (byGrants.some((k) => k.level === 'unconditional')) level = 'unconditional';
  else if (byGrants.length > 0 && level === 'none') level = 'conditional';
  return { level, statementIndexes: [...indexes].sort((a, b) => a - b), grantIds: [...new Set(byGrants.map((k) => k.grantId))] };
}

/**
 * The principal-class × action-class matrix, for reports: one row per principal class of the key policy, the
 * grants' grantees merged into the row of the same principal, or given a row of their own after the policy's
 * rows (in the order ListGrants listed them). Each cell names the statements and the grant ids behind it.
 */
export function accessMatrix(summary: AccessSummary): { principal: PrincipalClass; cells: Record<ActionClass, AccessCell> }[] {
  const keyGrants = summary.keyGrants ?? [];
  const rows: { principal: PrincipalClass; entry?: AccessEntry; grants: GrantAccess[] }[] = summary.entries.map((entry) => ({ principal: entry.principal, entry, grants: [] }));
  const byId = new Map(rows.map((r) => [r.principal.id, r]));
  for (const k of keyGrants) {
    let row = byId.get(k.principal.id);
    if (row === undefined) {
      row = { principal: k.principal, grants: [] };
      rows.push(row);
      byId.set(k.principal.id, row);
    }
    row.grants.push(k);
  }
  return rows.map((row) => ({
    principal: row.principal,
    cells: Object.fromEntries(ACTION_CLASSES.map((c) => [c, accessCell(row.entry, row.grants, c)])) as Record<ActionClass, AccessCell>,
  }));
}
