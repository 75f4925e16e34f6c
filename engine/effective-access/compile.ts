/**
 * compileAccount: an account's IAM (GetAccountAuthorizationDetails) read and compiled once, to be judged
 * against every key of the account. Only statements that can concern a KMS key are kept (their Action or
 * NotAction covers a KMS action, their Resource or NotResource can match a key ARN); each managed policy and
 * each group is compiled once however many principals it is attached to.
 */
import { NO_ACTIONS, intersect, minus, type ActionSet } from '../actions';
import { globMatch, onlyWildcards } from '../glob';
import { namedClass, type PrincipalClass } from '../principals';
import { dependsOnOrg, dependsOnWho, judgeConditions, type Subject } from './judge';
import { readPolicyDocument, type ReadStatement } from './policy-document';
import type { KnownIdentity } from './who-values';
import type { AccessVia, CompileAccountFn, CompiledAccount } from './types';
import { viaSource, type ViaSource } from './via';


/** A statement kept for KMS keys, before its conditions are judged for a principal. */
export interface CompiledStatement {
  effect: 'Allow' | 'Deny';
  actions: ActionSet;
  /** Index of its Resource/NotResource in the account's resource sets. */
  res: number;
  read: ReadStatement;
  ref: ViaSource;
  /** The judgement, when the conditions do not depend on who the principal is. */
  shared?: JudgedStatement | null;
}

/** A statement judged for one principal: what it allows or denies surely (`sure`) and at most (`any`). */
export interface JudgedStatement {
  effect: 'Allow' | 'Deny';
  any: ActionSet;
  sure: ActionSet;
  res: number;
  ref: ViaSource;
  /**
   * Set when its conditions depend on the caller's organisation: judged here without it (the details do not
   * say), and again per organisation when a key is judged (rejudgedForOrg).
   */
  org?: CompiledStatement;
}

export interface PrincipalModel {
  /** Position in AccountModel.principals. */
  index: number;
  arn: string;
  type: 'role' | 'user' | 'root';
  subject: Subject;
  /** A service-linked role (path /aws-service-role/): SCPs do not apply to it. */
  serviceLinked: boolean;
  assumableBy?: string[];
  /** Identity-policy statements (all its policies, its groups' too); unused for the root user. */
  identity: JudgedStatement[];
  /** Permission boundary statements; undefined when it has no boundary. */
  boundary?: JudgedStatement[];
  boundaryArn?: string;
  /** A permissions boundary is attached, whether or not its document could be read. */
  hasBoundary: boolean;
}

/** Resource or NotResource of a statement: the same lists recur, so each is matched once per key. */
export interface ResourceSet {
  values: readonly string[];
  negated: boolean;
}

export interface AccountModel {
  /** Every role and user, then the root user, sorted by ARN. */
  principals: PrincipalModel[];
  byArn: Map<string, PrincipalModel>;
  resourceSets: ResourceSet[];
  resourceIndex: Map<string, number>;
  /**
   * How each principal class a key policy names relates to each principal (1 inside, 2 maybe, 3 not; 0 not yet
   * known), by class id: the same classes recur across the account's keys.
   */
  relations: Map<string, Uint8Array>;
}

const MODELS = new WeakMap<CompiledAccount, AccountModel>();

/** The compiled model behind a CompiledAccount; throws for an object compileAccount did not make. */
export function modelOf(account: CompiledAccount): AccountModel {
  const model = MODELS.get(account);
  if (!model) throw new Error('effectiveAccess needs an account compiled by compileAccount');
  return model;
}

const LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws when `details` is not GetAccountAuthorizationDetails output at all. */
function checkShape(details: unknown): asserts details is Record<string, unknown> {
  if (!isRecord(details)) {
    throw new Error('the IAM account authorization details must be a JSON object, as `aws iam get-account-authorization-details` prints it');
  }
  if (!LISTS.some((name) => details[name] !== undefined)) {
    throw new Error(`the IAM account authorization details have none of ${LISTS.join(', ')}: give the output of \`aws iam get-account-authorization-details\``);
  }
  for (const name of LISTS) {
    if (details[name] !== undefined && !Array.isArray(details[name])) throw new Error(`${name} must be an array, found ${typeof details[name]}`);
  }
}

