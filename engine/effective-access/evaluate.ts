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
import { ALL_ACTIONS, CLASS_MASKS, NO_ACTIONS, hasAny, intersect, minus, union, type ActionSet } from '../actions';
import type { Grant as PolicyGrant } from '../access-summary';
import type { ParsedStatement } from '../parse-policy';
import { contains, mayContain, patternsMayOverlap } from '../principal-sets';
import { accountOfArn, partitionOfArn, type PrincipalClass } from '../principals';
import { resourceApplies } from '../resources';
import { globMatch, onlyWildcards } from '../glob';
import type { KeyGrant } from '../key-grants';
import { grantActions, isConstrained } from '../grant-access';
import { modelOf, rejudgedForOrg, type AccountModel, type JudgedStatement, type PrincipalModel, type ResourceSet } from './compile';
import { dependsOnWho, judgeConditions, type Subject } from './judge';
import { compileOrg, judgeOrgStatement, type CompiledOrg } from './org';
import type { AccessVia, EffectiveAccess, EffectiveAccessFn, EffectiveLevel, EffectivePrincipal, KeyToJudge, OrganizationPolicies } from './types';
import { accessVia, nextStamp, viaSource, type ViaSource } from './via';
import { valueClassRelation } from './who-values';

/** Any cryptographic action. */
const USE: ActionSet = CLASS_MASKS.cryptographic;
/** Any administrative action, grant management (CreateGrant, RevokeGrant…) included. */
const ADMINISTER: ActionSet = union(CLASS_MASKS.administration, CLASS_MASKS.grant);

export const NOT_COVERED: readonly string[] = [
  'session policies (passed when a role is assumed or a federated session begins) can only narrow a session further',
  'VPC endpoint policies can deny requests made through an endpoint',
  'request context: conditions on the network (aws:SourceIp, aws:SourceVpce), time, MFA, encryption context, aliases (kms:RequestAlias, kms:ResourceAliases), tags and the calling service (kms:ViaService) are reported as conditional, not judged',
  "a role's session: its name (in aws:userid) and session tags (which override the role's own tags in aws:PrincipalTag) are not known, so conditions on them leave a role's access conditional",
  'policy variables in Resource (${aws:username}, ${aws:PrincipalTag/…}) take their values from the request: such a statement applies conditionally',
  'principals of other accounts and AWS service principals: see the key policy findings for them',
  'whether an explicit Deny stops a KMS grant: grants are reported as given',
];

/** Matching of a resource set against the key ARN: 0 no, 1 yes, 2 maybe (a key ARN with wildcards). */
type Match = 0 | 1 | 2;

/** `${…}` policy variables (and the `${*}`, `${?}`, `${$}` escapes), each read as a wildcard. */
const VARIABLE = /\$\{[^}]*\}/g;

