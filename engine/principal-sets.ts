/**
 * Set relations between principal classes, used to apply who-narrowing conditions and Deny statements.
 *
 * "may contain" is deliberately generous where membership cannot be known from the policy alone (which
 * accounts belong to an organisation, which account a unique id lives in): a Deny then spares the
 * principal and an Allow keeps it, so uncertainty never removes access from the summary.
 */
import {
  accountClass,
  accountOfArn,
  namedClass,
  orgClass,
  parseAwsPrincipal,
  partitionOfArn,
  serviceClass,
  type PrincipalClass,
} from './principals';
import { RESOURCE_ACCOUNT, RESOURCE_ORG, type ParsedCondition } from './conditions';
import { globMatch } from './glob';

/** Surely every member of `inner` is in `outer`. */
export function contains(outer: PrincipalClass, inner: PrincipalClass): boolean {
  if (outer.id === inner.id) return true;
  switch (outer.kind) {
    case 'anyone':
      return true;
    case 'account':
      return inner.kind === 'principal' && inner.account === outer.account;
    case 'organization':
      return false;
    case 'principal':
      if (inner.kind !== 'principal') return false;
      // The same principal or group, with or without the account it was found to belong to.
      if (outer.name === inner.name) return outer.account === undefined || outer.account === inner.account;
      if (outer.subtype === 'role' && inner.subtype === 'assumed-role') return isSessionOf(inner.name, outer.name);
      return outer.subtype === 'pattern' && inner.subtype !== 'pattern' && (globMatch(outer.name, inner.name) || sessionMatches(outer.name, inner.name));
    case 'service':
      // "Any AWS service principal" holds every named service.
      return outer.service === '*' && inner.kind === 'service';
  }
}

/** `arn:P:sts::A:assumed-role/NAME/session` is a session of `arn:P:iam::A:role/[path/]NAME`. */
function isSessionOf(session: string, role: string): boolean {
  const s = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(session);
  const r = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(role);
  return s !== null && r !== null && s[1] === r[1] && s[2] === r[2] && s[3] === r[3];
}

/** An ARN pattern on roles (`…:role/Adm*`) also holds the sessions of the roles it matches. */
function sessionMatches(pattern: string, session: string): boolean {
  const s = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(session);
  return s !== null && globMatch(pattern, `arn:${s[1]}:iam::${s[2]}:role/${s[3]}`);
}

/** Literal text before the first and after the last wildcard of an IAM pattern. */
function literalEnds(pattern: string): { prefix: string; suffix: string } {
  const first = pattern.search(/[*?]/);
  if (first < 0) return { prefix: pattern, suffix: pattern };
  let last = pattern.length - 1;
  while (last >= 0 && pattern[last] !== '*' && pattern[last] !== '?') last--;
  return { prefix: pattern.slice(0, first), suffix: pattern.slice(last + 1) };
}

/**
 * Whether two ARN patterns may match a common principal (or, for key ARNs, a common key). Compatible literal prefixes and suffixes are
 * taken as an overlap: that can only keep more access in view.
 */
export function patternsMayOverlap(a: string, b: string): boolean {
  const x = literalEnds(a);
  const y = literalEnds(b);
  const prefixesAgree = x.prefix.startsWith(y.prefix) || y.prefix.startsWith(x.prefix);
  const suffixesAgree = x.suffix.endsWith(y.suffix) || y.suffix.endsWith(x.suffix);
  return prefixesAgree && suffixesAgree;
}

/** Some member of `inner` may be in `outer` (membership unknown counts as yes). */
export function mayContain(outer: PrincipalClass, inner: PrincipalClass): boolean {
  if (contains(outer, inner)) return true;
  // Any account can tag its own principals or name a user so: such a group may hold anyone.
  if (isForgeableGroup(outer) && outer.kind === 'principal' && outer.account === undefined && inner.kind === 'anyone') return true;
  if (outer.kind === 'organization') return inner.kind === 'account' || inner.kind === 'principal' || inner.kind === 'organization';
  // A principal known only by an identifier without an account (aws:userid, a tag, a user name) may be in
  // any account. A unique id written in the Principal element is different: IAM shows it there in place of
  // an ARN once the role or user was deleted, and no principal created later can match it.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
  if (outer.kind === 'account' && inner.kind === 'principal' && inner.account === undefined) return inner.subtype !== 'unique-id';
  if (outer.kind === 'principal' && inner.kind === 'principal') {
    if (inner.subtype === 'pattern' && outer.subtype !== 'pattern') return globMatch(inner.name, outer.name);
    if (inner.subtype === 'pattern' && outer.subtype === 'pattern') return patternsMayOverlap(outer.name, inner.name);
  }
  return false;
}

