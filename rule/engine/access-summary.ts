/**
 * The access summary: for each class of principals, which KMS actions it may perform on the key, whether
 * unconditionally or under conditions, and which statements cause it. Checks are queries over it.
 *
 * Evaluation follows IAM's logic for a resource policy: an explicit Deny overrides any Allow; otherwise
 * an Allow grants. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { ACTION_CLASSES, CLASS_MASKS, NO_ACTIONS, hasAny, type ActionClass, type ActionSet } from './actions';
import {
  carvesWho,
  constrainsGrants,
  isNegatedPathCondition,
  narrowsWho,
  scopesService,
  type ParsedCondition,
} from './conditions';
import type { ParsedPolicy, ParsedStatement } from './parse-policy';
import { ANYONE, accountClass, type PrincipalClass } from './principals';
import { conditionTargets, contains, mayContain, narrowByTargets } from './principal-sets';
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
  /** Condition keys that narrowed the statement's principal to this class. */
  narrowedBy: string[];
  /** CreateGrant is limited by kms:GrantIsForAWSResource or a kms:GrantOperations limit. */
  grantConstrained: boolean;
  /** A service principal is scoped by aws:SourceAccount / aws:SourceArn / an encryption-context binding. */
  serviceScoped: boolean;
  /** Granted through NotPrincipal ("everyone except …"). */
  viaNotPrincipal: boolean;
  /** Deny statements that carved a broader grant down to this class. */
  carvedBy: number[];
}

export interface AccessCell {
  level: AccessLevel;
  statementIndexes: number[];
}

export interface AccessEntry {
  principal: PrincipalClass;
  grants: Grant[];
}

export interface AccessSummary {
  /** Sorted by principal id, so the summary does not depend on statement order. */
  entries: AccessEntry[];
  /** The key's account when known. */
  ownAccount?: string;
}

interface DenyRule {
  statementIndex: number;
  targets: PrincipalClass[];
  /** Principals the Deny spares (NotPrincipal, or a negated who-condition). Empty: spares no one. */
  survivors: PrincipalClass[];
  actions: ActionSet;
  mode: 'remove' | 'downgrade';
  conditionKeys: string[];
}

function grantsForAllow(st: ParsedStatement): Grant[] {
  const base: { principal: PrincipalClass; path: string }[] = st.principalNegated
    ? [{ principal: ANYONE, path: st.principalPath }]
    : st.principals.map((p) => ({ principal: p.principal, path: p.path }));
  const narrowing = st.conditions.filter(narrowsWho);
  const limiting = st.conditions.filter((c) => !narrowsWho(c));
  const grants: Grant[] = [];
  for (const { principal, path } of base) {
    let classes: { cls: PrincipalClass; unchangedBy: string[] }[] = [{ cls: principal, unchangedBy: [] }];
    for (const cond of narrowing) {
      const targets = conditionTargets(cond);
      classes = classes.flatMap(({ cls, unchangedBy }) =>
        narrowByTargets(cls, targets).map((n) => ({
          cls: n,
          // The condition applied but could not narrow this class: it still limits the grant.
          unchangedBy: n.id === cls.id ? [...unchangedBy, cond.key] : unchangedBy,
        })),
      );
    }
    for (const { cls, unchangedBy } of classes) {
      const conditionKeys = [...new Set([...limiting.map((c) => c.key), ...unchangedBy])];
      grants.push({
        statementIndex: st.index,
        ...(st.sid !== undefined ? { sid: st.sid } : {}),
        path,
        principal: cls,
        actions: st.actions,
        level: conditionKeys.length > 0 ? 'conditional' : 'unconditional',
        conditionKeys,
        narrowedBy: cls.id === principal.id ? [] : narrowing.map((c) => c.key),
        grantConstrained: st.conditions.some(constrainsGrants),
        serviceScoped: st.conditions.some(scopesService),
        viaNotPrincipal: st.principalNegated,
        carvedBy: [],
      });
    }
  }
  return grants;
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
    listed.push(...st.principals.map((p) => p.principal));
  } else {
    targets = st.principals.map((p) => p.principal);
  }
  // A survivor inside another survivor (a role of a spared account) adds nothing: keep the wider one, so
  // the classes carved out do not depend on which Deny is applied first.
  const unique = [...new Map(listed.map((p) => [p.id, p])).values()];
  const survivors = unique.filter((s) => !unique.some((o) => o.id !== s.id && mayContain(o, s) && !mayContain(s, o)));
  return { statementIndex: st.index, targets, survivors, actions: st.actions, mode, conditionKeys: conds.map((c) => c.key) };
}

type DenyOutcome = { kind: 'unchanged' } | { kind: 'split'; parts: Grant[]; carved: Grant[] };