function matchPattern(pattern: string, keyArn: string, keyIsPattern: boolean): Match {
  if (onlyWildcards(pattern)) return 1;
  // A policy variable takes its value from the request (the caller's tags, name, account): where the pattern
  // could match the key with some value, it matches under conditions the inputs cannot know.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
  if (pattern.includes('${')) {
    const wild = pattern.replace(VARIABLE, '*');
    return (keyIsPattern ? patternsMayOverlap(wild, keyArn) : globMatch(wild, keyArn)) ? 2 : 0;
  }
  if (!keyIsPattern) return globMatch(pattern, keyArn) ? 1 : 0;
  return patternsMayOverlap(pattern, keyArn) ? 2 : 0;
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

/**
 * The elements that took part in one principal's answer, to name them in `via`: parallel lists reused from one
 * principal to the next (most principals are judged without building anything).
 */
class Collector {
  srcs: ViaSource[] = [];
  acts: ActionSet[] = [];
  deny: boolean[] = [];
  n = 0;

  add(src: ViaSource, actions: ActionSet, deny: boolean): void {
    const i = this.n++;
    this.srcs[i] = src;
    this.acts[i] = actions;
    this.deny[i] = deny;
  }
}

/** How a key policy Allow reaches principals: through IAM (the account) or directly, and whether it names the role's ARN. */
interface KeyPolicyGrant {
  grant: PolicyGrant;
  delegated: boolean;
  namesArn: boolean;
  conditional: boolean;
  src: ViaSource;
  /** The Denies that carved or limited it. */
  denySrcs: ViaSource[];
}

interface KeyPolicyDeny {
  st: ParsedStatement;
  src: ViaSource;
  /** The judgement when it is the same for every principal of the account. */
  generic?: { any: ActionSet; sure: ActionSet };
}

/** What is worked out once per key, before the principals. */
interface KeyRun {
  model: AccountModel;
  accountId: string;
  keyArn: string;
  resMatch: Uint8Array;
  /** Allows that reach every principal of the account (the account, `*`, the organisation). */
  generic: KeyPolicyGrant[];
  /** What the generic Allows add up to, and the elements they name: the same for every principal. */
  genericWork: Work;
  genericVia: Collector;
  /** Allows naming one principal by ARN. */
  byArn: Map<string, KeyPolicyGrant[]>;
  /** The same, by lower-cased ARN. */
  byLowerArn: Map<string, KeyPolicyGrant[]>;
  /** Allows naming a class to test against each principal (patterns, tags, sessions…). */
  classes: KeyPolicyGrant[];
  denies: KeyPolicyDeny[];
  grantsByArn: Map<string, KeyGrant[]>;
  /** Grants to a session of a role, by the role's `account:name`. */
  sessionGrants: Map<string, KeyGrant[]>;
  accountGrants: KeyGrant[];
  grantSrcs: Map<KeyGrant, ViaSource>;
  kpSrcs: Map<string, ViaSource>;
  org: CompiledOrg | undefined;
  orgMatch: Uint8Array | undefined;
  scpApplies: boolean;
  rcpApplies: boolean;
  /** The account's organisation: its id, null when it is in none, undefined when not known. */
  orgId: string | null | undefined;
  /** The organisation's verdict when it is the same for every principal of the account (no condition on who). */
  orgShared: OrgVerdict | undefined;
}

/** What the SCPs or RCPs allow and deny, with the elements to name. */
interface OrgVerdict {
  allowAny: ActionSet;
  allowSure: ActionSet;
  denyAny: ActionSet;
  denySure: ActionSet;
  srcs: ViaSource[];
  acts: ActionSet[];
  deny: boolean[];
}

function statementsByIndex(key: KeyToJudge): Map<number, ParsedStatement> {
  const out = new Map<number, ParsedStatement>();
  for (const st of key.analysis.policy?.statements ?? []) out.set(st.index, st);
  return out;
}

const ANYONE_WRITTEN: PrincipalClass = { kind: 'anyone', id: 'anyone', label: 'anyone' };

function writtenPrincipal(st: ParsedStatement | undefined, g: PolicyGrant): PrincipalClass | undefined {
  if (!st) return undefined;
  if (st.principalNegated) return ANYONE_WRITTEN;
  return st.principals.find((p) => p.path === g.path)?.principal;
}

const ARN_SUBTYPES = new Set(['role', 'user', 'service-linked-role', 'root-user']);

function kpSource(run: KeyRun, effect: 'Allow' | 'Deny', index: number, sid: string | undefined): ViaSource {
  const id = `${effect}:${index}`;
  let src = run.kpSrcs.get(id);
  if (!src) {
    src = viaSource('key-policy', effect, sid === undefined ? { statementIndex: index } : { statementIndex: index, sid });
    run.kpSrcs.set(id, src);
  }
  return src;
}

function classifyGrants(run: KeyRun, key: KeyToJudge, statements: Map<number, ParsedStatement>): void {
  for (const entry of key.analysis.summary.entries) {
    const cls = entry.principal;
    for (const g of entry.grants) {
      const written = writtenPrincipal(statements.get(g.statementIndex), g);
      const delegated = written?.kind === 'account' && written.account === run.accountId;
      const namesArn = written?.kind === 'principal' && ARN_SUBTYPES.has(written.subtype);
      const denySrcs = [...g.carvedBy, ...g.limitedBy].map((d) => kpSource(run, 'Deny', d, statements.get(d)?.sid));
      const kpg: KeyPolicyGrant = { grant: g, delegated, namesArn, conditional: g.level === 'conditional', src: kpSource(run, 'Allow', g.statementIndex, g.sid), denySrcs };
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
            fileUnder(run.byArn, cls.name, kpg);
            fileUnder(run.byLowerArn, cls.name.toLowerCase(), kpg);
          } else run.classes.push(kpg);
          break;
      }
    }
  }
}

