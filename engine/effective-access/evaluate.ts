/**
 * effectiveAccess: which principals of the key's account (roles, users, the root user) can use and administer
 * the key, and through what.
 *
 * IAM's evaluation for a request within one account, applied to a KMS key:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/determining-access.html
 * - An explicit Deny in any policy (key policy, identity policy, boundary, SCP, RCP) denies.
 * - The key policy decides first: no IAM policy gives access to a key whose policy does not allow it. A key policy
 *   Allow to the account (`arn:…:root`, the account id) delegates to IAM: the principal then also needs an
 *   identity-policy Allow (and, with a permissions boundary, the boundary's Allow). An Allow naming the principal
 *   (or `*`, or a class holding it) grants on its own, without any identity policy.
 * - Permission boundaries: "Resource-based policies that grant permissions to an IAM user ARN are not limited by
 *   an implicit deny in a permissions boundary"; "resource-based policies that grant permissions to an IAM role
 *   ARN are limited by an implicit deny in a permissions boundary", those naming a role *session* are not
 *   (IAM User Guide, policy evaluation within a single account; access_policies_boundaries). So a key policy
 *   Allow that names a role's ARN is cut by the role's boundary; one that names a user, `*`, or a wider class is
 *   not (for a wider class the session may be what matches; claiming the boundary applies could hide access).
 * - Grants give their operations to their grantee beside the key policy
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html). A grant to the account itself needs an
 *   identity-policy Allow, like a key policy Allow to the account. Whether a key policy or IAM Deny stops a grant
 *   is not modelled: grants are never cut by them here (reporting more access, never less).
 * - SCPs (member accounts, not the management account, not service-linked roles) and RCPs (keys of member
 *   accounts) must allow at every level; see org.ts.
 */
import { ALL_ACTIONS, CLASS_MASKS, NO_ACTIONS, actionBit, hasAny, intersect, minus, union, type ActionSet } from '../actions';
import type { Grant as PolicyGrant } from '../access-summary';
import type { ParsedStatement } from '../parse-policy';
import { contains, mayContain } from '../principal-sets';
import { accountOfArn, type PrincipalClass } from '../principals';
import { resourceApplies } from '../resources';
import { globMatch, onlyWildcards } from '../glob';
import type { KeyGrant } from '../key-grants';
import { modelOf, type AccountModel, type JudgedStatement, type PrincipalModel, type ResourceSet } from './compile';
import { dependsOnWho, judgeConditions, type Subject } from './judge';
import { compileOrg, judgeOrgStatement, type CompiledOrg } from './org';
import type { AccessVia, EffectiveAccess, EffectiveAccessFn, EffectiveLevel, EffectivePrincipal, KeyToJudge, OrganizationPolicies } from './types';

/** Any cryptographic action. */
const USE: ActionSet = CLASS_MASKS.cryptographic;
/** Any administrative action, grant management (CreateGrant, RevokeGrant…) included. */
const ADMINISTER: ActionSet = union(CLASS_MASKS.administration, CLASS_MASKS.grant);

export const NOT_COVERED: readonly string[] = [
  'session policies (passed when a role is assumed or a federated session begins) can only narrow a session further',
  'VPC endpoint policies can deny requests made through an endpoint',
  'request context: conditions on the network (aws:SourceIp, aws:SourceVpce), time, MFA, encryption context, aliases (kms:RequestAlias, kms:ResourceAliases), tags and the calling service (kms:ViaService) are reported as conditional, not judged',
  'principals of other accounts and AWS service principals: see the key policy findings for them',
  'whether an explicit Deny stops a KMS grant: grants are reported as given',
];

/** Matching of a resource set against the key ARN: 0 no, 1 yes, 2 maybe (a key ARN with wildcards). */
type Match = 0 | 1 | 2;