/**
 * Whether an identity policy's Resource pattern can match some KMS key ARN (`arn:P:kms:R:A:key/ID`): the
 * literal text before its first wildcard must agree with that shape. Errs towards keeping a statement; the
 * exact match against each key's ARN is made per key.
 */
export function mayMatchKeyArn(written: string): boolean {
  // A policy variable may stand for any text (evaluate.ts judges it conditional).
  const pattern = written.replace(/\$\{[^}]*\}/g, '*');
  if (onlyWildcards(pattern)) return true;
  const first = pattern.search(/[*?]/);
  const literal = first < 0 ? pattern : pattern.slice(0, first);
  const fields = literal.split(':');
  const complete = first < 0 ? fields.length : fields.length - 1;
  const agrees = (i: number, whole: string): boolean => {
    const f = fields[i];
    if (f === undefined) return true;
    return i < complete ? f === whole : whole.startsWith(f);
  };
  if (!agrees(0, 'arn') || !agrees(2, 'kms')) return false;
  const resource = fields.slice(5).join(':');
  if (fields.length <= 5) return true;
  return first < 0 ? resource.startsWith('key/') : resource.startsWith('key/') || 'key/'.startsWith(resource);
}

function concernsKeys(st: ReadStatement): boolean {
  return st.actions !== NO_ACTIONS && (st.resourceNegated || st.resources.some(mayMatchKeyArn));
}

/** Reads and compiles the account. Problems are collected, never thrown, once the shape is right. */
class Compiler {
  readonly problems: string[] = [];
  readonly model: AccountModel = { principals: [], byArn: new Map(), resourceSets: [], resourceIndex: new Map(), relations: new Map() };
  private readonly managed = new Map<string, { raw: unknown; where: string }>();
  private readonly compiledManaged = new Map<string, CompiledStatement[] | undefined>();
  private readonly groups = new Map<string, { raw: Record<string, unknown>; where: string }>();
  private readonly compiledGroups = new Map<string, CompiledStatement[] | undefined>();

  constructor(
    readonly accountId: string,
    readonly partition: string,
  ) {}

  resourceSet(values: readonly string[], negated: boolean): number {
    const key = `${negated ? '!' : ''}${values.join('\u0000')}`;
    let i = this.model.resourceIndex.get(key);
    if (i === undefined) {
      i = this.model.resourceSets.length;
      this.model.resourceSets.push({ values, negated });
      this.model.resourceIndex.set(key, i);
    }
    return i;
  }

  /** The statements of a document that concern KMS keys, or undefined (with a problem) when it cannot be read. */
  compileDocument(raw: unknown, source: AccessVia['source'], policy: string, where: string): CompiledStatement[] | undefined {
    const read = readPolicyDocument(raw);
    if (!read.ok) {
      this.problems.push(`${where}: ${read.problem}; the principals it applies to are judged without it. Fix the document (or export the details again) and rerun.`);
      return undefined;
    }
    const out: CompiledStatement[] = [];
    for (const st of read.statements) {
      if (!concernsKeys(st)) continue;
      const ref = viaSource(source, st.effect, st.sid === undefined ? { policy, statementIndex: st.index } : { policy, statementIndex: st.index, sid: st.sid });
      const cs: CompiledStatement = { effect: st.effect, actions: st.actions, res: this.resourceSet(st.resources, st.resourceNegated), read: st, ref };
      out.push(cs);
    }
    return out;
  }

  indexPolicies(list: unknown[] | undefined): void {
    list?.forEach((p, i) => {
      const where = `Policies[${i}]`;
      if (!isRecord(p) || typeof p.Arn !== 'string') {
        this.problems.push(`${where}: a managed policy without an Arn; it cannot be matched to the principals it is attached to.`);
        return;
      }
      const versions = Array.isArray(p.PolicyVersionList) ? p.PolicyVersionList : [];
      const index = versions.findIndex((v) => isRecord(v) && (v.IsDefaultVersion === true || (p.DefaultVersionId !== undefined && v.VersionId === p.DefaultVersionId)));
      const version = versions[index];
      if (!isRecord(version)) {
        this.problems.push(`${where} (${p.Arn}): no default version in PolicyVersionList; export the details with the policies' versions.`);
        return;
      }
      this.managed.set(p.Arn, { raw: version.Document, where: `managed policy ${p.Arn} (${where}.PolicyVersionList[${index}].Document)` });
    });
  }

