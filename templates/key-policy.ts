/**
 * Turns a resolved template key policy that still holds `Unresolved` values into a concrete policy the engine
 * can judge, choosing for each unknown value what errs towards more access, never less:
 *
 * - In an Allow, an unknown principal is judged as **every principal of an unknown foreign account**
 *   (`arn:aws:iam::999999999999:root`), unless the known part of it pins the account (e.g. `Fn::GetAtt
 *   Role.Arn` of a role in the same template, or `arn:…:iam::${AWS::AccountId}:role/${Name}`): then it is a
 *   distinct named principal of that account (`…:role/unresolved-1`). Unknown actions become `kms:*`,
 *   unknown resources `*`, and a condition with an unknown value is dropped (the Allow then applies more widely),
 *   or, for StringLike/ArnLike with a pinned value, its unknown part becomes `*` (see unknownConditionFill).
 * - In a Deny (and in NotPrincipal / NotAction / NotResource of an Allow) the opposite holds: an unknown value
 *   is judged as one that matches nothing real, so the statement never takes access away on a guess.
 *
 * Each substitution is reported with its JSON path. Statement order and indexes are kept, so findings point
 * at the template's own statements.
 */
import { isRecord, setOwn } from './own-keys';
import { HOLE, Unresolved } from './resolve';

/** Stands for an account the template does not name (the owner of an unresolved principal). */
export const UNKNOWN_ACCOUNT = '999999999999';
const NO_ACTION = 'unresolved:NoAction';

export type Segments = (string | number)[];

export interface Substitution {
  path: Segments;
  reason: string;
  judgedAs: string;
}

export type ConcretePolicy = { ok: true; policy: unknown; substitutions: Substitution[] } | { ok: false; reason: string };

/**
 * How an unknown value of a condition key is judged: as the value under which the statement grants the most.
 * An Allow's condition is taken as true as widely as it could be, a Deny's as true as narrowly as it could be:
 *
 * | effect | operator (after ForAnyValue:/ForAllValues:, without IfExists)  | judged as                                   |
 * |--------|------------------------------------------------------------------|---------------------------------------------|
 * | Allow  | StringLike, ArnLike, pinned value (`arn:…:role/${Name}`)         | `*` for the unknown part: every name        |
 * | Allow  | anything else (Equals, Not…, Bool, Numeric…), or not pinned      | key dropped: the Allow is judged without it |
 * | Deny   | positive operator (Equals, Like, Bool, Numeric…)                 | `unresolved`: matches no real value         |
 * | Deny   | StringNotLike, ArnNotLike                                        | `*`: the negation is false for everyone     |
 * | Deny   | other negated operators (StringNotEquals, ArnNotEquals…)         | a condition that matches nothing            |
 * | Deny   | …IfExists or ForAllValues: (true when the key is absent)         | a condition that matches nothing            |
 *
 * In a Deny every row makes it apply to no one it need not: a Deny judged wider than it is would take away
 * access on a guess and hide a grant. A pinned Allow keeps its known part so the account it names still counts.
 */
export function unknownConditionFill(operator: string, allow: boolean, pinned: boolean): 'wildcard' | 'unresolved' | 'drop' | 'nothing' {
  const m = /^(?:(ForAnyValue|ForAllValues):)?(.*?)(IfExists)?$/i.exec(operator);
  const base = (m?.[2] ?? operator).toLowerCase();
  const wildcard = base === 'stringlike' || base === 'arnlike' || base === 'stringnotlike' || base === 'arnnotlike';
  const negated = base.includes('not');
  if (allow) return pinned && wildcard && !negated ? 'wildcard' : 'drop';
  if (m?.[3] !== undefined || m?.[1]?.toLowerCase() === 'forallvalues') return 'nothing';
  if (!negated) return 'unresolved';
  return wildcard ? 'wildcard' : 'nothing';
}

class Concretiser {
  readonly substitutions: Substitution[] = [];
  private counter = 0;
  constructor(private readonly partition: string) {}

  private note(path: Segments, u: Unresolved, judgedAs: string): string {
    this.substitutions.push({ path, reason: u.reason, judgedAs });
    return judgedAs;
  }