function literalEnds(pattern: string): { prefix: string; suffix: string } {
  const first = pattern.search(/[*?]/);
  if (first < 0) return { prefix: pattern, suffix: pattern };
  let last = pattern.length - 1;
  while (last >= 0 && pattern[last] !== '*' && pattern[last] !== '?') last--;
  return { prefix: pattern.slice(0, first), suffix: pattern.slice(last + 1) };
}

function mayOverlap(a: string, b: string): boolean {
  const x = literalEnds(a);
  const y = literalEnds(b);
  return (x.prefix.startsWith(y.prefix) || y.prefix.startsWith(x.prefix)) && (x.suffix.endsWith(y.suffix) || y.suffix.endsWith(x.suffix));
}

function matchPattern(pattern: string, keyArn: string, keyIsPattern: boolean): Match {
  if (onlyWildcards(pattern)) return 1;
  if (!keyIsPattern) return globMatch(pattern, keyArn) ? 1 : 0;
  return mayOverlap(pattern, keyArn) ? 2 : 0;
}

function matchSet(set: ResourceSet, keyArn: string, keyIsPattern: boolean): Match {
  let best: Match = 0;
  for (const v of set.values) {
    const m = matchPattern(v, keyArn, keyIsPattern);
    if (m === 1) {
      best = 1;
      break;
    }
    if (m === 2) best = 2;
  }
  if (!set.negated) return best;
  return best === 1 ? 0 : best === 0 ? 1 : 2;
}

function matchAll(sets: readonly ResourceSet[], keyArn: string): Uint8Array {
  const keyIsPattern = /[*?]/.test(keyArn);
  const out = new Uint8Array(sets.length);
  for (let i = 0; i < sets.length; i++) out[i] = matchSet(sets[i] as ResourceSet, keyArn, keyIsPattern);
  return out;
}

/** Access as two sets: actions surely allowed, and actions allowed at most (under conditions). */
interface Access {
  any: ActionSet;
  sure: ActionSet;
}

const NONE_ACCESS: Access = { any: NO_ACTIONS, sure: NO_ACTIONS };
const FULL_ACCESS: Access = { any: ALL_ACTIONS, sure: ALL_ACTIONS };

/** A contribution to the answer, kept only to name it in `via`. */
interface Candidate {
  via: Omit<AccessVia, 'decides'>;
  actions: ActionSet;
  deny: boolean;
}

/** How a key policy Allow reaches principals: through IAM (the account) or directly, and whether it names the role's ARN. */
interface KeyPolicyGrant {
  grant: PolicyGrant;
  delegated: boolean;
  namesArn: boolean;
  conditional: boolean;
}

interface KeyPolicyDeny {
  st: ParsedStatement;
  generic: boolean;
}

/** What is worked out once per key, before the principals. */
interface KeyRun {
  model: AccountModel;
  accountId: string;
  keyArn: string;
  resMatch: Uint8Array;
  /** Allows that reach every principal of the account (the account, `*`, the organisation). */
  generic: KeyPolicyGrant[];
  /** Allows naming one principal by ARN. */
  byArn: Map<string, KeyPolicyGrant[]>;
  /** Allows naming a class to test against each principal (patterns, tags, sessions…). */
  classes: KeyPolicyGrant[];
  denies: KeyPolicyDeny[];
  grantsByArn: Map<string, KeyGrant[]>;
  accountGrants: KeyGrant[];
  org: CompiledOrg | undefined;
  orgMatch: Uint8Array | undefined;
  scpApplies: boolean;
  rcpApplies: boolean;
  orgId: string | undefined;
}

function statementsByIndex(key: KeyToJudge): Map<number, ParsedStatement> {
  const out = new Map<number, ParsedStatement>();
  for (const st of key.analysis.policy?.statements ?? []) out.set(st.index, st);
  return out;
}

function writtenPrincipal(st: ParsedStatement | undefined, g: PolicyGrant): PrincipalClass | undefined {
  if (!st) return undefined;
  if (st.principalNegated) return { kind: 'anyone', id: 'anyone', label: 'anyone' };
  return st.principals.find((p) => p.path === g.path)?.principal;
}