function applyDeny(g: Grant, deny: DenyRule): DenyOutcome {
  const hit = g.actions & deny.actions;
  // A Deny applies only to principals it surely covers; one that names a narrower principal than the
  // grant (a role, against an account-wide grant) leaves the rest of the class with access.
  if (hit === NO_ACTIONS || !deny.targets.some((t) => contains(t, g.principal))) return { kind: 'unchanged' };
  if (deny.survivors.some((s) => mayContain(s, g.principal))) return { kind: 'unchanged' };
  const rest = g.actions & ~deny.actions;
  const parts: Grant[] = rest !== NO_ACTIONS ? [{ ...g, actions: rest }] : [];
  if (deny.mode === 'downgrade') {
    if (g.level === 'conditional' && deny.conditionKeys.every((k) => g.conditionKeys.includes(k))) return { kind: 'unchanged' };
    parts.push({ ...g, actions: hit, level: 'conditional', conditionKeys: [...new Set([...g.conditionKeys, ...deny.conditionKeys])] });
    return { kind: 'split', parts, carved: [] };
  }
  const carved = deny.survivors
    .filter((s) => mayContain(g.principal, s) && !g.carvedBy.includes(deny.statementIndex))
    .map((s) => ({ ...g, principal: s, actions: hit, carvedBy: [...g.carvedBy, deny.statementIndex] }));
  return { kind: 'split', parts, carved };
}

/**
 * Apply every Deny to every grant. A grant carved down to a narrower class goes through all the Denies
 * again, so the result does not depend on the order of the statements.
 */
function applyDenies(grants: Grant[], denies: readonly DenyRule[]): Grant[] {
  const out: Grant[] = [];
  const queue: { grant: Grant; from: number }[] = grants.map((grant) => ({ grant, from: 0 }));
  while (queue.length > 0) {
    const item = queue.pop();
    if (!item) break;
    let current: Grant[] = [item.grant];
    for (let i = item.from; i < denies.length && current.length > 0; i++) {
      const deny = denies[i];
      if (!deny) continue;
      const next: Grant[] = [];
      for (const g of current) {
        const r = applyDeny(g, deny);
        if (r.kind === 'unchanged') next.push(g);
        else {
          next.push(...r.parts);
          for (const c of r.carved) queue.push({ grant: c, from: 0 });
        }
      }
      current = next;
    }
    out.push(...current);
  }
  return out;
}

export function buildAccessSummary(policy: ParsedPolicy, ownAccount: string | undefined, keyArn: string | undefined): AccessSummary {
  let grants: Grant[] = [];
  const denies: DenyRule[] = [];
  for (const st of policy.statements) {
    const applies = resourceApplies(st.resources, st.resourceNegated, keyArn);
    if (st.effect === 'Allow') {
      if (applies !== 'no') grants.push(...grantsForAllow(st));
    } else if (applies === 'yes') {
      const rule = denyRule(st);
      if (rule) denies.push(rule);
    }
  }
  grants = applyDenies(grants, denies);

  const byId = new Map<string, AccessEntry>();
  for (const g of grants) {
    if (g.actions === NO_ACTIONS) continue;
    const entry = byId.get(g.principal.id) ?? { principal: g.principal, grants: [] };
    entry.grants.push(g);
    byId.set(g.principal.id, entry);
  }
  // The same account may be written as a bare id or as a root ARN: name it by the partition the policy
  // uses for that account anywhere, whatever the statement order.
  const partitions = new Map<string, string>();
  for (const st of policy.statements) {
    for (const { principal: p } of st.principals) {
      if ((p.kind === 'account' || p.kind === 'principal') && p.account && p.partition) {
        const seen = partitions.get(p.account);
        if (seen === undefined || p.partition < seen) partitions.set(p.account, p.partition);
      }
    }
  }
  for (const e of byId.values()) {
    if (e.principal.kind === 'account') e.principal = accountClass(e.principal.account, partitions.get(e.principal.account));
  }
  const entries = [...byId.values()].sort((a, b) => (a.principal.id < b.principal.id ? -1 : a.principal.id > b.principal.id ? 1 : 0));
  for (const e of entries) e.grants.sort((a, b) => a.statementIndex - b.statementIndex || (a.path < b.path ? -1 : 1));
  return { entries, ...(ownAccount ? { ownAccount } : {}) };
}

/** Grants of an entry that cover any action of `mask`. */
export function grantsCovering(entry: AccessEntry, mask: ActionSet): Grant[] {
  return entry.grants.filter((g) => hasAny(g.actions, mask));
}

export function levelOf(grants: readonly Grant[]): AccessLevel {
  if (grants.length === 0) return 'none';
  return grants.some((g) => g.level === 'unconditional') ? 'unconditional' : 'conditional';
}

export function accessCell(entry: AccessEntry, actionClass: ActionClass): AccessCell {
  const gs = grantsCovering(entry, CLASS_MASKS[actionClass]);
  return { level: levelOf(gs), statementIndexes: [...new Set(gs.map((g) => g.statementIndex))].sort((a, b) => a - b) };
}

/** The principal-class × action-class matrix, for reports. */
export function accessMatrix(summary: AccessSummary): { principal: PrincipalClass; cells: Record<ActionClass, AccessCell> }[] {
  return summary.entries.map((entry) => ({
    principal: entry.principal,
    cells: Object.fromEntries(ACTION_CLASSES.map((c) => [c, accessCell(entry, c)])) as Record<ActionClass, AccessCell>,
  }));
}
