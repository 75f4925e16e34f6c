/**
 * Every finding has a witness: a concrete request (principal, action, condition-key values consistent with
 * which keys such a request carries) that the policy allows. The witness is judged by the small evaluator
 * in test/support/request-evaluator.ts, never by the engine. A finding without one is access no request
 * can obtain: an over-report, unless it belongs to a fail-closed class listed in FAIL_CLOSED below.
 */
import fc from 'fast-check';
import { analyzePolicy, type Finding } from '../../engine';
import kmsActionData from '../../engine/data/kms-actions.json';
import { evaluateRequest, wildcardMatch, type ContextValue, type KmsRequest, type RequestPrincipal } from '../support/request-evaluator';
import { ADMIN_ROLE, APP_ROLE, FOREIGN, FOREIGN_ROOT, OWN, ROOT, allow, policy, type Json } from '../support/policies';
import { statementArb } from '../support/policy-pools';

const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };
const KEY_ARN = `arn:aws:kms:us-east-1:${OWN}:key/abc`;
/** An account named nowhere in the generated policies: "anyone" must include it. */
const OUTSIDER = '999988887777';
const OUTSIDER_ROLE = `arn:aws:iam::${OUTSIDER}:role/Outsider`;
const SOME_SERVICE = 'example.amazonaws.com';

// --- which condition keys a request carries: this test's own small table ---

type Kind = 'iam' | 'service';
type Presence = 'absent' | 'present' | 'optional';

/** Families of the keys SAR lists per KMS action (action and resource condition keys), lower-cased. */
const SAR_KEYS = new Map(
  kmsActionData.actions.map((a) => [`kms:${a.name}`.toLowerCase(), new Set([...a.conditionKeys, ...a.resourceConditionKeys].map((k) => family(k)))]),
);

/** Lower-cases a key and folds `kms:EncryptionContext:<k>`, `aws:PrincipalTag/<k>` and the like to `<prefix>*`. */
function family(key: string): string {
  const k = key.toLowerCase();
  const m = /^(kms:encryptioncontext:|kms:recipientattestation:|aws:(?:principal|request|resource)tag\/)./.exec(k);
  return m ? `${m[1]}*` : k;
}

/**
 * Global keys whose presence the caller's kind decides (IAM User Guide, global condition context keys):
 * aws:Source* describe the resource on whose behalf a service calls, so an IAM principal calling directly
 * never carries them; aws:PrincipalOrgID/OrgPaths/Tag describe an account's principal, so a service
 * principal never carries them. Everything not listed is optional: a request may or may not carry it.
 */
const GLOBAL_ABSENT: Record<Kind, ReadonlySet<string>> = {
  iam: new Set(['aws:sourcearn', 'aws:sourceaccount', 'aws:sourceorgid', 'aws:sourceorgpaths']),
  service: new Set(['aws:principalorgid', 'aws:principalorgpaths', 'aws:principaltag/*']),
};

function presence(key: string, kind: Kind, action: string): Presence {
  const f = family(key);
  if (GLOBAL_ABSENT[kind].has(f)) return 'absent';
  if (f.startsWith('kms:')) return SAR_KEYS.get(action.toLowerCase())?.has(f) ? 'optional' : 'absent';
  return 'optional';
}

/** Keys whose value the caller alone fixes; never varied. */
function fixedContext(p: RequestPrincipal): Record<string, ContextValue> {
  if (p.type === 'Service') return { 'aws:principalisawsservice': true, 'aws:principalservicename': p.name };
  if (p.type === 'Anonymous') return {};
  const roleArn = p.arn.replace(/^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.*$/, 'arn:$1:iam::$2:role/$3');
  return { 'aws:principalarn': roleArn, 'aws:principalaccount': p.account, 'kms:calleraccount': p.account, 'aws:principalisawsservice': false };
}

/** Multivalued keys take lists (IAM guide, single- vs multivalued context keys). */
const MULTIVALUED = new Set(['kms:encryptioncontextkeys', 'kms:grantoperations', 'aws:tagkeys', 'aws:principalorgpaths', 'aws:sourceorgpaths', 'aws:calledvia']);