function fileUnder<T>(map: Map<string, T[]>, at: string, item: T): void {
  const list = map.get(at);
  if (list) list.push(item);
  else map.set(at, [item]);
}

function classifyDenies(run: KeyRun, key: KeyToJudge): void {
  for (const st of key.analysis.policy?.statements ?? []) {
    if (st.effect !== 'Deny' || st.actions === NO_ACTIONS) continue;
    // As the summary does: a Deny is relied on only where its Resource surely covers the key.
    if (resourceApplies(st.resources, st.resourceNegated, run.keyArn.includes('*') ? undefined : run.keyArn) !== 'yes') continue;
    const deny: KeyPolicyDeny = { st, src: kpSource(run, 'Deny', st.index, st.sid) };
    const everyone = !st.principalNegated && st.principals.every((p) => p.principal.kind === 'anyone' || (p.principal.kind === 'account' && p.principal.account === run.accountId));
    if (everyone && !dependsOnWho(st.conditions)) {
      const j = judgeConditions(st.conditions, run.orgId === undefined ? { cls: ANYONE_WRITTEN } : { cls: ANYONE_WRITTEN, orgId: run.orgId });
      const any = minus(st.actions, j.never);
      deny.generic = { any, sure: intersect(any, j.sure) };
    }
    run.denies.push(deny);
  }
}

const SESSION = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//;
const ROLE = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** `partition:account:name` of a role ARN, the key its sessions are filed under. */
function roleKey(roleArn: string): string | undefined {
  const r = ROLE.exec(roleArn);
  return r ? `${r[1]}:${r[2]}:${r[3]}` : undefined;
}

function classifyKeyGrants(run: KeyRun, grants: readonly KeyGrant[]): void {
  const root = `arn:${partitionOfArn(run.keyArn) || 'aws'}:iam::${run.accountId}:root`;
  for (const g of grants) {
    const grantee = g.granteePrincipal;
    if (grantee === undefined) continue;
    if (grantee === root || grantee === run.accountId) {
      run.accountGrants.push(g);
      continue;
    }
    if (accountOfArn(grantee) !== run.accountId) continue;
    const s = SESSION.exec(grantee);
    const map = s ? run.sessionGrants : run.grantsByArn;
    const at = s ? `${s[1]}:${s[2]}:${s[3]}` : grantee;
    const list = map.get(at);
    if (list) list.push(g);
    else map.set(at, [g]);
  }
}

function grantSource(run: KeyRun, g: KeyGrant): ViaSource {
  let src = run.grantSrcs.get(g);
  if (!src) {
    src = viaSource('grant', 'Allow', { grantId: g.grantId });
    run.grantSrcs.set(g, src);
  }
  return src;
}

/**
 * Working sets of one principal's evaluation, reused from one principal to the next: `any` is what may be
 * allowed (under conditions), `sure` what is allowed whatever the request.
 */
