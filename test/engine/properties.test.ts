/**
 * Property-based tests of the parser and evaluator (fast-check).
 */
import fc from 'fast-check';
import { analyzePolicy, type AnalysisOptions, type AnalysisResult, type Finding } from '../../engine';
import { visit } from 'jsonc-parser';
import type { AccessEntry } from '../../engine/access-summary';
import { NO_ACTIONS, actionNames, minus, union, type ActionSet } from '../../engine/actions';
import { mayContain } from '../../engine/principal-sets';
import { globMatch } from '../../engine/glob';
import { duplicateKeyPaths } from '../../engine/json-text';
import { parsePolicy } from '../../engine/parse-policy';
import { ADMIN_ROLE, FOREIGN, OWN, type Json } from '../support/policies';
import { actionPool, principalPool, statementArb } from '../support/policy-pools';

const opts: AnalysisOptions = { accountId: OWN };

/**
 * analyzePolicy, and proof that the engine itself did not fail. A check that throws, or an analysis that
 * cannot run, still yields a finding (the engine fails closed), so without this a bug could pass every
 * property as a finding among the others.
 */
function judge(input: unknown, options: AnalysisOptions = opts): AnalysisResult {
  const result = analyzePolicy(input, options);
  expect(result.internalErrors).toEqual([]);
  return result;
}

const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };

const policyArb = fc.array(statementArb(), { minLength: 1, maxLength: 6 });

function withSids(statements: Record<string, Json>[]): Record<string, Json>[] {
  return statements.map((s, i) => ({ Sid: `S${i}`, ...s }));
}

const asPolicy = (statements: Record<string, Json>[]) => ({ Version: '2012-10-17', Statement: statements });

/** A finding without positions: what it says about who may do what. */
function essence(f: Finding): string {
  return JSON.stringify([f.checkId, f.principals, [...f.actions].sort(), f.access, [...f.sids].sort()]);
}

// --- containment between the principals findings name, for the monotonicity properties ---
type Who = { kind: 'anyone' } | { kind: 'account'; account: string } | { kind: 'org'; org: string } | { kind: 'service'; name: string } | { kind: 'named'; name: string; account?: string };

function who(p: string): Who {
  if (p === '*') return { kind: 'anyone' };
  if (/^\d{12}$/.test(p)) return { kind: 'account', account: p };
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(p);
  if (root?.[1]) return { kind: 'account', account: root[1] };
  if (p.startsWith('o-')) return { kind: 'org', org: p };
  if (p.endsWith('.amazonaws.com')) return { kind: 'service', name: p };
  const acct = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(p)?.[1];
  return { kind: 'named', name: p, ...(acct ? { account: acct } : {}) };
}

function principalCovers(outer: Who, inner: Who): boolean {
  if (outer.kind === 'anyone') return true;
  if (JSON.stringify(outer) === JSON.stringify(inner)) return true;
  if (outer.kind === 'account') return (inner.kind === 'named' && (inner.account === undefined || inner.account === outer.account)) || (inner.kind === 'account' && inner.account === outer.account);
  if (outer.kind === 'org') return inner.kind !== 'anyone' && inner.kind !== 'service';
  // A pattern holds every principal, and every narrower pattern, it matches literally (partner-* ⊇ partner-prod-*).
  if (outer.kind === 'named' && inner.kind === 'named') return outer.name === inner.name || globMatch(outer.name, inner.name);
  return false;
}

/** Findings whose access implies the access behind another check (e.g. full control implies any grant). */
const IMPLIES: Record<string, string[]> = {
  ACCOUNT_WIDE_FULL_ACCESS: ['ACCOUNT_WIDE_USAGE', 'ACCOUNT_WIDE_ADMINISTRATION', 'NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION'],
  // An organisation may include the key's own account.
  UNTRUSTED_CROSS_ACCOUNT: ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION', 'ACCOUNT_WIDE_FULL_ACCESS', 'ACCOUNT_WIDE_USAGE', 'ACCOUNT_WIDE_ADMINISTRATION'],
};