  indexGroups(list: unknown[] | undefined): void {
    list?.forEach((g, i) => {
      const where = `GroupDetailList[${i}]`;
      if (!isRecord(g) || typeof g.GroupName !== 'string') {
        this.problems.push(`${where}: a group without a GroupName; its users are judged without its policies.`);
        return;
      }
      this.groups.set(g.GroupName, { raw: g, where: `${where} (group ${g.GroupName})` });
    });
  }

  managedStatements(arn: string, whoAttaches: string): CompiledStatement[] | undefined {
    if (this.compiledManaged.has(arn)) return this.compiledManaged.get(arn);
    const found = this.managed.get(arn);
    let compiled: CompiledStatement[] | undefined;
    if (!found) {
      this.problems.push(`${whoAttaches}: the managed policy ${arn} is attached but not in the details' Policies list; export the details with all policy types (LocalManagedPolicy and AWSManagedPolicy).`);
    } else compiled = this.compileDocument(found.raw, 'identity-policy', arn, found.where);
    this.compiledManaged.set(arn, compiled);
    return compiled;
  }

  /** Inline and attached policies of a role, user or group. */
  ownStatements(entity: Record<string, unknown>, kind: 'role' | 'user' | 'group', name: string, where: string, inlineList: string): CompiledStatement[] {
    const out: CompiledStatement[] = [];
    const inline = entity[inlineList];
    if (inline !== undefined && !Array.isArray(inline)) this.problems.push(`${where}.${inlineList} is not a list; its inline policies are not judged.`);
    if (Array.isArray(inline)) {
      inline.forEach((p, i) => {
        const at = `${where}.${inlineList}[${i}]`;
        if (!isRecord(p) || typeof p.PolicyName !== 'string') {
          this.problems.push(`${at}: an inline policy without a PolicyName.`);
          return;
        }
        const compiled = this.compileDocument(p.PolicyDocument, 'identity-policy', `inline:${kind}/${name}/${p.PolicyName}`, `${at} (inline policy ${p.PolicyName} of ${kind} ${name}).PolicyDocument`);
        if (compiled) out.push(...compiled);
      });
    }
    const attached = entity.AttachedManagedPolicies;
    if (Array.isArray(attached)) {
      attached.forEach((a, i) => {
        if (!isRecord(a) || typeof a.PolicyArn !== 'string') {
          this.problems.push(`${where}.AttachedManagedPolicies[${i}] has no PolicyArn.`);
          return;
        }
        const compiled = this.managedStatements(a.PolicyArn, `${where} (${kind} ${name})`);
        if (compiled) out.push(...compiled);
      });
    }
    return out;
  }

  groupStatements(name: string, userWhere: string): CompiledStatement[] {
    if (this.compiledGroups.has(name)) return this.compiledGroups.get(name) ?? [];
    const g = this.groups.get(name);
    let compiled: CompiledStatement[] | undefined;
    if (!g) this.problems.push(`${userWhere}: member of group ${name}, which is not in GroupDetailList; export the details with groups.`);
    else compiled = this.ownStatements(g.raw, 'group', name, g.where, 'GroupPolicyList');
    this.compiledGroups.set(name, compiled);
    return compiled ?? [];
  }

  boundary(entity: Record<string, unknown>, where: string): { arn: string; statements: CompiledStatement[] } | undefined | 'unreadable' {
    const b = entity.PermissionsBoundary;
    if (b === undefined || b === null) return undefined;
    if (!isRecord(b) || typeof b.PermissionsBoundaryArn !== 'string') {
      this.problems.push(`${where}.PermissionsBoundary has no PermissionsBoundaryArn.`);
      return 'unreadable';
    }
    const found = this.managed.get(b.PermissionsBoundaryArn);
    if (!found) {
      this.problems.push(`${where}: the permissions boundary ${b.PermissionsBoundaryArn} is not in the details' Policies list; export the details with all policy types.`);
      return 'unreadable';
    }
    const compiled = this.compileDocument(found.raw, 'permissions-boundary', b.PermissionsBoundaryArn, found.where);
    return compiled ? { arn: b.PermissionsBoundaryArn, statements: compiled } : 'unreadable';
  }