  /** An AWS principal: broad = may be anyone of an account; narrow = matches no real principal. */
  private awsPrincipal(u: Unresolved, broad: boolean, path: Segments): string {
    const name = () => `unresolved-${++this.counter}`;
    const m = u.partial === undefined ? null : /^arn:([^:]*):iam::(\d{12}):(.*)$/s.exec(u.partial);
    if (m !== null && m[1] !== undefined && !m[1].includes(HOLE) && m[3] !== undefined) {
      const rest = m[3] === HOLE ? (broad ? 'root' : `role/${name()}`) : m[3].split(HOLE).join(name());
      return this.note(path, u, `arn:${m[1]}:iam::${m[2]}:${rest}`);
    }
    return this.note(path, u, broad ? `arn:${this.partition}:iam::${UNKNOWN_ACCOUNT}:root` : `arn:${this.partition}:iam::${UNKNOWN_ACCOUNT}:role/${name()}`);
  }

  private principalValue(value: unknown, type: string, broad: boolean, path: Segments): unknown {
    const one = (v: unknown, p: Segments): unknown => {
      if (!(v instanceof Unresolved)) return v;
      if (type === 'AWS') return this.awsPrincipal(v, broad, p);
      const known = v.partial !== undefined && v.partial !== HOLE ? v.partial.split(HOLE).join('unresolved') : undefined;
      return this.note(p, v, known ?? (type === 'Service' ? 'unresolved.amazonaws.com' : 'unresolved'));
    };
    if (Array.isArray(value)) return value.map((v, i) => one(v, [...path, i]));
    return one(value, path);
  }

  private principal(value: unknown, broad: boolean, path: Segments): unknown {
    if (value instanceof Unresolved) return { AWS: this.awsPrincipal(value, broad, [...path]) };
    if (!isRecord(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([type, v]) => [type, this.principalValue(v, type, broad, [...path, type])]));
  }

  private list(value: unknown, path: Segments, replacement: string): unknown {
    const one = (v: unknown, p: Segments) => (v instanceof Unresolved ? this.note(p, v, replacement) : v);
    return Array.isArray(value) ? value.map((v, i) => one(v, [...path, i])) : one(value, path);
  }

  private condition(value: unknown, allow: boolean, path: Segments): unknown {
    // A condition that matches nothing real: it keeps a Deny from applying to anyone it need not.
    const nothing = { 'aws:PrincipalTag/unresolved': 'unresolved' };
    if (value instanceof Unresolved) {
      this.note(path, value, allow ? 'no condition: the Allow is judged unconditional' : 'a condition that matches nothing');
      return allow ? undefined : { StringEquals: nothing };
    }
    if (!isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    let matchNothing = false;
    for (const [operator, block] of Object.entries(value)) {
      const p = [...path, operator];
      if (block instanceof Unresolved) {
        this.note(p, block, allow ? 'dropped: the Allow is judged without it' : 'a condition that matches nothing');
        if (!allow) setOwn(out, operator, nothing);
        continue;
      }
      if (!isRecord(block)) {
        setOwn(out, operator, block);
        continue;
      }
      const keys: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(block)) {
        const values: unknown[] = Array.isArray(v) ? v : [v];
        const unknown = values.filter((x): x is Unresolved => x instanceof Unresolved);
        if (unknown.length === 0) {
          setOwn(keys, key, v);
          continue;
        }
        const pinned = unknown.every((x) => x.partial !== undefined && x.partial !== HOLE);
        const fill = unknownConditionFill(operator, allow, pinned);
        if (fill === 'drop') {
          this.note([...p, key], unknown[0] as Unresolved, 'dropped: the Allow is judged without this condition key');
          continue;
        }
        if (fill === 'nothing') {
          this.note([...p, key], unknown[0] as Unresolved, 'a condition that matches nothing: the Deny is judged to apply to no one');
          matchNothing = true;
          continue;
        }
        // The known part (an ARN in the key's account with an unknown name) is kept: it still says whose
        // principal or resource it is, which is what scoping checks look at.
        const hole = fill === 'wildcard' ? '*' : 'unresolved';
        const one = (x: unknown, i: number) =>
          x instanceof Unresolved ? this.note(Array.isArray(v) ? [...p, key, i] : [...p, key], x, x.partial !== undefined && x.partial !== HOLE ? x.partial.split(HOLE).join(hole) : hole) : x;
        setOwn(keys, key, Array.isArray(v) ? v.map(one) : one(v, 0));
      }
      if (Object.keys(keys).length > 0) setOwn(out, operator, keys);
    }
    // Conditions AND together: one that matches nothing keeps the whole Deny from applying.
    if (matchNothing) setOwn(out, 'StringEquals', { ...(isRecord(out.StringEquals) ? out.StringEquals : {}), ...nothing });
    return Object.keys(out).length > 0 ? out : undefined;
  }