// --- what the policy itself says: values to build requests from ---

type Statement = Record<string, unknown>;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string' || typeof x === 'number').map(String);
/** A concrete value a pattern matches: wildcards filled in. */
const concrete = (pattern: string): string => pattern.replace(/[*?]/g, 'x');

function statementsOf(doc: unknown): Statement[] {
  const sts = isRecord(doc) ? doc.Statement : undefined;
  return (Array.isArray(sts) ? sts : [sts]).filter(isRecord);
}

interface Condition {
  operator: string;
  key: string;
  values: string[];
}

function conditionsOf(st: Statement): Condition[] {
  if (!isRecord(st.Condition)) return [];
  return Object.entries(st.Condition).flatMap(([operator, block]) => (isRecord(block) ? Object.entries(block).map(([key, v]) => ({ operator, key: key.toLowerCase(), values: list(v) })) : []));
}

/**
 * Conditions that are false on an absent key: plain operators (not negated, not …IfExists, not
 * ForAllValues) and `Null: false`.
 */
function requiresPresence(c: Condition): boolean {
  if (c.operator === 'Null') return c.values.length > 0 && c.values.every((v) => v.toLowerCase() === 'false');
  return !/IfExists$|^ForAllValues:|Not/.test(c.operator);
}

/** The values worth trying for each condition key of the policy: absent, each value written, one other. */
function valueOptions(doc: unknown): Map<string, ContextValue[]> {
  const written = new Map<string, Set<string>>();
  for (const st of statementsOf(doc)) for (const c of conditionsOf(st)) for (const v of c.values) (written.get(c.key) ?? written.set(c.key, new Set()).get(c.key))?.add(concrete(v));
  const out = new Map<string, ContextValue[]>();
  for (const [key, values] of written) {
    const vs = [...values];
    if (MULTIVALUED.has(key)) out.set(key, [[], ...vs.map((v) => [v]), vs, [...vs, 'Other']]);
    else out.set(key, [...vs, ...(vs.some((v) => /^(true|false)$/i.test(v)) ? ['true', 'false'] : ['other-value'])]);
  }
  return out;
}

// --- candidate requests for a finding ---

const awsPrincipal = (arn: string, account: string, uniqueId?: string): RequestPrincipal => ({ type: 'AWS', arn, account, ...(uniqueId ? { uniqueId } : {}) });
const UNIQUE_ID = /^A[A-Z0-9]{3}[A-Z0-9]{12,}$/;
const accountOf = (arn: string) => /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];

/** IAM ARNs the policy names (principals and condition values), filled in where they are patterns. */
function arnsIn(doc: unknown): string[] {
  const out = new Set<string>();
  for (const st of statementsOf(doc)) {
    for (const el of [st.Principal, st.NotPrincipal]) if (isRecord(el)) for (const a of list(el.AWS)) if (accountOf(a)) out.add(concrete(a));
    for (const c of conditionsOf(st)) for (const v of c.values) if (accountOf(v)) out.add(concrete(v));
  }
  return [...out];
}

function uniqueIdsIn(doc: unknown): string[] {
  const out = new Set<string>();
  for (const st of statementsOf(doc)) for (const el of [st.Principal, st.NotPrincipal]) if (isRecord(el)) for (const a of list(el.AWS)) if (UNIQUE_ID.test(a)) out.add(a);
  return [...out];
}

function servicesIn(doc: unknown): string[] {
  const out = new Set<string>([SOME_SERVICE]);
  for (const st of statementsOf(doc)) for (const el of [st.Principal, st.NotPrincipal]) if (isRecord(el)) for (const s of list(el.Service)) out.add(s);
  return [...out];
}

function accountPrincipals(account: string, doc: unknown): RequestPrincipal[] {
  return [
    awsPrincipal(`arn:aws:iam::${account}:root`, account),
    awsPrincipal(`arn:aws:iam::${account}:role/Witness`, account),
    ...arnsIn(doc)
      .filter((a) => accountOf(a) === account)
      .map((a) => awsPrincipal(a, account)),
  ];
}