const ARN_SUBTYPES = new Set(['role', 'user', 'service-linked-role', 'root-user']);

function classifyGrants(run: KeyRun, key: KeyToJudge): void {
  const statements = statementsByIndex(key);
  for (const entry of key.analysis.summary.entries) {
    const cls = entry.principal;
    for (const g of entry.grants) {
      const written = writtenPrincipal(statements.get(g.statementIndex), g);
      const delegated = written?.kind === 'account' && written.account === run.accountId;
      const namesArn = written?.kind === 'principal' && written.subtype !== 'pattern' && ARN_SUBTYPES.has(written.subtype);
      const kpg: KeyPolicyGrant = { grant: g, delegated, namesArn, conditional: g.level === 'conditional' };
      switch (cls.kind) {
        case 'anyone':
          run.generic.push(kpg);
          break;
        case 'account':
          if (cls.account === run.accountId) run.generic.push(kpg);
          break;
        case 'organization':
          // Whether the account is in that organisation is known only with its id.
          run.generic.push(run.orgId !== undefined && cls.orgId === run.orgId ? kpg : { ...kpg, conditional: true });
          break;
        case 'service':
          break;
        case 'principal':
          if (ARN_SUBTYPES.has(cls.subtype)) {
            if (cls.account !== undefined && cls.account !== run.accountId) break;
            const list = run.byArn.get(cls.name);
            if (list) list.push(kpg);
            else run.byArn.set(cls.name, [kpg]);
          } else run.classes.push(kpg);
          break;
      }
    }
  }
}

function classifyDenies(run: KeyRun, key: KeyToJudge): void {
  for (const st of key.analysis.policy?.statements ?? []) {
    if (st.effect !== 'Deny' || st.actions === NO_ACTIONS) continue;
    // As the summary does: a Deny is relied on only where its Resource surely covers the key.
    if (resourceApplies(st.resources, st.resourceNegated, run.keyArn.includes('*') ? undefined : run.keyArn) !== 'yes') continue;
    const generic = !st.principalNegated && st.principals.every((p) => p.principal.kind === 'anyone' || (p.principal.kind === 'account' && p.principal.account === run.accountId)) && !dependsOnWho(st.conditions);
    run.denies.push({ st, generic });
  }
}

/** A role session ARN of the role (`arn:P:sts::A:assumed-role/NAME/…` for `arn:P:iam::A:role/…/NAME`). */
function isSessionOfRole(session: string, role: string): boolean {
  const s = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(session);
  const r = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(role);
  return s !== null && r !== null && s[1] === r[1] && s[2] === r[2] && s[3] === r[3];
}

function classifyKeyGrants(run: KeyRun, grants: readonly KeyGrant[]): void {
  const root = `arn:${partitionOf(run)}:iam::${run.accountId}:root`;
  for (const g of grants) {
    const grantee = g.granteePrincipal;
    if (grantee === undefined) continue;
    if (grantee === root || grantee === run.accountId) {
      run.accountGrants.push(g);
      continue;
    }
    if (accountOfArn(grantee) !== run.accountId) continue;
    const list = run.grantsByArn.get(grantee);
    if (list) list.push(g);
    else run.grantsByArn.set(grantee, [g]);
  }
}

function partitionOf(run: KeyRun): string {
  return /^arn:([^:]+):/.exec(run.keyArn)?.[1] ?? 'aws';
}

function grantActions(g: KeyGrant): ActionSet {
  let set = NO_ACTIONS;
  for (const op of g.operations) set = union(set, actionBit(op.replace(/^kms:/i, '')));
  return set;
}

function grantConstrained(g: KeyGrant): boolean {
  const c = g.constraints;
  return c !== undefined && (Object.keys(c.encryptionContextSubset ?? {}).length > 0 || Object.keys(c.encryptionContextEquals ?? {}).length > 0);
}