  statement(s: unknown, path: Segments): unknown {
    // A whole statement known only at deployment: judged as the worst it could be, kms:* to an unknown account.
    if (s instanceof Unresolved) return this.statement({ Effect: 'Allow', Principal: s, Action: 'kms:*', Resource: '*' }, path);
    if (!isRecord(s)) return s;
    const out: Record<string, unknown> = { ...s };
    if (s.Effect instanceof Unresolved) out.Effect = this.note([...path, 'Effect'], s.Effect, 'Allow');
    const allow = out.Effect !== 'Deny';
    if (s.Sid instanceof Unresolved) out.Sid = this.note([...path, 'Sid'], s.Sid, `unresolved-sid`);
    if ('Principal' in s) out.Principal = this.principal(s.Principal, allow, [...path, 'Principal']);
    if ('NotPrincipal' in s) out.NotPrincipal = this.principal(s.NotPrincipal, !allow, [...path, 'NotPrincipal']);
    if ('Action' in s) out.Action = this.list(s.Action, [...path, 'Action'], allow ? 'kms:*' : NO_ACTION);
    if ('NotAction' in s) out.NotAction = this.list(s.NotAction, [...path, 'NotAction'], allow ? NO_ACTION : 'kms:*');
    const otherKey = `arn:${this.partition}:kms:unresolved:${UNKNOWN_ACCOUNT}:key/unresolved`;
    if ('Resource' in s) out.Resource = this.list(s.Resource, [...path, 'Resource'], allow ? '*' : otherKey);
    if ('NotResource' in s) out.NotResource = this.list(s.NotResource, [...path, 'NotResource'], allow ? otherKey : '*');
    if ('Condition' in s) {
      const c = this.condition(s.Condition, allow, [...path, 'Condition']);
      if (c === undefined) delete out.Condition;
      else out.Condition = c;
    }
    return this.rest(out, path);
  }

  /** Anything still unresolved (outside the elements above) becomes a plain placeholder string. */
  rest(value: unknown, path: Segments): unknown {
    if (value instanceof Unresolved) return this.note(path, value, 'unresolved');
    if (Array.isArray(value)) return value.map((v, i) => this.rest(v, [...path, i]));
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.rest(v, [...path, k])]));
    return value;
  }
}

/** `resolved` is the KeyPolicy after resolveValue; paths are relative to it. */
export function concretePolicy(resolved: unknown, partition: string): ConcretePolicy {
  if (resolved instanceof Unresolved) return { ok: false, reason: `the key policy as a whole is known only after deployment (${resolved.reason})` };
  let doc = resolved;
  // KeyPolicy may be given as a JSON string.
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return { ok: true, policy: resolved, substitutions: [] };
    }
  }
  if (!isRecord(doc)) return { ok: true, policy: doc, substitutions: [] };
  const c = new Concretiser(partition);
  const out: Record<string, unknown> = { ...doc };
  const statements = doc.Statement;
  if (Array.isArray(statements)) out.Statement = statements.map((s, i) => c.statement(s, ['Statement', i]));
  else if (statements instanceof Unresolved) return { ok: false, reason: `the policy's statements are known only after deployment (${statements.reason})` };
  else if (isRecord(statements)) out.Statement = c.statement(statements, ['Statement']);
  const policy = c.rest(out, []);
  return { ok: true, policy, substitutions: c.substitutions };
}