const EVERY_IAM = (doc: unknown): RequestPrincipal[] => [...accountPrincipals(OUTSIDER, doc), ...accountPrincipals(FOREIGN, doc), ...accountPrincipals(OWN, doc)];

/**
 * The principals a finding's principal stands for, and context that membership implies (an organisation's
 * principals carry its id in aws:PrincipalOrgID).
 */
function principalsFor(name: string, doc: unknown): { principals: RequestPrincipal[]; implied: Record<string, ContextValue> } {
  if (name === '*') return { principals: [awsPrincipal(OUTSIDER_ROLE, OUTSIDER), ...servicesIn(doc).map((s): RequestPrincipal => ({ type: 'Service', name: s }))], implied: {} };
  if (/^\d{12}$/.test(name)) return { principals: accountPrincipals(name, doc), implied: {} };
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(name)?.[1];
  if (root) return { principals: accountPrincipals(root, doc), implied: {} };
  if (name.startsWith('o-')) return { principals: EVERY_IAM(doc), implied: { 'aws:principalorgid': name } };
  if (name.endsWith('.amazonaws.com')) return { principals: [{ type: 'Service', name }], implied: {} };
  const account = accountOf(name);
  // A unique id in the policy may be this principal's.
  if (account) return { principals: [undefined, ...uniqueIdsIn(doc)].map((id) => awsPrincipal(concrete(name), account, id)), implied: {} };
  // A unique id names one principal whose ARN the policy does not say: any IAM principal, carrying that id.
  if (UNIQUE_ID.test(name)) return { principals: EVERY_IAM(doc).map((p) => ({ ...p, uniqueId: name })), implied: {} };
  // Principals the engine names by aws:userid, aws:username or a tag: any IAM principal, with the context varied.
  return { principals: EVERY_IAM(doc), implied: {} };
}

function resourcesIn(doc: unknown): string[] {
  const out = new Set([KEY_ARN]);
  for (const st of statementsOf(doc)) for (const r of list(st.Resource)) if (r.startsWith('arn:aws:kms:')) out.add(concrete(r));
  return [...out];
}

const MAX_CONTEXTS = 400;

/** Every combination of the options, first key fastest, at most MAX_CONTEXTS of them. */
function* combinations(options: [string, ContextValue[]][]): Generator<Record<string, ContextValue>> {
  const index = options.map(() => 0);
  for (let n = 0; n < MAX_CONTEXTS; n++) {
    const ctx: Record<string, ContextValue> = {};
    options.forEach(([key, values], i) => {
      const v = values[index[i] ?? 0];
      if (v !== undefined) ctx[key] = v;
    });
    yield ctx;
    let i = 0;
    while (i < options.length && (index[i] = (index[i] ?? 0) + 1) >= (options[i]?.[1].length ?? 0)) index[i++] = 0;
    if (i === options.length) return;
  }
}

type Search = { result: 'witness'; request: KmsRequest } | { result: 'unsupported' } | { result: 'none' };

function kindOf(p: RequestPrincipal): Kind {
  return p.type === 'Service' ? 'service' : 'iam';
}

/** Actions that no statement tells apart and that carry the same keys: trying one tries them all. */
function distinctActions(actions: readonly string[], doc: unknown, keys: readonly string[]): string[] {
  const seen = new Set<string>();
  return actions.filter((a) => {
    const sig = JSON.stringify([
      statementsOf(doc).map((st) => list(st.Action ?? st.NotAction).some((p) => wildcardMatch(p, a, true))),
      keys.map((k) => [presence(k, 'iam', a), presence(k, 'service', a)]),
    ]);
    if (seen.has(sig)) return false;
    seen.add(sig);
    return true;
  });
}