class Work {
  // Identity policies (or the root user's full permissions).
  idAny = NO_ACTIONS;
  idSure = NO_ACTIONS;
  // The permission boundary (everything when there is none).
  bAny = ALL_ACTIONS;
  bSure = ALL_ACTIONS;
  // Denies of the key policy, identity policies and boundary.
  dAny = NO_ACTIONS;
  dSure = NO_ACTIONS;
  // Key policy: through IAM, direct, and direct by the role's own ARN.
  delAny = NO_ACTIONS;
  delSure = NO_ACTIONS;
  dirAny = NO_ACTIONS;
  dirSure = NO_ACTIONS;
  arnAny = NO_ACTIONS;
  arnSure = NO_ACTIONS;
  // The answer.
  any = NO_ACTIONS;
  sure = NO_ACTIONS;
}

function addKeyPolicyGrant(w: Work, kpg: KeyPolicyGrant, conditional: boolean, c: Collector): void {
  const a = kpg.grant.actions;
  const sure = conditional || kpg.conditional ? NO_ACTIONS : a;
  if (kpg.delegated) {
    w.delAny = union(w.delAny, a);
    w.delSure = union(w.delSure, sure);
  } else if (kpg.namesArn) {
    w.arnAny = union(w.arnAny, a);
    w.arnSure = union(w.arnSure, sure);
  } else {
    w.dirAny = union(w.dirAny, a);
    w.dirSure = union(w.dirSure, sure);
  }
  c.add(kpg.src, a, false);
  for (let i = 0; i < kpg.denySrcs.length; i++) c.add(kpg.denySrcs[i] as ViaSource, a, true);
}

const RELATIONS = ['in', 'in', 'maybe', 'no'] as const;

/** How a key policy class relates to the principal, remembered per account (the same classes recur across keys). */
function relation(model: AccountModel, cls: PrincipalClass, p: PrincipalModel): 'in' | 'maybe' | 'no' {
  let known = model.relations.get(cls.id);
  if (!known) {
    known = new Uint8Array(model.principals.length);
    model.relations.set(cls.id, known);
  }
  let r = known[p.index] as number;
  if (r === 0) {
    const rel = computeRelation(cls, p);
    r = rel === 'in' ? 1 : rel === 'maybe' ? 2 : 3;
    known[p.index] = r;
  }
  return RELATIONS[r] as 'in' | 'maybe' | 'no';
}

function computeRelation(cls: PrincipalClass, p: PrincipalModel): 'in' | 'maybe' | 'no' {
  if (contains(cls, p.subject.cls)) return 'in';
  const byValue = p.subject.identity && valueClassRelation(cls, p.subject.identity);
  if (byValue) return byValue;
  if (cls.kind === 'principal' && cls.subtype === 'assumed-role' && p.type === 'role' && roleKey(p.arn) !== undefined) {
    const s = SESSION.exec(cls.name);
    if (s && `${s[1]}:${s[2]}:${s[3]}` === roleKey(p.arn)) return 'maybe';
  }
  return mayContain(cls, p.subject.cls) ? 'maybe' : 'no';
}

/** Adds up the Allows that reach every principal, once per key. */
function sumGeneric(run: KeyRun): void {
  const w = run.genericWork;
  for (let i = 0; i < run.generic.length; i++) addKeyPolicyGrant(w, run.generic[i] as KeyPolicyGrant, false, run.genericVia);
}

function keyPolicyAllows(run: KeyRun, p: PrincipalModel, w: Work, c: Collector): void {
  const g = run.genericWork;
  w.delAny = g.delAny;
  w.delSure = g.delSure;
  w.dirAny = g.dirAny;
  w.dirSure = g.dirSure;
  w.arnAny = g.arnAny;
  w.arnSure = g.arnSure;
  const gv = run.genericVia;
  for (let i = 0; i < gv.n; i++) c.add(gv.srcs[i] as ViaSource, gv.acts[i] as ActionSet, gv.deny[i] as boolean);
  const named = run.byArn.get(p.arn);
  if (named) for (let i = 0; i < named.length; i++) addKeyPolicyGrant(w, named[i] as KeyPolicyGrant, false, c);
  // An ARN the summary took from an aws:PrincipalArn condition under StringEqualsIgnoreCase may differ from the
  // principal's in letter case only; the operator is no longer known here, so such a match is conditional.
  const alike = run.byLowerArn.get(p.arn.toLowerCase());
  if (alike) for (let i = 0; i < alike.length; i++) if (!named?.includes(alike[i] as KeyPolicyGrant)) addKeyPolicyGrant(w, alike[i] as KeyPolicyGrant, true, c);
  for (let i = 0; i < run.classes.length; i++) {
    const kpg = run.classes[i] as KeyPolicyGrant;
    const rel = relation(run.model, kpg.grant.principal, p);
    if (rel !== 'no') addKeyPolicyGrant(w, kpg, rel === 'maybe', c);
  }
}