/** Union of the access a list of judged statements allows and denies for the key. */
interface PolicySide {
  allow: Access;
  denySure: ActionSet;
  denyAny: ActionSet;
}

function sideOf(statements: readonly JudgedStatement[], resMatch: Uint8Array, via: Candidate[] | undefined): PolicySide {
  let allowAny = NO_ACTIONS;
  let allowSure = NO_ACTIONS;
  let denySure = NO_ACTIONS;
  let denyAny = NO_ACTIONS;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i] as JudgedStatement;
    const m = resMatch[s.res];
    if (m === 0) continue;
    if (s.effect === 'Allow') {
      allowAny = union(allowAny, s.any);
      if (m === 1) allowSure = union(allowSure, s.sure);
    } else {
      denyAny = union(denyAny, s.any);
      if (m === 1) denySure = union(denySure, s.sure);
    }
    if (via) via.push({ via: viaOf(s.ref, s.effect), actions: s.any, deny: s.effect === 'Deny' });
  }
  return { allow: { any: allowAny, sure: allowSure }, denySure, denyAny };
}

function viaOf(ref: { source: AccessVia['source']; policy?: string; statementIndex?: number; sid?: string }, effect: 'Allow' | 'Deny'): Omit<AccessVia, 'decides'> {
  const v: Omit<AccessVia, 'decides'> = { source: ref.source, effect };
  if (ref.policy !== undefined) v.policy = ref.policy;
  if (ref.statementIndex !== undefined) v.statementIndex = ref.statementIndex;
  if (ref.sid !== undefined) v.sid = ref.sid;
  return v;
}

function and(a: Access, b: Access): Access {
  return { any: intersect(a.any, b.any), sure: intersect(a.sure, b.sure) };
}

function or(a: Access, b: Access): Access {
  return { any: union(a.any, b.any), sure: union(a.sure, b.sure) };
}

function without(a: Access, denySure: ActionSet, denyAny: ActionSet): Access {
  return { any: minus(a.any, denySure), sure: minus(a.sure, union(denySure, denyAny)) };
}

/** The principal as conditions see it, with the organisation's id when it is known. */
function subjectOf(p: PrincipalModel, orgId: string | undefined): Subject {
  return orgId === undefined ? p.subject : { cls: p.subject.cls, orgId };
}

/** How a key policy class relates to the principal. */
function relation(cls: PrincipalClass, p: PrincipalModel): 'in' | 'maybe' | 'no' {
  if (contains(cls, p.subject.cls)) return 'in';
  if (cls.kind === 'principal' && cls.subtype === 'assumed-role' && isSessionOfRole(cls.name, p.arn)) return 'maybe';
  return mayContain(cls, p.subject.cls) ? 'maybe' : 'no';
}

/** What the key policy allows the principal: through IAM, directly, and directly by naming its ARN. */
interface KeyPolicySide {
  delegated: Access;
  direct: Access;
  namesArn: Access;
}

function addKeyPolicyGrant(side: KeyPolicySide, kpg: KeyPolicyGrant, conditional: boolean, via: Candidate[] | undefined): void {
  const a: Access = { any: kpg.grant.actions, sure: conditional || kpg.conditional ? NO_ACTIONS : kpg.grant.actions };
  if (kpg.delegated) side.delegated = or(side.delegated, a);
  else if (kpg.namesArn) side.namesArn = or(side.namesArn, a);
  else side.direct = or(side.direct, a);
  if (via) {
    const g = kpg.grant;
    const allow: Omit<AccessVia, 'decides'> = { source: 'key-policy', effect: 'Allow', statementIndex: g.statementIndex };
    if (g.sid !== undefined) allow.sid = g.sid;
    via.push({ via: allow, actions: g.actions, deny: false });
    for (const d of [...g.carvedBy, ...g.limitedBy]) via.push({ via: { source: 'key-policy', effect: 'Deny', statementIndex: d }, actions: g.actions, deny: true });
  }
}

