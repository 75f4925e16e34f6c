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
  globMatch,
  namedClass,
  orgClass,
  parseAwsPrincipal,
  type PrincipalClass,
} from './principals';
import type { ParsedCondition } from './conditions';

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
      // The same principal, with or without the account it was found to belong to.
      if (outer.name === inner.name) return outer.account === undefined || outer.account === inner.account;
      return outer.subtype === 'pattern' && inner.subtype !== 'pattern' && globMatch(outer.name, inner.name);
    case 'service':
      return false;
  }
}

/** Some member of `inner` may be in `outer` (membership unknown counts as yes). */
export function mayContain(outer: PrincipalClass, inner: PrincipalClass): boolean {
  if (contains(outer, inner)) return true;
  // Any account can tag its own principals or name a user so: such a group may hold anyone.
  if (isGroupWithoutAccount(outer) && inner.kind === 'anyone') return true;
  if (outer.kind === 'organization') return inner.kind === 'account' || inner.kind === 'principal' || inner.kind === 'organization';
  // A principal known only by an identifier without an account (aws:userid, a tag, a user name) may be in
  // any account. A unique id written in the Principal element is different: IAM shows it there in place of
  // an ARN once the role or user was deleted, and no principal created later can match it.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
  if (outer.kind === 'account' && inner.kind === 'principal' && inner.account === undefined) return inner.subtype !== 'unique-id';
  if (outer.kind === 'principal' && inner.kind === 'principal' && inner.subtype === 'pattern' && outer.subtype !== 'pattern') {
    return globMatch(inner.name, outer.name);
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
        if (account && matchesWholeAccount(v)) return accountClass(account, /^arn:([^:]*):/.exec(v)?.[1]);
        return namedClass('pattern', v, account, undefined, `principals matching ${v}`);
      }
      case 'aws:principalaccount':
      case 'kms:calleraccount':
        return accountClass(v);
      case 'aws:principalorgid':
        return orgClass(v);
      case 'aws:principalorgpaths':
        return orgClass(v.split('/')[0] ?? v);
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

function isGroupWithoutAccount(t: PrincipalClass): boolean {
  return t.kind === 'principal' && (t.subtype === 'tagged' || t.subtype === 'username') && t.account === undefined;
}

/**
 * Narrow class `c` by one condition target. Returns the narrowed class, `c` itself when the condition
 * cannot narrow it, or undefined when no member of `c` can satisfy the condition.
 */
function narrowTo(c: PrincipalClass, t: PrincipalClass): PrincipalClass | undefined {
  // Service principals are not IAM identities: principal keys are absent for them. Keep them (fail closed).
  if (c.kind === 'service') return c;
  if (isGroupWithoutAccount(t) && t.kind === 'principal') {
    // Any account can create a user with that name or tag its own principals: no narrowing for anyone.
    if (c.kind === 'account') {
      return namedClass(t.subtype, `${c.account}:${t.name}`, c.account, c.partition, `${t.label} in account ${c.account}`);
    }
    return c;
  }
  if (mayContain(c, t)) return within(c, t);
  if (mayContain(t, c)) return c;
  return undefined;
}

/**
 * `inner` as a part of `outer`: a principal whose account is unknown (a unique id), taken out of an
 * account's class, can only be that account's principal.
 */
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