function covered(f: Finding, by: readonly Finding[]): boolean {
  const inner = who(f.principals[0] ?? '');
  return by.some((g) => {
    const outer = who(g.principals[0] ?? '');
    if (g.checkId === 'PUBLIC_ACCESS') return true;
    if (g.checkId !== f.checkId && !(IMPLIES[g.checkId] ?? []).includes(f.checkId)) return false;
    return principalCovers(outer, inner);
  });
}

// --- the access summary itself, for the monotonicity properties stated on who may do what ---
type Level = 'any' | 'unconditional';

/** The actions an entry grants at `level` ('any': conditionally or not). */
function actionsAt(entry: AccessEntry, level: Level): ActionSet {
  if (level === 'any') return entry.actions;
  let set = NO_ACTIONS;
  for (const g of entry.grants) if (g.level === 'unconditional') set = union(set, g.actions);
  return set;
}

/**
 * What `entry`'s principals may do at `level` and is not granted in `entries` to `entry`'s class or to a
 * class that may hold it. A Deny may carve a wider grant down to one role, which then appears as an entry
 * of its own; an Allow to an account may make a role's entry redundant. "May hold", not "surely holds":
 * which accounts belong to an organisation cannot be known from the policy, and a Deny sparing an account
 * carves it out of an organisation's grant.
 */
function accessMissing(entry: AccessEntry, entries: readonly AccessEntry[], level: Level): string[] {
  let available = NO_ACTIONS;
  for (const e of entries) if (mayContain(e.principal, entry.principal)) available = union(available, actionsAt(e, level));
  return actionNames(minus(actionsAt(entry, level), available));
}

/** For each entry of `narrower`, what it may do that `wider` does not grant it (empty lists when none). */
function accessBeyond(narrower: AnalysisResult, wider: AnalysisResult): { principal: string; level: Level; beyond: string[] }[] {
  return narrower.summary.entries.flatMap((e) =>
    (['any', 'unconditional'] as const).map((level) => ({ principal: e.principal.id, level, beyond: accessMissing(e, wider.summary.entries, level) })),
  );
}

const noneBeyond = (r: ReturnType<typeof accessBeyond>) => r.map((x) => ({ ...x, beyond: [] }));

const ACCESS_CHECKS = (f: Finding) => f.checkId !== 'INVALID_POLICY' && f.checkId !== 'ALLOW_WITH_NEGATION';