/** The principal as conditions see it, with the organisation's id when it is known. */
function subjectOf(p: PrincipalModel, orgId: string | null | undefined): Subject {
  return orgId === undefined ? p.subject : { ...p.subject, orgId };
}

/**
 * Whether a NotPrincipal entry spares the principal from a Deny: only a principal named itself is spared. The
 * account (its root ARN or id) spares the root user, not the account's roles and users: "NotPrincipal
 * [user/Bob, account root]" with Deny denies everyone except Bob. A role named by its ARN is taken as spared
 * (AWS also asks for the session's ARN; sparing more can only show more access); a named session spares that
 * session only.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
 */
function sparedBy(cls: PrincipalClass, p: PrincipalModel, accountId: string): 'in' | 'maybe' | 'no' {
  switch (cls.kind) {
    case 'anyone':
      return 'in';
    case 'account':
      return p.type === 'root' && cls.account === accountId ? 'in' : 'no';
    case 'principal':
      if (cls.name === p.arn) return 'in';
      if (cls.subtype === 'assumed-role' && p.type === 'role') {
        const s = SESSION.exec(cls.name);
        return s && `${s[1]}:${s[2]}:${s[3]}` === roleKey(p.arn) ? 'maybe' : 'no';
      }
      return 'no';
    default:
      return 'no';
  }
}

/**
 * Whether a Deny with NotPrincipal applies to the principal. "The NotPrincipal element with a Deny effect will
 * always deny any IAM principal that has a permissions boundary policy attached, regardless of the values
 * specified in the NotPrincipal element." (access_policies_boundaries)
 */
function notPrincipalMatch(run: KeyRun, st: ParsedStatement, p: PrincipalModel): 'yes' | 'maybe' | 'no' {
  if (p.hasBoundary) return 'yes';
  let maybe = false;
  for (const e of st.principals) {
    const spared = sparedBy(e.principal, p, run.accountId);
    if (spared === 'in') return 'no';
    if (spared === 'maybe') maybe = true;
  }
  return maybe ? 'maybe' : 'yes';
}

function denyPrincipalMatch(run: KeyRun, st: ParsedStatement, p: PrincipalModel): 'yes' | 'maybe' | 'no' {
  if (st.principalNegated) return notPrincipalMatch(run, st, p);
  const model = run.model;
  let inside = false;
  let maybe = false;
  for (const e of st.principals) {
    const rel = relation(model, e.principal, p);
    if (rel === 'in') inside = true;
    else if (rel === 'maybe') maybe = true;
  }
  return inside ? 'yes' : maybe ? 'maybe' : 'no';
}

function keyPolicyDenies(run: KeyRun, p: PrincipalModel, w: Work, c: Collector): void {
  for (let i = 0; i < run.denies.length; i++) {
    const d = run.denies[i] as KeyPolicyDeny;
    let any: ActionSet;
    let sure: ActionSet;
    if (d.generic) {
      any = d.generic.any;
      sure = d.generic.sure;
    } else {
      const match = denyPrincipalMatch(run, d.st, p);
      if (match === 'no') continue;
      const j = judgeConditions(d.st.conditions, subjectOf(p, run.orgId));
      any = minus(d.st.actions, j.never);
      sure = match === 'yes' ? intersect(any, j.sure) : NO_ACTIONS;
    }
    if (any === NO_ACTIONS) continue;
    w.dAny = union(w.dAny, any);
    w.dSure = union(w.dSure, sure);
    c.add(d.src, any, true);
  }
}