function keyPolicySide(run: KeyRun, p: PrincipalModel, via: Candidate[] | undefined): KeyPolicySide {
  const side: KeyPolicySide = { delegated: NONE_ACCESS, direct: NONE_ACCESS, namesArn: NONE_ACCESS };
  for (const kpg of run.generic) addKeyPolicyGrant(side, kpg, false, via);
  const named = run.byArn.get(p.arn);
  if (named) for (const kpg of named) addKeyPolicyGrant(side, kpg, false, via);
  for (const kpg of run.classes) {
    const rel = relation(kpg.grant.principal, p);
    if (rel !== 'no') addKeyPolicyGrant(side, kpg, rel === 'maybe', via);
  }
  return side;
}

function denyPrincipalMatch(st: ParsedStatement, p: PrincipalModel): 'yes' | 'maybe' | 'no' {
  let inside = false;
  let maybe = false;
  for (const e of st.principals) {
    const rel = relation(e.principal, p);
    if (rel === 'in') inside = true;
    else if (rel === 'maybe') maybe = true;
  }
  if (st.principalNegated) return inside ? 'no' : maybe ? 'maybe' : 'yes';
  return inside ? 'yes' : maybe ? 'maybe' : 'no';
}

function keyPolicyDenies(run: KeyRun, p: PrincipalModel, via: Candidate[] | undefined): { denySure: ActionSet; denyAny: ActionSet } {
  let denySure = NO_ACTIONS;
  let denyAny = NO_ACTIONS;
  for (const d of run.denies) {
    const match = d.generic ? 'yes' : denyPrincipalMatch(d.st, p);
    if (match === 'no') continue;
    const j = judgeConditions(d.st.conditions, subjectOf(p, run.orgId));
    const actions = minus(d.st.actions, j.never);
    if (actions === NO_ACTIONS) continue;
    denyAny = union(denyAny, actions);
    if (match === 'yes' && j.holds) denySure = union(denySure, actions);
    if (via) {
      const v: Omit<AccessVia, 'decides'> = { source: 'key-policy', effect: 'Deny', statementIndex: d.st.index };
      if (d.st.sid !== undefined) v.sid = d.st.sid;
      via.push({ via: v, actions, deny: true });
    }
  }
  return { denySure, denyAny };
}

function grantSide(run: KeyRun, p: PrincipalModel, identity: Access, via: Candidate[] | undefined): Access {
  let any = NO_ACTIONS;
  let sure = NO_ACTIONS;
  const add = (g: KeyGrant, conditional: boolean, limit: Access): void => {
    const actions = grantActions(g);
    const a = intersect(actions, limit.any);
    if (a === NO_ACTIONS) return;
    any = union(any, a);
    if (!conditional && !grantConstrained(g)) sure = union(sure, intersect(actions, limit.sure));
    if (via) via.push({ via: { source: 'grant', effect: 'Allow', grantId: g.grantId }, actions: a, deny: false });
  };
  for (const g of run.grantsByArn.get(p.arn) ?? []) add(g, false, FULL_ACCESS);
  if (p.type === 'role') {
    for (const [grantee, gs] of run.grantsByArn) if (isSessionOfRole(grantee, p.arn)) for (const g of gs) add(g, true, FULL_ACCESS);
  }
  // A grant to the account: its principals need IAM permission to use it, as with a key policy Allow to the account.
  for (const g of run.accountGrants) add(g, false, identity);
  return { any, sure };
}