function findWitness(f: Finding, doc: unknown): Search {
  const { principals, implied } = principalsFor(f.principals[0] ?? '', doc);
  const options = valueOptions(doc);
  // The finding's own statements' keys vary fastest.
  const own = new Set(f.statementIndexes.flatMap((i) => conditionsOf(statementsOf(doc)[i] ?? {}).map((c) => c.key)));
  const keys = [...options.keys()].sort((a, b) => Number(own.has(b)) - Number(own.has(a)));
  let unsupported = false;
  for (const action of distinctActions(f.actions, doc, keys)) {
    for (const principal of principals) {
      const fixed = { ...fixedContext(principal), ...implied };
      const varied: [string, ContextValue[]][] = keys
        .filter((k) => !(k in fixed))
        .map((k) => {
          const p = presence(k, kindOf(principal), action);
          const values = options.get(k) ?? [];
          return [k, p === 'absent' ? [undefined] : [undefined, ...values]];
        });
      for (const resource of resourcesIn(doc)) {
        for (const ctx of combinations(varied)) {
          const request: KmsRequest = { principal, action, resource, context: { ...ctx, ...fixed } };
          const decision = evaluateRequest(doc, request);
          if (decision === 'allow') return { result: 'witness', request };
          if (decision === 'unsupported') unsupported = true;
        }
      }
    }
  }
  return unsupported ? { result: 'unsupported' } : { result: 'none' };
}

// --- why a finding has no witness ---

/** A Deny that applies to no request: it keeps statement indexes stable when a Deny is taken out. */
const INERT_DENY = { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::000000000000:role/Nobody' }, Action: 'kms:None', Resource: '*' };

function withStatements(doc: unknown, change: (st: Statement) => Statement): unknown {
  return { Version: '2012-10-17', Statement: statementsOf(doc).map(change) };
}

/**
 * Policies that grant at least what `doc` grants, each a simplification the engine makes on purpose and
 * always in the direction of reporting more (fail closed). A finding with a witness in one of them and none
 * in `doc` exists because of that simplification.
 */
const RELAXATIONS: readonly [cause: string, relax: (doc: unknown) => unknown][] = [
  // A Deny with a condition cannot be known to apply, so the engine does not subtract it.
  ['conditional Deny not subtracted', (doc) => withStatements(doc, (st) => (st.Effect === 'Deny' && st.Condition !== undefined ? INERT_DENY : st))],
  // A Deny written with NotPrincipal, NotResource or a Resource that may not be this key is not subtracted either.
  ['Deny in a form the engine does not subtract', (doc) => withStatements(doc, (st) => (st.Effect === 'Deny' ? INERT_DENY : st))],
  // An Allow with NotPrincipal is read as an Allow to anyone (and reported as ALLOW_WITH_NEGATION).
  [
    'Allow with NotPrincipal read as anyone',
    (doc) =>
      withStatements(doc, (st) => {
        if (st.Effect !== 'Allow' || st.NotPrincipal === undefined) return st;
        const { NotPrincipal: _excluded, ...rest } = st;
        return { ...rest, Principal: '*' };
      }),
  ],
];

/** The candidate principals' fixed context against one condition: does it hold for none of them? */
function contradicts(c: Condition, principals: readonly RequestPrincipal[]): boolean {
  const fixedKeys = principals.map((p) => fixedContext(p));
  if (!fixedKeys.every((ctx) => c.key in ctx)) return false;
  const probe = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { [c.operator]: { [c.key]: c.values } } }] };
  return principals.every((p) => evaluateRequest(probe, { principal: p, action: 'kms:DescribeKey', resource: KEY_ARN, context: fixedContext(p) }) === 'deny');
}

/**
 * Why no request obtains what the finding names, first match wins:
 * - a fail-closed simplification (RELAXATIONS);
 * - a condition of its statements on a key the caller's kind fixes (aws:PrincipalArn, aws:PrincipalAccount,
 *   kms:CallerAccount, aws:PrincipalIsAWSService) that no candidate principal satisfies, or that none of
 *   the principals the statement's Principal names satisfies;
 * - a plain condition on a key that no request for its actions by its kind of principal carries;
 * - otherwise 'unexplained'.
 */