/** Adds what judged statements allow (to `allow`) and deny (to the Work's denies) for this key. */
function identitySide(run: KeyRun, p: PrincipalModel, statements: readonly JudgedStatement[], w: Work, boundary: boolean, c: Collector, nameAllows: boolean): void {
  const resMatch = run.resMatch;
  let allowAny = NO_ACTIONS;
  let allowSure = NO_ACTIONS;
  for (let i = 0; i < statements.length; i++) {
    const written = statements[i] as JudgedStatement;
    const m = resMatch[written.res];
    if (m === 0) continue;
    const s = written.org && run.orgId !== undefined ? rejudgedForOrg(written, p.subject, run.orgId) : written;
    if (!s) continue;
    if (s.effect === 'Allow') {
      allowAny = union(allowAny, s.any);
      if (m === 1) allowSure = union(allowSure, s.sure);
      if (nameAllows) c.add(s.ref, s.any, false);
    } else {
      w.dAny = union(w.dAny, s.any);
      if (m === 1) w.dSure = union(w.dSure, s.sure);
      c.add(s.ref, s.any, true);
    }
  }
  if (boundary) {
    w.bAny = allowAny;
    w.bSure = allowSure;
  } else {
    w.idAny = allowAny;
    w.idSure = allowSure;
  }
}

function addGrant(run: KeyRun, w: Work, g: KeyGrant, conditional: boolean, limitAny: ActionSet, limitSure: ActionSet, c: Collector): void {
  const actions = grantActions(g);
  const a = intersect(actions, limitAny);
  if (a === NO_ACTIONS) return;
  w.any = union(w.any, a);
  if (!conditional && !isConstrained(g)) w.sure = union(w.sure, intersect(actions, limitSure));
  c.add(grantSource(run, g), a, false);
}

function grants(run: KeyRun, p: PrincipalModel, w: Work, c: Collector): void {
  const own = run.grantsByArn.get(p.arn);
  if (own) for (const g of own) addGrant(run, w, g, false, ALL_ACTIONS, ALL_ACTIONS, c);
  if (p.type === 'role' && run.sessionGrants.size > 0) {
    const k = roleKey(p.arn);
    const sessions = k === undefined ? undefined : run.sessionGrants.get(k);
    if (sessions) for (const g of sessions) addGrant(run, w, g, true, ALL_ACTIONS, ALL_ACTIONS, c);
  }
  // A grant to the account: its principals need IAM permission to use it, as with a key policy Allow to the account.
  for (const g of run.accountGrants) addGrant(run, w, g, false, intersect(w.idAny, w.bAny), intersect(w.idSure, w.bSure), c);
}

/** What the SCPs (or RCPs) say for a principal: every level must allow, and a Deny at any level denies. */
function orgVerdict(levels: CompiledOrg['scpLevels'], orgMatch: Uint8Array, subject: Subject, arn: string, accountId: string): OrgVerdict {
  const v: OrgVerdict = { allowAny: ALL_ACTIONS, allowSure: ALL_ACTIONS, denyAny: NO_ACTIONS, denySure: NO_ACTIONS, srcs: [], acts: [], deny: [] };
  for (const level of levels) {
    let levelAny = NO_ACTIONS;
    let levelSure = NO_ACTIONS;
    for (const st of level.statements) {
      const m = orgMatch[st.res];
      if (m === 0) continue;
      const j = judgeOrgStatement(st, subject, arn, accountId);
      if (j.any === NO_ACTIONS) continue;
      const sure = m === 1 ? j.sure : NO_ACTIONS;
      if (st.effect === 'Allow') {
        levelAny = union(levelAny, j.any);
        levelSure = union(levelSure, sure);
        // An Allow of the organisation is named only where it leaves access conditional.
        const conditionalPart = minus(j.any, sure);
        if (conditionalPart !== NO_ACTIONS) {
          v.srcs.push(st.ref);
          v.acts.push(conditionalPart);
          v.deny.push(false);
        }
      } else {
        v.denyAny = union(v.denyAny, j.any);
        v.denySure = union(v.denySure, sure);
        v.srcs.push(st.ref);
        v.acts.push(j.any);
        v.deny.push(true);
      }
    }
    v.allowAny = intersect(v.allowAny, levelAny);
    v.allowSure = intersect(v.allowSure, levelSure);
  }
  return v;
}