/** The principals a who-condition's values stand for. */
export function conditionTargets(c: ParsedCondition): PrincipalClass[] {
  return c.values.map((v) => {
    switch (c.keyLower) {
      case 'aws:principalarn': {
        if (!v.includes('*') && !v.includes('?')) {
          const parsed = parseAwsPrincipal(v);
          if (parsed.ok) {
            const p = parsed.principal;
            if (p.kind === 'account') return namedClass('root-user', v, p.account, p.partition, `root user of account ${p.account}`);
            return p;
          }
        }
        const account = accountOfArn(v);
        // `…:role/*`, `…:*`, `…:role*`: every role (or principal) of that account, so the account itself.
        if (account && matchesWholeAccount(v)) return accountClass(account, partitionOfArn(v));
        return namedClass('pattern', v, account, undefined, `principals matching ${v}`);
      }
      case 'aws:principalaccount':
      case 'kms:calleraccount':
        return accountClass(v);
      case 'aws:principalorgid':
        return v === RESOURCE_ORG ? orgClass(RESOURCE_ORG, "the key owner's organisation") : orgClass(v);
      case 'aws:principalorgpaths':
        return orgClass(v.split('/')[0] ?? v);
      case 'aws:principalservicename':
        return serviceClass(v);
      case 'aws:userid': {
        // A root user's aws:userid is the account id; a federated user's is "account:name".
        const account = /^(\d{12})(:|$)/.exec(v)?.[1];
        return namedClass(v.includes('*') || v.includes('?') ? 'pattern' : 'userid', `userid:${v}`, account, undefined, `principals whose aws:userid matches ${v}`);
      }
      case 'aws:username':
        return namedClass('username', `username:${v}`, undefined, undefined, `IAM users named ${v}`);
      default:
        // aws:PrincipalTag/<key>
        return namedClass('tagged', `tag:${c.key.slice('aws:PrincipalTag/'.length)}=${v}`, undefined, undefined, `principals tagged ${c.key.slice('aws:PrincipalTag/'.length)}=${v}`);
    }
  });
}

/**
 * Whether an aws:PrincipalArn pattern with a literal account matches every role or user of it: the part
 * after the resource type is made of wildcards only, or the resource type itself is a wildcard.
 */
function matchesWholeAccount(arnPattern: string): boolean {
  const resource = /^arn:[^:]*:(?:iam|sts)::\d{12}:(.*)$/.exec(arnPattern)?.[1] ?? '';
  const typed = /^(role|user|assumed-role|federated-user)\/(.*)$/.exec(resource);
  if (!typed) return resource !== 'root';
  return /^[*?/]*$/.test(typed[2] ?? '');
}

/**
 * Whether a Deny that spares `survivor` spares every principal of `cls`. Where `cls` merely overlaps it,
 * the overlap is carved out as a class of its own (principalAtoms), so `cls` itself is not spared; where
 * `cls` may lie wholly inside it (an account inside an organisation), it is (fail closed). A tag or user
 * name spans accounts, so such a group is never taken to lie inside one account.
 */
export function spares(survivor: PrincipalClass, cls: PrincipalClass): boolean {
  if (contains(survivor, cls)) return true;
  // Anyone can tag a principal of their own account or name a user so: sparing such a group spares anyone.
  if (cls.kind === 'anyone' && isForgeableGroup(survivor) && survivor.kind === 'principal' && survivor.account === undefined) return true;
  if (isForgeableGroup(cls) && cls.kind === 'principal' && cls.account === undefined) return false;
  return mayContain(survivor, cls) && !mayContain(cls, survivor);
}