  principal(entity: unknown, list: 'RoleDetailList' | 'UserDetailList', i: number): void {
    const where = `${list}[${i}]`;
    const type = list === 'RoleDetailList' ? 'role' : 'user';
    if (!isRecord(entity) || typeof entity.Arn !== 'string') {
      this.problems.push(`${where}: a ${type} without an Arn; it is left out.`);
      return;
    }
    const arn = entity.Arn;
    const name = typeof entity[type === 'role' ? 'RoleName' : 'UserName'] === 'string' ? (entity[type === 'role' ? 'RoleName' : 'UserName'] as string) : arn.split('/').pop() ?? arn;
    const statements = this.ownStatements(entity, type, name, where, type === 'role' ? 'RolePolicyList' : 'UserPolicyList');
    if (type === 'user' && Array.isArray(entity.GroupList)) {
      for (const g of entity.GroupList) if (typeof g === 'string') statements.push(...this.groupStatements(g, `${where} (user ${name})`));
    }
    const serviceLinked = type === 'role' && (arn.includes(':role/aws-service-role/') || entity.Path === '/aws-service-role/' || (typeof entity.Path === 'string' && entity.Path.startsWith('/aws-service-role/')));
    const cls: PrincipalClass = namedClass(serviceLinked ? 'service-linked-role' : type, arn, this.accountId, this.partition);
    const subject: Subject = { cls, identity: identityOf(entity, type, arn) };
    const boundary = this.boundary(entity, where);
    const model: PrincipalModel = { index: 0, arn, type, subject, serviceLinked, identity: judgeAll(statements, subject), hasBoundary: boundary !== undefined };
    // A boundary that cannot be read limits nothing we can show: judged as absent, and the answer says it is incomplete.
    if (boundary !== undefined && boundary !== 'unreadable') {
      model.boundary = judgeAll(boundary.statements, subject);
      model.boundaryArn = boundary.arn;
    }
    if (type === 'role') {
      const assumable = this.assumableBy(entity, where, name);
      if (assumable.length > 0) model.assumableBy = Object.freeze(assumable) as string[];
    }
    this.add(model);
  }

  add(model: PrincipalModel): void {
    if (this.model.byArn.has(model.arn)) {
      this.problems.push(`${model.arn} appears twice in the details; the first is kept.`);
      return;
    }
    this.model.byArn.set(model.arn, model);
    this.model.principals.push(model);
  }

  /** Who outside the account its trust policy lets become the role. */
  assumableBy(entity: Record<string, unknown>, where: string, roleName: string): string[] {
    const out = new Set<string>();
    // IAM Identity Center creates its roles as AWSReservedSSO_<permission set>_<id>, trusting its SAML provider.
    // https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html
    if (roleName.startsWith('AWSReservedSSO_')) out.add('IAM Identity Center');
    if (entity.AssumeRolePolicyDocument === undefined) return [...out];
    const read = readPolicyDocument(entity.AssumeRolePolicyDocument);
    if (!read.ok) {
      this.problems.push(`${where}.AssumeRolePolicyDocument (role ${roleName}): ${read.problem}; who can assume the role is unknown.`);
      return [...out];
    }
    for (const st of read.statements) {
      if (st.effect !== 'Allow' || !st.principals) continue;
      if (!st.actionNegated && !st.actionPatterns.some((a) => globMatch(a, 'sts:AssumeRole', true) || globMatch(a, 'sts:AssumeRoleWithSAML', true) || globMatch(a, 'sts:AssumeRoleWithWebIdentity', true))) continue;
      if (st.principalNegated) {
        out.add('* (NotPrincipal)');
        continue;
      }
      for (const [type, values] of Object.entries(st.principals)) {
        for (const v of values) {
          if (type === '*' || v === '*') out.add('*');
          else if (type === 'Federated') out.add(/:saml-provider\/AWSSSO_/.test(v) ? `IAM Identity Center (${v})` : v);
          else if (type === 'AWS' || type === 'CanonicalUser') {
            const account = /^\d{12}$/.test(v) ? v : /^arn:[^:]*:(?:iam|sts)::(\d{12}):/.exec(v)?.[1];
            if (account !== this.accountId) out.add(v);
          }
        }
      }
    }
    return [...out].sort();
  }
}