/** What the SCPs (or RCPs) allow the principal at every level, and what they deny. */
function orgSide(levels: CompiledOrg['scpLevels'], orgMatch: Uint8Array, p: PrincipalModel, accountId: string, orgId: string | undefined, via: Candidate[] | undefined): PolicySide {
  let allow: Access = FULL_ACCESS;
  let denySure = NO_ACTIONS;
  let denyAny = NO_ACTIONS;
  for (const level of levels) {
    let levelAny = NO_ACTIONS;
    let levelSure = NO_ACTIONS;
    for (const st of level.statements) {
      const m = orgMatch[st.res];
      if (m === 0) continue;
      const j = judgeOrgStatement(st, subjectOf(p, orgId), p.arn, accountId);
      if (j.any === NO_ACTIONS) continue;
      const sure = m === 1 ? j.sure : NO_ACTIONS;
      if (st.effect === 'Allow') {
        levelAny = union(levelAny, j.any);
        levelSure = union(levelSure, sure);
        // An Allow of the organisation is named only where it leaves access conditional.
        if (via && minus(j.any, sure) !== NO_ACTIONS) via.push({ via: viaOf(st.ref, 'Allow'), actions: minus(j.any, sure), deny: false });
      } else {
        denyAny = union(denyAny, j.any);
        denySure = union(denySure, sure);
        if (via) via.push({ via: viaOf(st.ref, 'Deny'), actions: j.any, deny: true });
      }
    }
    allow = and(allow, { any: levelAny, sure: levelSure });
  }
  return { allow, denySure, denyAny };
}

/** The principal's access to the key, with the candidates for `via` when asked for. */
function accessOf(run: KeyRun, p: PrincipalModel, via: Candidate[] | undefined): Access {
  const kp = keyPolicySide(run, p, via);
  const identity: PolicySide = p.type === 'root' ? { allow: FULL_ACCESS, denySure: NO_ACTIONS, denyAny: NO_ACTIONS } : sideOf(p.identity, run.resMatch, via);
  const boundary: PolicySide | undefined = p.boundary ? sideOf(p.boundary, run.resMatch, via) : undefined;
  const bounded = boundary ? and(identity.allow, boundary.allow) : identity.allow;
  const namesArn = boundary && p.type === 'role' ? and(kp.namesArn, boundary.allow) : kp.namesArn;
  let allowed = or(or(and(kp.delegated, bounded), kp.direct), namesArn);
  const kpDeny = keyPolicyDenies(run, p, via);
  const denySure = union(union(kpDeny.denySure, identity.denySure), boundary?.denySure ?? NO_ACTIONS);
  const denyAny = union(union(kpDeny.denyAny, identity.denyAny), boundary?.denyAny ?? NO_ACTIONS);
  allowed = without(allowed, denySure, denyAny);
  let total = or(allowed, grantSide(run, p, bounded, via));
  if (run.org && run.orgMatch) {
    if (run.scpApplies && !p.serviceLinked) {
      const scp = orgSide(run.org.scpLevels, run.orgMatch, p, run.accountId, run.orgId, via);
      total = without(and(total, scp.allow), scp.denySure, scp.denyAny);
    }
    if (run.rcpApplies && !p.serviceLinked) {
      const rcp = orgSide(run.org.rcpLevels, run.orgMatch, p, run.accountId, run.orgId, via);
      total = without(and(total, rcp.allow), rcp.denySure, rcp.denyAny);
    }
  }
  return total;
}

function levelOf(a: Access, mask: ActionSet): EffectiveLevel {
  if (!hasAny(a.any, mask)) return 'none';
  return hasAny(a.sure, mask) ? 'unconditional' : 'conditional';
}

function decidesOf(c: Candidate, final: Access): ('use' | 'administer')[] {
  const scope = c.deny ? c.actions : intersect(c.actions, final.any);
  const out: ('use' | 'administer')[] = [];
  if (hasAny(scope, USE)) out.push('use');
  if (hasAny(scope, ADMINISTER)) out.push('administer');
  return out;
}