function applyOrgVerdict(v: OrgVerdict, w: Work, c: Collector): void {
  for (let i = 0; i < v.srcs.length; i++) {
    const deny = v.deny[i] as boolean;
    const acts = v.acts[i] as ActionSet;
    c.add(v.srcs[i] as ViaSource, deny ? intersect(acts, w.any) : acts, deny);
  }
  w.any = minus(intersect(w.any, v.allowAny), v.denySure);
  w.sure = minus(intersect(w.sure, v.allowSure), union(v.denySure, v.denyAny));
}

/** The SCPs' and RCPs' verdicts, shared by the account's principals unless a condition depends on who calls. */
function applyOrg(run: KeyRun, p: PrincipalModel, w: Work, c: Collector): void {
  const org = run.org as CompiledOrg;
  const match = run.orgMatch as Uint8Array;
  if (!org.whoDependent) {
    run.orgShared ??= combinedVerdict(run, org, match, p);
    applyOrgVerdict(run.orgShared, w, c);
    return;
  }
  applyOrgVerdict(combinedVerdict(run, org, match, p), w, c);
}

function combinedVerdict(run: KeyRun, org: CompiledOrg, match: Uint8Array, p: PrincipalModel): OrgVerdict {
  const subject = subjectOf(p, run.orgId);
  const scp = run.scpApplies ? orgVerdict(org.scpLevels, match, subject, p.arn, run.accountId) : undefined;
  const rcp = run.rcpApplies ? orgVerdict(org.rcpLevels, match, subject, p.arn, run.accountId) : undefined;
  if (!scp) return rcp ?? orgVerdict([], match, subject, p.arn, run.accountId);
  if (!rcp) return scp;
  return {
    allowAny: intersect(scp.allowAny, rcp.allowAny),
    allowSure: intersect(scp.allowSure, rcp.allowSure),
    denyAny: union(scp.denyAny, rcp.denyAny),
    denySure: union(scp.denySure, rcp.denySure),
    srcs: [...scp.srcs, ...rcp.srcs],
    acts: [...scp.acts, ...rcp.acts],
    deny: [...scp.deny, ...rcp.deny],
  };
}

/** Whether anything of the key (its policy, its grants) can reach the principal at all. */
function mayReach(run: KeyRun, p: PrincipalModel): boolean {
  return run.generic.length > 0 || run.classes.length > 0 || run.accountGrants.length > 0 || run.byArn.has(p.arn) || run.byLowerArn.has(p.arn.toLowerCase()) || run.grantsByArn.has(p.arn) || (run.sessionGrants.size > 0 && p.type === 'role');
}

/** Identity-policy Allows decide something only through a key policy or grant that delegates to IAM. */
function nameIdentity(run: KeyRun, w: Work): boolean {
  return w.delAny !== NO_ACTIONS || run.accountGrants.length > 0;
}