/** What conditions on aws:PrincipalArn, aws:userid, aws:username and aws:PrincipalTag see of a role or user. */
function identityOf(entity: Record<string, unknown>, type: 'role' | 'user', arn: string): KnownIdentity {
  if (type === 'role') {
    const id: KnownIdentity = { arn, userName: null, tags: 'session' };
    if (typeof entity.RoleId === 'string') id.userId = { prefix: `${entity.RoleId}:` };
    return id;
  }
  const id: KnownIdentity = { arn, userName: typeof entity.UserName === 'string' ? entity.UserName : null };
  if (typeof entity.UserId === 'string') id.userId = { exact: entity.UserId };
  if (Array.isArray(entity.Tags)) {
    const tags = new Map<string, string>();
    for (const t of entity.Tags) if (isRecord(t) && typeof t.Key === 'string' && typeof t.Value === 'string') tags.set(t.Key.toLowerCase(), t.Value);
    id.tags = tags;
  }
  return id;
}

/** Each statement judged for `subject`; a statement whose conditions do not depend on who is judged once. */
function judgeAll(statements: readonly CompiledStatement[], subject: Subject): JudgedStatement[] {
  const out: JudgedStatement[] = [];
  for (const cs of statements) {
    const judged = judgeFor(cs, subject);
    if (judged) out.push(judged);
  }
  return out;
}

export function judgeFor(cs: CompiledStatement, subject: Subject): JudgedStatement | undefined {
  if (cs.shared !== undefined) return cs.shared ?? undefined;
  const j = judgeConditions(cs.read.conditions, subject);
  const any = minus(cs.actions, j.never);
  const judged: JudgedStatement | null = any === NO_ACTIONS ? null : { effect: cs.effect, any, sure: intersect(any, j.sure), res: cs.res, ref: cs.ref };
  if (judged && dependsOnOrg(cs.read.conditions)) judged.org = cs;
  if (!dependsOnWho(cs.read.conditions)) cs.shared = judged;
  return judged ?? undefined;
}

/** Judgements of org-dependent statements, by statement and organisation (shared statements are judged once). */
const BY_ORG = new WeakMap<JudgedStatement, Map<string, JudgedStatement | null>>();

/**
 * `s` judged again for the caller's organisation (`null`: the account is in none); undefined when it then
 * does nothing. Remembered, so the identity policies are still judged once per principal, not once per key.
 */
export function rejudgedForOrg(s: JudgedStatement, subject: Subject, orgId: string | null): JudgedStatement | undefined {
  const cs = s.org as CompiledStatement;
  let known = BY_ORG.get(s);
  if (!known) {
    known = new Map();
    BY_ORG.set(s, known);
  }
  const at = orgId ?? '';
  let judged = known.get(at);
  if (judged === undefined) {
    const j = judgeConditions(cs.read.conditions, { ...subject, orgId });
    const any = minus(cs.actions, j.never);
    judged = any === NO_ACTIONS ? null : { effect: cs.effect, any, sure: intersect(any, j.sure), res: cs.res, ref: cs.ref };
    known.set(at, judged);
  }
  return judged ?? undefined;
}

export const compileAccount: CompileAccountFn = (details, options): CompiledAccount => {
  checkShape(details);
  if (!/^\d{12}$/.test(options.accountId)) throw new Error(`the account id must be 12 digits, found "${options.accountId}"`);
  const partition = options.partition ?? 'aws';
  const c = new Compiler(options.accountId, partition);
  c.indexPolicies(details.Policies as unknown[] | undefined);
  c.indexGroups(details.GroupDetailList as unknown[] | undefined);
  (details.RoleDetailList as unknown[] | undefined)?.forEach((r, i) => c.principal(r, 'RoleDetailList', i));
  (details.UserDetailList as unknown[] | undefined)?.forEach((u, i) => c.principal(u, 'UserDetailList', i));
  const principalCount = c.model.principals.length;
  const rootArn = `arn:${partition}:iam::${options.accountId}:root`;
  // The root user's aws:userid is the account id; it has no user name and no tags.
  const rootIdentity: KnownIdentity = { arn: rootArn, userId: { exact: options.accountId }, userName: null, tags: new Map() };
  c.add({ index: 0, arn: rootArn, type: 'root', subject: { cls: namedClass('root-user', rootArn, options.accountId, partition), identity: rootIdentity }, serviceLinked: false, identity: [], hasBoundary: false });
  c.model.principals.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  c.model.principals.forEach((p, i) => (p.index = i));
  const account: CompiledAccount = { accountId: options.accountId, partition, principalCount, problems: c.problems };
  MODELS.set(account, c.model);
  return account;
};