function causeOf(f: Finding, doc: unknown): string {
  // Cumulative: a Deny and a NotPrincipal may together explain a finding.
  let relaxed = doc;
  for (const [cause, relax] of RELAXATIONS) {
    relaxed = relax(relaxed);
    if (findWitness(f, relaxed).result === 'witness') return cause;
  }
  const { principals } = principalsFor(f.principals[0] ?? '', doc);
  const kinds = [...new Set(principals.map(kindOf))];
  const causes = new Set<string>();
  for (const i of f.statementIndexes) {
    const st = statementsOf(doc)[i] ?? {};
    const entries = namedIamEntries(st as Record<string, Json>);
    for (const c of conditionsOf(st)) {
      if (contradicts(c, principals)) causes.add(`${c.operator} ${c.key} contradicts the principal`);
      else if (entries.length > 0 && entries.every((candidates) => contradicts(c, candidates))) causes.add(`${c.operator} ${c.key} matches none of the principals the statement names`);
      else if (requiresPresence(c) && kinds.every((k) => f.actions.every((a) => presence(c.key, k, a) === 'absent')))
        causes.add(`${family(c.key)} absent for ${kinds.join('/')} on ${f.actions.length > 2 ? `${f.actions.length} actions` : f.actions.join(',')}`);
    }
  }
  return causes.size > 0 ? [...causes].sort().join('; ') : 'unexplained';
}

/**
 * Findings that need no witness: they fail closed by design, and say so.
 * - INVALID_POLICY: a statement the engine cannot read; AWS would reject the policy, so there is no
 *   request to allow, and reporting it is the point.
 * - ALLOW_WITH_NEGATION: about the policy's form (Allow with NotPrincipal/NotAction), not about access.
 * - notJudged: the engine could not judge the policy; a finding says so rather than stay silent.
 * - findings on actions AWS adds later only: their requests' condition keys are unknown (see below).
 */
const LATER_ACTIONS = 'kms:<actions added later>';
const FAIL_CLOSED: readonly ((f: Finding) => boolean)[] = [
  (f) => f.checkId === 'INVALID_POLICY',
  (f) => f.checkId === 'ALLOW_WITH_NEGATION',
  (f) => f.notJudged === true,
  // Only actions AWS adds later (kms:*, NotAction): which condition keys their requests carry is unknown, so the
  // engine keeps them, conditional, under any key whose presence depends on the action.
  (f) => f.actions.length > 0 && f.actions.every((a) => a === LATER_ACTIONS),
];

/** Causes of a missing witness that are fail-closed simplifications, not over-reports (see RELAXATIONS). */
const FAIL_CLOSED_CAUSES = new Set(RELAXATIONS.map(([cause]) => cause));

// --- generated policies ---