/** A group any account can join by tagging its own principals or naming a user so. */
function isForgeableGroup(t: PrincipalClass): boolean {
  return t.kind === 'principal' && (t.subtype === 'tagged' || t.subtype === 'username');
}

/** A class defined by an identifier that names no account: a tag, a user name, an aws:userid value. */
function isAccountlessGroup(t: PrincipalClass): boolean {
  return t.kind === 'principal' && t.account === undefined && (isForgeableGroup(t) || t.subtype === 'userid' || t.name.startsWith('userid:'));
}

/**
 * Narrow class `c` by one condition target. Returns the narrowed class, `c` itself when the condition
 * cannot narrow it, or undefined when no member of `c` can satisfy the condition. Where the true answer is
 * an intersection the model cannot name (a role that must also carry a tag), the more concrete of the two
 * is kept: a superset, so access is never lost.
 */
function narrowTo(c: PrincipalClass, t: PrincipalClass): PrincipalClass | undefined {
  // Service principals are not IAM identities: principal keys are absent for them. Keep them (fail closed),
  // unless the condition names services.
  if (c.kind === 'service') return t.kind === 'service' ? narrowService(c, t) : c;
  if (t.kind === 'service') return c.kind === 'anyone' ? t : undefined;
  if (isAccountlessGroup(t)) {
    // Any account can tag its principals or name a user so: a tag or user name narrows nobody for anyone.
    if (isForgeableGroup(t) && (c.kind === 'anyone' || c.kind === 'organization')) return c;
    if (c.kind === 'account') return within(c, t);
    if (c.kind === 'principal') return c;
    return t;
  }
  // The narrower of the two when one surely holds the other, whichever order the conditions came in.
  if (contains(t, c)) return c;
  if (contains(c, t)) return within(c, t);
  if (mayContain(c, t)) return within(c, t);
  if (mayContain(t, c)) return c;
  // A group inside an account, met by a principal of that account: keep the principal.
  if (c.kind === 'principal' && t.kind === 'principal' && c.account !== undefined && c.account === t.account) return t;
  return undefined;
}

function narrowService(c: Extract<PrincipalClass, { kind: 'service' }>, t: Extract<PrincipalClass, { kind: 'service' }>): PrincipalClass | undefined {
  if (c.service === '*') return t;
  return t.service === '*' || t.service === c.service ? c : undefined;
}

export function within(outer: PrincipalClass, inner: PrincipalClass): PrincipalClass {
  if (outer.kind === 'account' && inner.kind === 'principal' && inner.account === undefined) {
    return { ...inner, account: outer.account, id: `${inner.id}@${outer.account}`, label: `${inner.label} (of account ${outer.account})` };
  }
  return inner;
}

/** Classes of `c` that remain after intersecting with any of `targets` (de-duplicated by id). */
export function narrowByTargets(c: PrincipalClass, targets: PrincipalClass[]): PrincipalClass[] {
  const out = new Map<string, PrincipalClass>();
  for (const t of targets) {
    const n = narrowTo(c, t);
    if (n) out.set(n.id, n);
  }
  return [...out.values()];
}

/** Principal subtypes whose every request carries aws:PrincipalArn and aws:PrincipalAccount with one value. */
const IAM_NAMED = new Set(['root-user', 'role', 'service-linked-role', 'user']);

/**
 * Whether an Allow's negated condition on who (`StringNotEquals aws:PrincipalAccount …`) is false for every
 * request any member of `cls` sends: the Allow grants that class nothing. Only where it is sure:
 * aws:PrincipalAccount of an account or of a principal of a known account, and aws:PrincipalArn of a named
 * role, user or root user under StringNotEqualsIgnoreCase only (a session's aws:PrincipalArn is its role's ARN,
 * whose path the session ARN does not show). A case-sensitive operator is not relied on: the letter case of
 * the ARN a Principal element names need not be that of the principal's aws:PrincipalArn (IAM names differ
 * in case only). Both keys are in every request an IAM principal sends, so …IfExists changes nothing. Set
 * qualifiers and other keys are never taken to exclude anyone.
 */