describe('properties', () => {
  it('never throws on arbitrary JSON values or text, and always returns findings as an array', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.json()), (input) => {
        const r = judge(input, opts);
        expect(Array.isArray(r.findings)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on policy-shaped input with random element values', () => {
    const element = fc.oneof(fc.jsonValue(), principalPool, actionPool);
    const st = fc.dictionary(fc.constantFrom('Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'Other'), element);
    fc.assert(
      fc.property(fc.record({ Version: fc.oneof(fc.constant('2012-10-17'), fc.jsonValue()), Statement: fc.oneof(fc.array(st), st, fc.jsonValue()) }), (doc) => {
        const r = judge(doc, opts);
        // Anything that is not a valid statement must be reported, never silently dropped.
        if (!Array.isArray(doc.Statement) && (typeof doc.Statement !== 'object' || doc.Statement === null)) {
          expect(r.findings.some((f) => f.checkId === 'INVALID_POLICY')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(policyArb, (sts) => {
        const p = asPolicy(sts);
        expect(judge(p, opts)).toEqual(judge(JSON.parse(JSON.stringify(p)), opts));
      }),
      RUNS,
    );
  });

  it('does not depend on statement order', () => {
    fc.assert(
      fc.property(
        policyArb.chain((sts) => fc.tuple(fc.constant(withSids(sts)), fc.shuffledSubarray(withSids(sts), { minLength: sts.length, maxLength: sts.length }))),
        ([a, b]) => {
          const fa = judge(asPolicy(a), opts).findings.map(essence).sort();
          const fb = judge(asPolicy(b), opts).findings.map(essence).sort();
          expect(fb).toEqual(fa);
        },
      ),
      RUNS,
    );
  });

  it('does not depend on the order of condition operators and keys', () => {
    const entry = fc.constantFrom<[string, string, Json]>(
      ['StringEquals', 'aws:PrincipalAccount', OWN],
      ['StringEquals', 'aws:PrincipalTag/team', 'x'],
      ['ArnLike', 'aws:PrincipalArn', `arn:aws:iam::${FOREIGN}:role/partner-*`],
      ['ArnEquals', 'aws:PrincipalArn', ADMIN_ROLE],
      ['StringLike', 'aws:userid', 'AROAJQABLZS4A3QDU576Q:*'],
      ['StringEquals', 'aws:PrincipalOrgID', 'o-abcdef1234'],
      ['StringEquals', 'kms:ViaService', 's3.us-east-1.amazonaws.com'],
      ['StringEquals', 'aws:username', 'alice'],
    );
    const conditionOf = (entries: [string, string, Json][]) => {
      const out: Record<string, Record<string, Json>> = {};
      for (const [op, key, value] of entries) (out[op] ??= {})[key] = value;
      return out;
    };
    fc.assert(
      fc.property(principalPool, actionPool, fc.uniqueArray(entry, { minLength: 2, maxLength: 4, selector: (e) => `${e[0]} ${e[1]}` }), (principal, action, entries) => {
        const st = (c: Record<string, Record<string, Json>>) => asPolicy([{ Effect: 'Allow', Principal: principal, Action: action, Resource: '*', Condition: c as Json }]);
        const a = judge(st(conditionOf(entries)), opts).findings.map(essence).sort();
        const b = judge(st(conditionOf([...entries].reverse())), opts).findings.map(essence).sort();
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  it('adding a Deny never adds an access finding', () => {
    fc.assert(
      fc.property(policyArb, statementArb(fc.constant('Deny')), (sts, d) => {
        const before = judge(asPolicy(sts), opts).findings.filter(ACCESS_CHECKS);
        const after = judge(asPolicy([...sts, d]), opts).findings.filter(ACCESS_CHECKS);
        for (const f of after) expect({ finding: essence(f), covered: covered(f, before) }).toEqual({ finding: essence(f), covered: true });
      }),
      RUNS,
    );
  });

  // Access the larger policy has beyond the smaller: a Deny may only take access away, an Allow only add it.
  it.each([
    ['adding a Deny never adds access to any principal class in the access summary', 'Deny'],
    ['adding an Allow never removes access from any principal class in the access summary', 'Allow'],
  ] as const)('%s', (_name, effect) => {
    let withAccess = 0;
    fc.assert(
      fc.property(policyArb, statementArb(fc.constant(effect)), (sts, added) => {
        const before = judge(asPolicy(sts));
        const after = judge(asPolicy([...sts, added]));
        if (before.summary.entries.length > 0) withAccess++;
        const beyond = effect === 'Deny' ? accessBeyond(after, before) : accessBeyond(before, after);
        expect(beyond).toEqual(noneBeyond(beyond));
      }),
      RUNS,
    );
    // Policies that grant nothing would prove nothing.
    expect(withAccess).toBeGreaterThan(RUNS.numRuns / 4);
  });

  it('adding an Allow never removes an access finding', () => {
    fc.assert(
      fc.property(policyArb, statementArb(fc.constant('Allow')), (sts, a) => {
        const before = judge(asPolicy(sts), opts).findings.filter(ACCESS_CHECKS);
        const after = judge(asPolicy([...sts, a]), opts).findings.filter(ACCESS_CHECKS);
        for (const f of before) expect({ finding: essence(f), covered: covered(f, after) }).toEqual({ finding: essence(f), covered: true });
      }),
      RUNS,
    );
  });
});

/**
 * The duplicate-key detector against a reference built on jsonc-parser's visitor, on JSON texts written by
 * hand with random whitespace, keys from a small pool (so objects often repeat one), keys spelled with
 * escapes, and string values holding a quote and a colon (which defeat the detector's quick count).
 */
describe('duplicate JSON keys', () => {
  type Node = { kind: 'leaf'; text: string } | { kind: 'array'; items: Node[] } | { kind: 'object'; members: [string, boolean, Node][] };
  const ws = fc.constantFrom('', ' ', '\n  ', '\t');
  const keyName = fc.constantFrom('a', 'b', 'A', 'Effect', 'a b', 'x":', 'é', '');
  const leaf = fc.constantFrom('1', 'true', 'null', '"x"', JSON.stringify('k": v'), JSON.stringify('\\'), JSON.stringify('"'), '-2.5e3').map((text): Node => ({ kind: 'leaf', text }));
  const { node } = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('node'), { maxLength: 4 }).map((items): Node => ({ kind: 'array', items })),
      fc.array(fc.tuple(keyName, fc.boolean(), tie('node')), { maxLength: 5 }).map((members): Node => ({ kind: 'object', members })),
    ),
  }));
  const spelled = (name: string, escaped: boolean): string =>
    escaped && name.length > 0 ? `"\\u${(name.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}${JSON.stringify(name).slice(2)}` : JSON.stringify(name);
  const write = (n: Node, space: () => string): string => {
    switch (n.kind) {
      case 'leaf':
        return n.text;
      case 'array':
        return `[${space()}${n.items.map((i) => write(i, space)).join(`${space()},${space()}`)}${space()}]`;
      case 'object':
        return `{${space()}${n.members.map(([k, e, v]) => `${spelled(k, e)}${space()}:${space()}${write(v, space)}`).join(`${space()},${space()}`)}${space()}}`;
    }
  };
  const text = fc.tuple(node, fc.array(ws, { minLength: 1, maxLength: 8 })).map(([n, spaces]) => {
    let i = 0;
    return write(n, () => spaces[i++ % spaces.length] ?? '');
  });

  /** The reference: every key already seen in its enclosing object, by path, each path once. */
  function reference(t: string): string[] {
    const found = new Set<string>();
    const stack: Set<string>[] = [];
    const format = (segments: (string | number)[]): string =>
      segments.reduce<string>((p, s) => (typeof s === 'number' ? `${p}[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `${p}.${s}` : `${p}[${JSON.stringify(s)}]`), '$');
    visit(t, {
      onObjectBegin: () => {
        stack.push(new Set());
      },
      onObjectEnd: () => {
        stack.pop();
      },
      onObjectProperty: (property, _o, _l, _sl, _sc, pathSupplier) => {
        const keys = stack[stack.length - 1];
        if (!keys) return;
        if (keys.has(property)) found.add(format([...pathSupplier(), property]));
        else keys.add(property);
      },
    });
    return [...found].sort();
  }

  it('finds exactly the duplicates the reference finds, in texts with and without them', () => {
    let withDuplicates = 0;
    let without = 0;
    fc.assert(
      fc.property(text, (t) => {
        const expected = reference(t);
        if (expected.length > 0) withDuplicates++;
        else without++;
        expect([...duplicateKeyPaths(t, JSON.parse(t) as unknown)].sort()).toEqual(expected);
      }),
      { numRuns: Math.max(RUNS.numRuns, 500) },
    );
    // Both kinds of text must have been tried, or the property proves nothing.
    expect(withDuplicates).toBeGreaterThan(20);
    expect(without).toBeGreaterThan(20);
  });

  // Policy-shaped text the parser reads without any other error: there it counts the members itself.
  it('reports exactly those duplicates in valid policy text, one member written twice here and there', () => {
    /** JSON text of `v`, writing each object member a second time where `again` says so. */
    const writeTwice = (v: Json, again: () => boolean): string => {
      if (Array.isArray(v)) return `[${v.map((x) => writeTwice(x, again)).join(',')}]`;
      if (typeof v !== 'object' || v === null) return JSON.stringify(v);
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v)) {
        const member = `${JSON.stringify(k)}:${writeTwice(x, again)}`;
        parts.push(member);
        if (again()) parts.push(member);
      }
      return `{${parts.join(',')}}`;
    };
    fc.assert(
      fc.property(policyArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (statements, coins) => {
        let i = 0;
        // Mostly false: many texts have no duplicate at all.
        const t = writeTwice(asPolicy(withSids(statements)), () => (coins[i++ % coins.length] ?? false) && i % 7 === 0);
        const reported = parsePolicy(t)
          .errors.filter((e) => /appears more than once/.test(e.reason))
          .map((e) => e.path)
          .sort();
        expect(reported).toEqual(reference(t));
      }),
      RUNS,
    );
  });

  it('finds none in any text JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const t = JSON.stringify(v, null, 1);
        expect(duplicateKeyPaths(t, JSON.parse(t) as unknown)).toEqual([]);
      }),
      RUNS,
    );
  });
});