/** The principal's access to the key, left in `w.any` / `w.sure`; the elements that took part in `c`. */
function evaluate(run: KeyRun, p: PrincipalModel, w: Work, c: Collector): void {
  c.n = 0;
  w.dAny = w.dSure = NO_ACTIONS;
  keyPolicyAllows(run, p, w, c);
  if (p.type === 'root') {
    // The root user's permissions are not set by identity policies: it holds all of them.
    w.idAny = w.idSure = ALL_ACTIONS;
  } else identitySide(run, p, p.identity, w, false, c, nameIdentity(run, w));
  if (p.boundary) identitySide(run, p, p.boundary, w, true, c, true);
  else w.bAny = w.bSure = ALL_ACTIONS;
  keyPolicyDenies(run, p, w, c);
  // A boundary cuts what identity policies give and a key policy Allow naming the role's ARN; not one naming a user.
  const arnAny = p.boundary && p.type === 'role' ? intersect(w.arnAny, w.bAny) : w.arnAny;
  const arnSure = p.boundary && p.type === 'role' ? intersect(w.arnSure, w.bSure) : w.arnSure;
  const allowedAny = union(union(intersect(w.delAny, intersect(w.idAny, w.bAny)), w.dirAny), arnAny);
  const allowedSure = union(union(intersect(w.delSure, intersect(w.idSure, w.bSure)), w.dirSure), arnSure);
  w.any = minus(allowedAny, w.dSure);
  w.sure = minus(allowedSure, union(w.dSure, w.dAny));
  grants(run, p, w, c);
  if (run.org && run.orgMatch && !p.serviceLinked && (run.scpApplies || run.rcpApplies)) applyOrg(run, p, w, c);
}

function levelOf(any: ActionSet, sure: ActionSet, mask: ActionSet): EffectiveLevel {
  if (!hasAny(any, mask)) return 'none';
  return hasAny(sure, mask) ? 'unconditional' : 'conditional';
}

function viaList(c: Collector, finalAny: ActionSet): AccessVia[] {
  const out: AccessVia[] = [];
  const stamp = nextStamp();
  for (let i = 0; i < c.n; i++) {
    const acts = c.acts[i] as ActionSet;
    const scope = c.deny[i] ? acts : intersect(acts, finalAny);
    const mask = (hasAny(scope, USE) ? 1 : 0) | (hasAny(scope, ADMINISTER) ? 2 : 0);
    if (mask === 0) continue;
    const src = c.srcs[i] as ViaSource;
    if (src.stamp === stamp) continue;
    src.stamp = stamp;
    out.push(accessVia(src, mask as 1 | 2 | 3));
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

/** The organisation of the account's principals, as conditions see it (undefined: not known). */
function orgOf(org: OrganizationPolicies | undefined): string | null | undefined {
  if (org === undefined || !org.readable) return undefined;
  return org.inOrganization ? org.organizationId : null;
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
    genericWork: new Work(),
    genericVia: new Collector(),
    byArn: new Map(),
    byLowerArn: new Map(),
    classes: [],
    denies: [],
    grantsByArn: new Map(),
    sessionGrants: new Map(),
    accountGrants: [],
    grantSrcs: new Map(),
    kpSrcs: new Map(),
    org: compiledOrg,
    orgMatch: compiledOrg ? matchAll(compiledOrg.resourceSets, key.arn) : undefined,
    scpApplies: orgReadable && !org.isManagementAccount,
    rcpApplies: orgReadable && !org.isManagementAccount,
    orgId: orgOf(org),
    orgShared: undefined,
  };
  classifyGrants(run, key, statementsByIndex(key));
  sumGeneric(run);
  classifyDenies(run, key);
  if (key.grants) classifyKeyGrants(run, key.grants);
  const w = new Work();
  const c = new Collector();
  for (const p of model.principals) {
    if (!mayReach(run, p)) continue;
    evaluate(run, p, w, c);
    const use = levelOf(w.any, w.sure, USE);
    const administer = levelOf(w.any, w.sure, ADMINISTER);
    if (use === 'none' && administer === 'none') continue;
    const ep: EffectivePrincipal = { arn: p.arn, type: p.type, use, administer, via: viaList(c, w.any) };
    // Shared by the answers of every key, and frozen.
    if (p.assumableBy) ep.assumableBy = p.assumableBy;
    result.principals.push(ep);
  }
  return result;
};