function viaList(candidates: readonly Candidate[], final: Access): AccessVia[] {
  const seen = new Set<string>();
  const out: AccessVia[] = [];
  for (const c of candidates) {
    const decides = decidesOf(c, final);
    if (decides.length === 0) continue;
    const v: AccessVia = { ...c.via, decides };
    const id = JSON.stringify(v);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(v);
  }
  return out;
}

function incompleteReasons(account: { problems: readonly string[] }, key: KeyToJudge, org: OrganizationPolicies | undefined, compiledOrg: CompiledOrg | undefined, keyAccount: string | undefined, accountId: string): string[] {
  const out: string[] = [];
  if (keyAccount !== undefined && keyAccount !== accountId) out.push(`the key is in account ${keyAccount}, the IAM details are of account ${accountId}: no principal of the key's account is judged`);
  if (!key.analysis.policy) out.push('the key policy could not be read, so nobody can be said to have access or not');
  else if (key.analysis.findings.some((f) => f.checkId === 'INVALID_POLICY') || key.analysis.internalErrors.length > 0) out.push('some key policy statements could not be read (see INVALID_POLICY) and are left out of this answer');
  if (key.grants === undefined) out.push(`the key's grants are unknown${key.grantsUnknownReason ? ` (${key.grantsUnknownReason})` : ''}: principals may have access through grants not shown here`);
  if (org === undefined) out.push('the organisation policies (SCPs, RCPs) were not read: they may deny some of this access, and are not assumed absent');
  else if (!org.readable) out.push(`the organisation policies (SCPs, RCPs) could not be read${org.reason ? ` (${org.reason})` : ''}: they may deny some of this access`);
  if (compiledOrg) out.push(...compiledOrg.problems);
  if (account.problems.length > 0) {
    const shown = account.problems.slice(0, 5);
    out.push(...shown.map((p) => `IAM details: ${p}`));
    if (account.problems.length > shown.length) out.push(`IAM details: ${account.problems.length - shown.length} more problems like these`);
  }
  return out;
}

export const effectiveAccess: EffectiveAccessFn = (account, key, org): EffectiveAccess => {
  const model = modelOf(account);
  const keyAccount = accountOfArn(key.arn);
  const orgReadable = org !== undefined && org.readable && org.inOrganization;
  const compiledOrg = orgReadable ? compileOrg(org) : undefined;
  const reasons = incompleteReasons(account, key, org, compiledOrg, keyAccount, account.accountId);
  const result: EffectiveAccess = { complete: reasons.length === 0, incompleteReasons: reasons, notCovered: [...NOT_COVERED], principals: [] };
  if (!key.analysis.policy || (keyAccount !== undefined && keyAccount !== account.accountId)) return result;
  const run: KeyRun = {
    model,
    accountId: account.accountId,
    keyArn: key.arn,
    resMatch: matchAll(model.resourceSets, key.arn),
    generic: [],
    byArn: new Map(),
    classes: [],
    denies: [],
    grantsByArn: new Map(),
    accountGrants: [],
    org: compiledOrg,
    orgMatch: compiledOrg ? matchAll(compiledOrg.resourceSets, key.arn) : undefined,
    scpApplies: orgReadable && !org.isManagementAccount,
    rcpApplies: orgReadable && !org.isManagementAccount,
    orgId: org?.organizationId,
  };
  classifyGrants(run, key);
  classifyDenies(run, key);
  if (key.grants) classifyKeyGrants(run, key.grants);
  for (const p of model.principals) {
    const access = accessOf(run, p, undefined);
    const use = levelOf(access, USE);
    const administer = levelOf(access, ADMINISTER);
    if (use === 'none' && administer === 'none') continue;
    const candidates: Candidate[] = [];
    accessOf(run, p, candidates);
    const ep: EffectivePrincipal = { arn: p.arn, type: p.type, use, administer, via: viaList(candidates, access) };
    if (p.assumableBy) ep.assumableBy = [...p.assumableBy];
    result.principals.push(ep);
  }
  return result;
};