// Allow twice as often as Deny: findings come from Allows.
const statement = statementArb(fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Deny'));

const SOURCE_KEYS = /^aws:source(arn|account|orgid|orgpaths)$/;

/**
 * For each IAM principal entry of an Allow statement's Principal (ARN or account; not "*", not a unique id
 * whose ARN is unknown), the requests it stands for. Service entries get findings of their own.
 */
function namedIamEntries(st: Record<string, Json>): RequestPrincipal[][] {
  const el = st.Principal;
  if (!isRecord(el)) return [];
  return list(el.AWS).flatMap((a) => {
    const account = /^\d{12}$/.test(a) ? a : /^arn:[^:]+:iam::(\d{12}):root$/.exec(a)?.[1];
    if (account) return [accountPrincipals(account, { Statement: [st] })];
    const own = accountOf(a);
    return own ? [[awsPrincipal(a, own)]] : [];
  });
}

const CALLER_FIXED = new Set(['aws:principalarn', 'aws:principalaccount', 'kms:calleraccount']);

/**
 * Allow statements the engine still over-reports, which the property below leaves out; each shape has
 * concrete counterexamples in the `it.failing` tests at the end. The request-aware classes of issue 11 §1
 * and §2 (keys a request never carries; …IfExists on keys always present for IAM principals) are judged per
 * request now and are in the property. What remains:
 * - a condition on a caller-fixed key (aws:PrincipalArn, aws:PrincipalAccount, kms:CallerAccount) that rules
 *   out one of the IAM principals the statement names (a negated operator excluding it, an ArnEquals/ArnLike
 *   naming others), yet the engine still reports that principal;
 * - "*" narrowed to IAM principals by one condition, with another on a caller-fixed key under …IfExists or
 *   ForAllValues: the engine does not narrow by the second (it decides per written principal, and "*" may be
 *   a service principal, whose request may lack the key);
 * - an Allow with NotPrincipal under aws:Source* or aws:PrincipalIsAWSService: the engine reads NotPrincipal as
 *   anyone (already reported as ALLOW_WITH_NEGATION) and does not take IAM principals out of it.
 */
function overReportedToday(st: Record<string, Json>): boolean {
  if (st.Effect !== 'Allow') return false;
  const el = st.NotPrincipal ?? st.Principal;
  const negated = st.NotPrincipal !== undefined;
  const anyone = negated || el === '*' || (isRecord(el) && list(el.AWS).includes('*'));
  const entries = namedIamEntries(st);
  return conditionsOf(st).some(
    (c) =>
      entries.some((candidates) => contradicts(c, candidates)) ||
      // "*" narrowed to IAM principals by one condition, and another on a caller-fixed key under …IfExists / ForAllValues.
      (anyone && CALLER_FIXED.has(c.key) && (/IfExists$/.test(c.operator) || c.operator.startsWith('ForAllValues:'))) ||
      // An Allow with NotPrincipal (anyone) under a key only service principals carry, or aws:PrincipalIsAWSService.
      (negated && requiresPresence(c) && (SOURCE_KEYS.test(c.key) || c.key === 'aws:principalisawsservice')),
  );
}

const asPolicy = (statements: Record<string, Json>[]) => ({ Version: '2012-10-17', Statement: statements });
/**
 * Beyond the issue, across statements: an Allow to "*" under a key one kind of caller never carries, in a policy
 * with a Deny written with NotPrincipal (see below); and an Allow whose negated condition on a caller-fixed key
 * (aws:PrincipalArn, aws:PrincipalAccount, kms:CallerAccount) excludes principals, in a policy where another
 * statement names IAM principals; the engine carves those out of the Allow's "anyone" and reports them,
 * though the condition may exclude them.
 */
function carvesOutExcluded(statements: readonly Record<string, Json>[]): boolean {
  const namesIam = (st: Record<string, Json>) => [st.Principal, st.NotPrincipal].some((el) => isRecord(el) && list(el.AWS).some((a) => a !== '*'));
  const denyNotPrincipal = statements.some((st) => st.Effect === 'Deny' && st.NotPrincipal !== undefined);
  return statements.some(
    (st, i) =>
      st.Effect === 'Allow' &&
      ((conditionsOf(st).some((c) => CALLER_FIXED.has(c.key) && /Not/.test(c.operator)) && statements.some((other, j) => j !== i && namesIam(other))) ||
        // An Allow to "*" under a key one kind of caller never carries, carved by a Deny with NotPrincipal down to
        // principals of that kind: the engine judges presence for "*" (either kind) before the carve, not after.
        (denyNotPrincipal && conditionsOf(st).some((c) => requiresPresence(c) && /^aws:(principal(orgid|orgpaths|tag\/)|source(arn|account|orgid|orgpaths))/.test(c.key)))),
  );
}

const judgedToday = fc
  .array(statement.filter((st) => !overReportedToday(st)), { minLength: 1, maxLength: 6 })
  .filter((sts) => !carvesOutExcluded(sts))
  .map(asPolicy);
const everything = fc.array(statement, { minLength: 1, maxLength: 6 }).map(asPolicy);

interface Tally {
  findings: number;
  witnessed: number;
  failClosed: number;
  unsupported: number;
  without: Map<string, number>;
  /** Findings without a witness for a fail-closed cause, by cause. */
  byCause: Map<string, number>;
  examples: Map<string, unknown>;
}

const newTally = (): Tally => ({ findings: 0, witnessed: 0, failClosed: 0, unsupported: 0, without: new Map(), byCause: new Map(), examples: new Map() });

/** Checks every finding of `doc`; returns the findings without a witness outside FAIL_CLOSED, with their cause. */
function unwitnessed(doc: unknown, tally: Tally): string[] {
  const result = analyzePolicy(doc, { accountId: OWN });
  expect(result.internalErrors).toEqual([]);
  const out: string[] = [];
  for (const f of result.findings) {
    tally.findings++;
    if (FAIL_CLOSED.some((isFailClosed) => isFailClosed(f))) {
      tally.failClosed++;
      continue;
    }
    const search = findWitness(f, doc);
    if (search.result === 'witness') tally.witnessed++;
    else if (search.result === 'unsupported') tally.unsupported++;
    else {
      const cause = causeOf(f, doc);
      if (FAIL_CLOSED_CAUSES.has(cause)) {
        tally.byCause.set(cause, (tally.byCause.get(cause) ?? 0) + 1);
        continue;
      }
      const label = `${f.checkId} (${f.principals[0] ?? ''}): ${cause}`;
      tally.without.set(label, (tally.without.get(label) ?? 0) + 1);
      if (!tally.examples.has(label)) tally.examples.set(label, doc);
      out.push(label);
    }
  }
  return out;
}

function report(name: string, t: Tally): void {
  if (!process.env.WITNESS_REPORT) return;
  const rows = [...t.without].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${n}\t${k}${process.env.WITNESS_REPORT === 'examples' ? `\n\t${JSON.stringify(t.examples.get(k))}` : ''}`);
  console.log(`${name}: ${t.findings} findings, ${t.witnessed} with a witness, ${t.failClosed} fail-closed, ${t.unsupported} undecided, ${JSON.stringify(Object.fromEntries(t.byCause))} fail-closed causes, ${[...t.without.values()].reduce((a, b) => a + b, 0)} without:\n${rows.join('\n')}`);
}

describe('witness property', () => {
  it('every finding on generated policies has a witness request the policy allows, or is fail-closed', () => {
    const tally = newTally();
    if (process.env.WITNESS_REPORT) {
      // A survey without stopping at the first counterexample, for the counts by cause.
      const survey = newTally();
      for (const doc of fc.sample(judgedToday, RUNS.numRuns)) unwitnessed(doc, survey);
      report('judged today (survey)', survey);
    }
    fc.assert(
      fc.property(judgedToday, (doc) => {
        expect(unwitnessed(doc, tally)).toEqual([]);
      }),
      RUNS,
    );
    report('judged today', tally);
    // A property over findings proves nothing without findings, and nothing about witnesses if none is found.
    expect(tally.witnessed).toBeGreaterThan(RUNS.numRuns / 2);
  });

  it('witnesses are found by the evaluator, not assumed: a policy granting nothing has findings without one', () => {
    // The search must be able to fail: an Allow whose only condition no request satisfies.
    const doc = policy(allow({ AWS: ROOT }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:SourceAccount': OWN } } }));
    const f: Finding = { ...analyzePolicy(policy(allow({ AWS: ROOT }, 'kms:Decrypt')), { accountId: OWN }).findings[0]!, statementIndexes: [0] };
    expect(findWitness(f, doc).result).toBe('none');
    expect(findWitness(f, policy(allow({ AWS: ROOT }, 'kms:Decrypt'))).result).toBe('witness');
  });
});

/**
 * The classes of issue 11 §1 and §2, judged per request: every finding has a witness (`it`). Three classes
 * found by this property beyond the issue are still over-reported: each of those asserts that every finding
 * has a witness and fails while the engine reports access no request can obtain, so it is written
 * `it.failing`. When the engine judges such a policy, the test starts failing: turn it into `it`, and drop
 * the shape from overReportedToday / carvesOutExcluded.
 */
describe('request-aware classes (issue 11 §1, §2) have witnesses; the classes beyond the issue are still over-reported', () => {
  const none = (doc: unknown) => {
    expect(unwitnessed(doc, newTally())).toEqual([]);
  };

  it('a grant-only key (kms:GrantIsForAWSResource) on cryptographic actions grants them to no request', () => {
    none(policy(allow({ AWS: ROOT }, ['kms:Encrypt', 'kms:Decrypt'], { Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } })));
  });

  it('a grant-only key (kms:GrantOperations) on administrative actions grants them to no request', () => {
    none(policy(allow({ AWS: ROOT }, ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'], { Condition: { 'ForAnyValue:StringEquals': { 'kms:GrantOperations': ['Decrypt'] } } })));
  });

  it('an encryption-context key on PutKeyPolicy grants it to no request', () => {
    none(policy(allow({ AWS: ROOT }, 'kms:PutKeyPolicy', { Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } } })));
  });

  it('aws:SourceAccount on an IAM principal grants nothing: IAM principals calling directly do not carry it', () => {
    none(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:SourceAccount': OWN } } })));
  });

  it('aws:SourceArn on an account principal grants nothing', () => {
    none(policy(allow({ AWS: ROOT }, 'kms:*', { Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudtrail:*:${OWN}:trail/*` } } })));
  });

  it('Bool aws:PrincipalIsAWSService true on an account principal grants nothing', () => {
    none(policy(allow({ AWS: ROOT }, 'kms:Decrypt', { Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' } } })));
  });

  it('aws:PrincipalOrgID on a service principal grants nothing', () => {
    none(policy(allow({ Service: 'cloudtrail.amazonaws.com' }, ['kms:GenerateDataKey*', 'kms:Decrypt'], { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } } })));
  });

  it('aws:PrincipalTag on a service principal grants nothing', () => {
    none(policy(allow({ Service: 'cloudtrail.amazonaws.com' }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'x' } } })));
  });

  it('§2: …IfExists on aws:PrincipalArn, always present for IAM principals, narrows like the plain operator', () => {
    none(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt', { Condition: { StringEqualsIfExists: { 'aws:PrincipalArn': APP_ROLE } } })));
  });

  it('StringNotEquals aws:PrincipalAccount excluding the account the Principal names grants nothing', () => {
    none(policy(allow({ AWS: ROOT }, 'kms:*', { Condition: { StringNotEquals: { 'aws:PrincipalAccount': OWN } } })));
  });

  it('an Allow and a Deny both excluding KeyAdmin by aws:PrincipalArn leave KeyAdmin nothing', () => {
    const notAdmin = { Condition: { ArnNotEquals: { 'aws:PrincipalArn': ADMIN_ROLE } } };
    none(policy(allow('*', 'kms:*', notAdmin), { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', ...notAdmin }));
  });

  it.failing('beyond the issue: ArnLike aws:PrincipalArn matching none of the roles the Principal names grants nothing', () => {
    none(policy(allow({ AWS: [ADMIN_ROLE, APP_ROLE] }, ['kms:ScheduleKeyDeletion', 'kms:Sign'], { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/app-*` } } })));
  });

  it.failing('beyond the issue: a role carved out of "anyone" by a Deny keeps access its ArnNotEquals exclusion denies', () => {
    none(
      policy(allow('*', 'kms:*', { Condition: { ArnNotEquals: { 'aws:PrincipalArn': ADMIN_ROLE } } }), {
        Effect: 'Deny',
        NotPrincipal: { AWS: [ADMIN_ROLE, APP_ROLE] },
        Action: 'kms:*',
        Resource: '*',
      }),
    );
  });

  it.failing('beyond the issue: "*" under aws:PrincipalTag, carved by a Deny with NotPrincipal down to a service principal', () => {
    none({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Resource: '*', NotPrincipal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:*' },
        { Effect: 'Allow', Resource: '*', Principal: '*', Action: 'kms:*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'x' } } },
      ],
    });
  });

  // A fixed seed: a random sample may miss every remaining over-report, and an `it.failing` that passes fails
  // the run. With this seed the sample holds several (the tally's report lists them).
  it.failing('the property over every generated policy, §1 shapes included', () => {
    const tally = newTally();
    for (const doc of fc.sample(everything, { numRuns: RUNS.numRuns, seed: 20261205 })) unwitnessed(doc, tally);
    report('everything', tally);
    expect(Object.fromEntries(tally.without)).toEqual({});
  });
});