export function excludesEveryMember(c: ParsedCondition, cls: PrincipalClass, ownAccount: string | undefined): boolean {
  if (!c.negated || c.qualifier !== undefined) return false;
  const compare = valueComparison(c.base);
  if (compare === undefined) return false;
  if (c.keyLower === 'aws:principalarn') {
    return c.base === 'StringNotEqualsIgnoreCase' && cls.kind === 'principal' && cls.account !== undefined && IAM_NAMED.has(cls.subtype) && c.values.some((v) => compare(v, cls.name));
  }
  if (c.keyLower === 'aws:principalaccount') {
    const account = cls.kind === 'account' ? cls.account : cls.kind === 'principal' && (IAM_NAMED.has(cls.subtype) || cls.subtype === 'assumed-role') ? cls.account : undefined;
    if (account === undefined || !/^\d{12}$/.test(account)) return false;
    return c.values.some((v) => compare(v === RESOURCE_ACCOUNT && ownAccount !== undefined ? ownAccount : v, account));
  }
  return false;
}

type Comparison = (written: string, actual: string) => boolean;

/** How a negated string or ARN operator compares a written value with the request's: the match it negates. */
function valueComparison(base: string): Comparison | undefined {
  switch (base) {
    case 'StringNotEquals':
      return (w, a) => w === a;
    case 'StringNotEqualsIgnoreCase':
      return (w, a) => w.toLowerCase() === a.toLowerCase();
    case 'StringNotLike':
      return (w, a) => globMatch(w, a);
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return arnMatch;
    default:
      return undefined;
  }
}

/**
 * ArnEquals and ArnLike (and their negations) compare the six colon-separated fields one by one, each with
 * wildcards, case-sensitively: a wildcard never spans a colon between fields. The resource field, the last,
 * may itself hold colons.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
function arnMatch(pattern: string, arn: string): boolean {
  const p = arnFields(pattern);
  const a = arnFields(arn);
  if (p === undefined || a === undefined) return false;
  return p.every((field, i) => globMatch(field, a[i] as string));
}

function arnFields(arn: string): string[] | undefined {
  const fields = arn.split(':');
  if (fields.length < 6) return undefined;
  return [...fields.slice(0, 5), fields.slice(5).join(':')];
}

/**
 * Whether every request a Deny spares fails one of an Allow's negated conditions on who. A Deny whose
 * conditions are all negated conditions on who (`spared`, ANDed) spares a request only where one of them is
 * false: the request carries its key with a value matching one of its values. The Allow's condition on the
 * same key, negated too, is then false as well when each such value matches one of the Allow's: the Allow
 * gives nothing to whom the Deny spares, whatever principal sends the request. Judged on the written values,
 * never on principal classes. A value with a policy variable counts only when written alike under the same
 * operator.
 */
export function excludesEverySpared(allow: readonly ParsedCondition[], spared: readonly ParsedCondition[]): boolean {
  if (spared.length === 0) return false;
  return spared.every((d) => d.values.length > 0 && d.values.every((dv) => allow.some((a) => excludesSpared(a, d, dv))));
}

function excludesSpared(a: ParsedCondition, d: ParsedCondition, dv: string): boolean {
  if (!a.negated || a.qualifier !== undefined || a.keyLower !== d.keyLower) return false;
  const compare = valueComparison(a.base);
  if (compare === undefined || d.qualifier !== undefined) return false;
  if (dv.includes('${') || a.values.some((v) => v.includes('${'))) return a.base === d.base && a.values.includes(dv);
  // The one value a Deny spares under StringNotEquals, or under an ARN operator with no wildcard.
  const literal = d.base === 'StringNotEquals' || ((d.base === 'ArnNotEquals' || d.base === 'ArnNotLike') && !/[*?]/.test(dv));
  if (literal) return a.values.some((av) => compare(av, dv));
  // A pattern the Deny spares: only the same pattern under an operator that reads it the same way.
  const family = (base: string): string => (base === 'ArnNotEquals' || base === 'ArnNotLike' ? 'arn' : base);
  return (d.base === 'StringNotLike' || family(d.base) === 'arn') && family(a.base) === family(d.base) && a.values.includes(dv);
}
