/**
 * Parsing and validating a key policy against the IAM policy grammar. Bad input never throws and never
 * passes: every problem becomes an error with the JSON path and the reason; every statement that is
 * well-formed is still returned so the rest of the policy is analysed.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
import { matchActionPattern, minus, union, NO_ACTIONS, ALL_ACTIONS, type ActionSet } from './actions';
import { keyCategory, parseOperator, isNegatedOperator, type ParsedCondition } from './conditions';
import { accountOfArn, parseAwsPrincipal, parseServicePrincipal, namedClass, ANYONE, type PrincipalClass } from './principals';
import { duplicateKeyPaths, keyPath, pathSegments, valueAt } from './json-text';
import { memoize } from './memo';
import type { Warning } from './types';

/**
 * The longest policy text read, in characters: 1 MiB. AWS KMS accepts a key policy of at most 32 KB
 * (https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html#key-policy-limit), and the
 * largest document a key policy can arrive in, a CloudFormation template read from S3, is 1 MB
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). Longer text
 * cannot be a key policy as written; it is refused with a finding rather than parsed.
 */
export const MAX_POLICY_TEXT_CHARS = 1024 * 1024;

/** `[i]`, the step to entry `i` of an array; the first few are shared. */
function indexStep(i: number): string {
  return i < INDEX_STEPS.length ? (INDEX_STEPS[i] as string) : `[${i}]`;
}
const INDEX_STEPS: readonly string[] = Array.from({ length: 64 }, (_, i) => `[${i}]`);

/** The path of entry `i` of an element that may be written as one string or as an array. */
function at(path: string, raw: unknown, i: number): string {
  return Array.isArray(raw) ? path + indexStep(i) : path;
}

export interface ParseError {
  path: string;
  reason: string;
  /** The entry of the Statement array the error lies in, when it lies in one. */
  statementIndex?: number;
  /** That statement's Sid, when it has one. */
  sid?: string;
}

export interface PrincipalEntry {
  principal: PrincipalClass;
  path: string;
  /** The value as written. */
  raw: string;
}

export interface ParsedStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  path: string;
  /** True for NotPrincipal. */
  principalNegated: boolean;
  principals: PrincipalEntry[];
  principalPath: string;
  /** True for NotAction. */
  actionNegated: boolean;
  /** The KMS actions the statement covers (NotAction already complemented). */
  actions: ActionSet;
  resourceNegated: boolean;
  resources: string[];
  conditions: ParsedCondition[];
}

export interface ParsedPolicy {
  version?: string;
  id?: string;
  statements: ParsedStatement[];
}

interface ParseResult {
  /** Undefined only when nothing could be read at all (not JSON, not an object, no Statement). */
  policy?: ParsedPolicy;
  errors: ParseError[];
  warnings: Warning[];
}

const TOP_LEVEL: ReadonlySet<string> = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS: ReadonlySet<string> = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const PRINCIPAL_TYPES = ['AWS', 'Service', 'Federated', 'CanonicalUser'];
const NEGATED_ELEMENT = { Principal: 'NotPrincipal', Action: 'NotAction', Resource: 'NotResource' } as const;
const PRINCIPAL_TYPE_SET: ReadonlySet<string> = new Set(PRINCIPAL_TYPES);
/** Condition keys in lower case; policies write the same few keys over and over, so each is lowered once. */
const lowerCase = memoize((text: string): string => text.toLowerCase(), 1_000);
/** `"*"` as a list, shared by every element written as `"*"` (never written to). */
const ANY: string[] = ['*'];
/** The conditions of every statement without a Condition element (shared, never written to). */
const NO_CONDITIONS: ParsedCondition[] = [];

/** A value for an error message; never throws (bigints, cycles), and long values are cut. */
function shown(v: unknown): string {
  try {
    const text = JSON.stringify(v);
    if (text === undefined) return typeName(v);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return typeName(v);
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A condition value other than a string that IAM reads as one: a boolean or a finite number. */
function isScalar(v: unknown): v is boolean | number {
  return typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The statement a path lies in: `$.Statement[3]…` → 3, `$.Statement.Effect` (one statement object) → 0. */
function statementOf(path: string, statementIsArray: boolean): number | undefined {
  const m = /^\$\.Statement(?:\[(\d+)\])?(?=[.[])/.exec(path);
  if (!m) return undefined;
  if (m[1] !== undefined) return statementIsArray ? Number(m[1]) : undefined;
  return statementIsArray ? undefined : 0;
}

/** Where errors raised in Statement entry `index` (written as `value`) lie. */
function statementContext(index: number, value: unknown): { statementIndex: number; sid?: string } {
  return isRecord(value) && typeof value.Sid === 'string' ? { statementIndex: index, sid: value.Sid } : { statementIndex: index };
}

class Parser {
  readonly errors: ParseError[] = [];
  readonly warnings: Warning[] = [];

  /** The entry of the Statement array being read, which the errors raised meanwhile lie in. */
  private inStatement: { statementIndex: number; sid?: string } | undefined;

  error(path: string, reason: string): void {
    this.errors.push(this.inStatement ? { path, reason, ...this.inStatement } : { path, reason });
  }

  /**
   * Element names and principal types (AWS, Service…) are matched exactly: IAM Access Analyzer reports a
   * miscased one as an invalid policy element or principal key. So `"Effect"` beside `"effect"` is one known
   * element and one unknown one, and the unknown one is reported here.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
   * Returns how many names `obj` has.
   */
  checkElementNames(obj: Record<string, unknown>, allowed: ReadonlySet<string>, path: string, where: string): number {
    let count = 0;
    for (const name in obj) {
      count++;
      if (allowed.has(name)) continue;
      const near = [...allowed].find((a) => a.toLowerCase() === name.toLowerCase());
      this.error(
        keyPath(path, name),
        near
          ? `element names are case-sensitive: write "${near}", not "${name}"`
          : `unknown ${where} element "${name}" (allowed: ${[...allowed].join(', ')})`,
      );
    }
    return count;
  }

  /** One error per duplicated key (each path once); the statements holding one are left out (see parse). */
  duplicateKeys(doc: unknown, paths: readonly string[]): void {
    const statements = isRecord(doc) && Array.isArray(doc.Statement) ? (doc.Statement as unknown[]) : undefined;
    for (const path of new Set(paths)) {
      const segments = pathSegments(path);
      const name = segments?.[segments.length - 1];
      const kept = segments ? valueAt(doc, segments) : undefined;
      const what = typeof name === 'string' ? `"${name}"` : 'this key';
      const value = kept ? ` (the last, ${shown(kept.value)}, is what JSON.parse and this analysis read)` : '';
      const index = statementOf(path, statements !== undefined);
      if (index !== undefined) (this.ambiguous ??= new Set()).add(index);
      this.inStatement = statements && index !== undefined ? statementContext(index, statements[index]) : undefined;
      this.error(
        path,
        `${what} appears more than once in the same object, so readers may disagree on its value${value}: some keep the first, others the last, others reject the policy. Keep one ${what} with the value you mean${index === undefined ? '' : '; until then the statement is left out of the analysis'}`,
      );
    }
    this.inStatement = undefined;
  }

  /**
   * A string or a non-empty array of strings. Returns the strings; `at(path, i)` gives an entry's path when
   * one is needed (most entries never need one).
   */
  stringList(value: unknown, parent: string, member: string, element: string, sub?: string): string[] | undefined {
    if (value === '*') return ANY;
    if (typeof value === 'string' && value !== '') return [value];
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')) return value as string[];
    // The path of the list (`parent` then `member`) is built only here, for the error.
    return this.badStringList(value, keyPath(parent, member), sub === undefined ? element : `${element}.${sub}`);
  }

  /** The error for a value that is not a string or a non-empty array of non-empty strings. */
  badStringList(value: unknown, path: string, what: string): undefined {
    if (typeof value === 'string') {
      this.error(path, `${what} is an empty string`);
    } else if (Array.isArray(value)) {
      if (value.length === 0) this.error(path, `${what} is an empty array: list at least one value`);
      else {
        const i = value.findIndex((v) => typeof v !== 'string' || v === '');
        this.error(`${path}[${i}]`, `${what} entries must be non-empty strings, found ${typeName(value[i])}`);
      }
    } else {
      this.error(path, `${what} must be a string or an array of strings, found ${typeName(value)}`);
    }
    return undefined;
  }

  /** Statements that hold a duplicated key: left out of the analysis, like any statement that breaks the grammar. */
  private ambiguous: Set<number> | undefined;

  /** Members of the objects read so far; when nothing was wrong, that is every object of the document. */
  private members = 0;

  parse(input: unknown, callerDuplicates?: readonly string[]): ParsedPolicy | undefined {
    let doc = input;
    if (typeof input === 'string') {
      if (input.length > MAX_POLICY_TEXT_CHARS) {
        this.error(
          '$',
          `the policy text is ${input.length.toLocaleString('en-US')} characters, more than the 1 MiB (${MAX_POLICY_TEXT_CHARS.toLocaleString('en-US')} characters) the engine reads; AWS KMS accepts a key policy of at most 32 KB, so this is not a key policy as written: check that the right file or value was given`,
        );
        return undefined;
      }
      try {
        doc = JSON.parse(input);
      } catch (e) {
        this.error('$', `the policy is not valid JSON: ${(e as Error).message}`);
        return undefined;
      }
    }
    const policy = this.document(doc);
    if (callerDuplicates && callerDuplicates.length > 0) this.duplicateKeys(doc, callerDuplicates);
    if (typeof input === 'string') {
      // JSON.parse keeps only the last of two equal keys: find them in the text itself.
      const inText = duplicateKeyPaths(input, doc, this.errors.length === 0 ? this.members : undefined);
      const fresh = callerDuplicates ? inText.filter((p) => !callerDuplicates.includes(p)) : inText;
      if (fresh.length > 0) this.duplicateKeys(doc, fresh);
    }
    // One way out for a statement holding a duplicate, however the duplicate was learnt: it is read like any
    // other (so its Sid still counts against a second statement with the same one), then left out.
    const ambiguous = this.ambiguous;
    if (policy && ambiguous) policy.statements = policy.statements.filter((st) => !ambiguous.has(st.index));
    return policy;
  }

  document(doc: unknown): ParsedPolicy | undefined {
    if (!isRecord(doc)) {
      this.error('$', `a key policy must be a JSON object, found ${typeName(doc)}`);
      return undefined;
    }
    this.members += this.checkElementNames(doc, TOP_LEVEL, '$', 'policy');
    const policy: ParsedPolicy = { statements: [] };
    if (doc.Version !== undefined) {
      if (doc.Version === '2012-10-17' || doc.Version === '2008-10-17') policy.version = doc.Version;
      else this.error('$.Version', `Version must be "2012-10-17" (or the older "2008-10-17"), found ${shown(doc.Version)}`);
    }
    if (doc.Id !== undefined) {
      if (typeof doc.Id === 'string') policy.id = doc.Id;
      else this.error('$.Id', `Id must be a string, found ${typeName(doc.Id)}`);
    }
    const st = doc.Statement;
    if (st === undefined) {
      this.error('$', 'the policy has no Statement: add a "Statement" array');
      return policy;
    }
    const list: readonly unknown[] = Array.isArray(st) ? st : [st];
    if (Array.isArray(st) && st.length === 0) this.error('$.Statement', 'Statement is an empty array');
    const sids = new Map<string, string>();
    list.forEach((value, index) => {
      const path = list === st ? '$.Statement' + indexStep(index) : '$.Statement';
      // A Statement written as one object is no entry of an array: its errors name no statement index.
      this.inStatement = list === st ? statementContext(index, value) : undefined;
      const parsed = this.statement(value, path, index);
      if (parsed?.sid !== undefined) {
        const prev = sids.get(parsed.sid);
        if (prev !== undefined) this.error(`${path}.Sid`, `Sid "${parsed.sid}" is used twice (also at ${prev}.Sid); Sids must be unique`);
        else sids.set(parsed.sid, path);
      }
      if (parsed) policy.statements.push(parsed);
    });
    this.inStatement = undefined;
    return policy;
  }

  statement(value: unknown, path: string, index: number): ParsedStatement | undefined {
    if (!isRecord(value)) {
      this.error(path, `a statement must be an object, found ${typeName(value)}`);
      return undefined;
    }
    const before = this.errors.length;
    this.members += this.checkElementNames(value, STATEMENT_ELEMENTS, path, 'statement');
    const sid = this.sid(value.Sid, path);
    const effect = this.effect(value.Effect, path);
    // Each element read in turn (errors in element order), into locals rather than an object per element.
    const principalName = this.oneOf(value, path, 'Principal', 'the statement has no Principal: a key policy statement must name a Principal (or NotPrincipal)');
    const principalPath = principalName === undefined ? undefined : keyPath(path, principalName);
    const principals = principalName === undefined || principalPath === undefined ? undefined : this.principalEntries(value[principalName], principalName, principalPath);
    const actionName = this.oneOf(value, path, 'Action', 'the statement has no Action: add "Action" (or "NotAction")');
    const actions = actionName === undefined ? undefined : this.actionElement(value[actionName], path, actionName);
    const resourceName = this.oneOf(value, path, 'Resource', 'the statement has no Resource: in a key policy use "Resource": "*" (this key)');
    const resources = resourceName === undefined ? undefined : this.stringList(value[resourceName], path, resourceName, resourceName);
    const conditions = value.Condition === undefined ? NO_CONDITIONS : this.conditionElement(value.Condition, `${path}.Condition`);
    if (this.errors.length > before || !effect || !principals || principalPath === undefined || actions === undefined || !resources || !conditions) return undefined;
    return parsedStatement(index, sid, effect, path, principalName !== 'Principal', principals, principalPath, actionName !== 'Action', actions, resourceName !== 'Resource', resources, conditions);
  }

  sid(sid: unknown, path: string): string | undefined {
    if (sid === undefined || typeof sid === 'string') return sid;
    this.error(`${path}.Sid`, `Sid must be a string, found ${typeName(sid)}`);
    return undefined;
  }

  effect(effect: unknown, path: string): 'Allow' | 'Deny' | undefined {
    if (effect === 'Allow' || effect === 'Deny') return effect;
    if (effect === undefined) this.error(path, 'the statement has no Effect: add "Effect": "Allow" or "Deny"');
    else this.error(`${path}.Effect`, `Effect must be exactly "Allow" or "Deny", found ${shown(effect)}`);
    return undefined;
  }

  /** The KMS actions of an Action or NotAction element (`name`) written as `raw`. */
  actionElement(raw: unknown, path: string, name: string): ActionSet | undefined {
    const list = this.stringList(raw, path, name, name);
    return list === undefined ? undefined : this.actionSet(list, raw, path, name);
  }

  /**
   * Exactly one of an element and its negated twin (Principal/NotPrincipal, Action/NotAction,
   * Resource/NotResource) must be present.
   */
  oneOf(st: Record<string, unknown>, path: string, name: 'Principal' | 'Action' | 'Resource', missing: string): string | undefined {
    const notName = NEGATED_ELEMENT[name];
    const has = st[name] !== undefined;
    const hasNot = st[notName] !== undefined;
    if (has && hasNot) {
      this.error(path, `the statement has both ${name} and ${notName}: keep one`);
      return undefined;
    }
    if (!has && !hasNot) {
      this.error(path, missing);
      return undefined;
    }
    // The name of the one written (the negated twin's name says it is negated).
    return has ? name : notName;
  }

  /** The entries of a Principal or NotPrincipal element (`name`) written at `ppath`. */
  principalEntries(value: unknown, name: string, ppath: string): PrincipalEntry[] | undefined {
    if (value === '*') return [{ principal: ANYONE, path: ppath, raw: '*' }];
    if (Array.isArray(value)) {
      this.error(ppath, `${name} must be "*" or an object such as {"AWS": [...]}, not an array`);
      return undefined;
    }
    if (!isRecord(value)) {
      this.error(ppath, `${name} must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}, found ${typeName(value)}`);
      return undefined;
    }
    const before = this.errors.length;
    const count = this.checkElementNames(value, PRINCIPAL_TYPE_SET, ppath, name);
    this.members += count;
    if (count === 0) {
      this.error(ppath, `${name} is an empty object: name at least one principal`);
      return undefined;
    }
    // Each name that is not a principal type was just reported.
    const unknownType = this.errors.length > before;
    // The entries fill an array of exactly their number (counted before the lists are checked; a list that
    // fails its check fails the statement): a statement's entries live as long as the analysis, and an array
    // grown by push keeps room for 17.
    let total = 0;
    for (let t = 0; t < PRINCIPAL_TYPES.length; t++) {
      const v = value[PRINCIPAL_TYPES[t] as string];
      if (v !== undefined) total += Array.isArray(v) ? v.length : 1;
    }
    const entries = new Array<PrincipalEntry>(total);
    let n = 0;
    let ok = true;
    for (let t = 0; t < PRINCIPAL_TYPES.length; t++) {
      const type = PRINCIPAL_TYPES[t] as string;
      if (value[type] === undefined) continue;
      const tpath = keyPath(ppath, type);
      const list = this.stringList(value[type], ppath, type, name, type);
      if (!list) {
        ok = false;
        continue;
      }
      for (let i = 0; i < list.length; i++) {
        const v = list[i] as string;
        const p = at(tpath, value[type], i);
        if (type === 'AWS' || type === 'Service') {
          const parsed = type === 'AWS' ? parseAwsPrincipal(v) : parseServicePrincipal(v);
          if (parsed.ok) entries[n++] = { principal: parsed.principal, path: p, raw: v };
          else {
            this.error(p, parsed.reason);
            ok = false;
          }
        } else if (type === 'Federated') {
          // An IAM identity provider's ARN names its account; a web identity provider (cognito…) none.
          entries[n++] = { principal: namedClass('federated', v, accountOfArn(v), undefined, `federated identity provider ${v}`), path: p, raw: v };
        } else {
          entries[n++] = { principal: namedClass('canonical-user', v, undefined, undefined, `canonical user ${v}`), path: p, raw: v };
        }
      }
    }
    if (!ok || unknownType) return undefined;
    return entries;
  }

  /** The KMS actions an Action or NotAction element (`name`, listing `list`, written as `raw`) covers. */
  actionSet(list: readonly string[], raw: unknown, path: string, name: string): ActionSet | undefined {
    let set: ActionSet = NO_ACTIONS;
    let ok = true;
    for (let i = 0; i < list.length; i++) {
      const value = list[i] as string;
      const m = matchActionPattern(value);
      const p = m.kind === 'kms' && m.known ? '' : at(keyPath(path, name), raw, i);
      switch (m.kind) {
        case 'invalid':
          this.error(p, m.reason);
          ok = false;
          break;
        case 'other-service':
          this.warnings.push({ code: 'NON_KMS_ACTION', path: p, message: `"${value}" is not a KMS action; it has no effect in a key policy` });
          break;
        case 'kms':
          if (!m.known) {
            this.warnings.push({
              code: 'UNKNOWN_ACTION',
              path: p,
              message: `"${value}" matches no KMS action (check the spelling, e.g. "kms:DescribeKey"); it grants nothing`,
            });
          }
          set = union(set, m.set);
          break;
      }
    }
    if (!ok) return undefined;
    return name === 'NotAction' ? minus(ALL_ACTIONS, set) : set;
  }

  conditionElement(value: unknown, path: string): ParsedCondition[] | undefined {
    if (value === undefined) return [];
    if (!isRecord(value)) {
      this.error(path, `Condition must be an object of operator → {key: value}, found ${typeName(value)}`);
      return undefined;
    }
    const out: ParsedCondition[] = [];
    let ok = true;
    // Operators already read in this Condition, kept only from the second on (most have one).
    let firstOperator: OperatorRead | undefined;
    let operators: OperatorRead[] | undefined;
    for (const operator in value) {
      this.members++;
      const opPath = keyPath(path, operator);
      const op = this.operator(operator, opPath);
      if (op === undefined) {
        ok = false;
        continue;
      }
      if (firstOperator === undefined) firstOperator = { name: operator, op };
      else {
        operators ??= [firstOperator];
        if (this.operatorCaseTwin(operators, operator, op, opPath)) {
          ok = false;
          continue;
        }
        operators.push({ name: operator, op });
      }
      if (!this.conditionBlock(value[operator], operator, op, opPath, out)) ok = false;
    }
    // Copied to an array of exactly its length: the conditions live as long as the analysis.
    return ok ? out.slice() : undefined;
  }

  /** The condition operator named `operator`, or undefined once its error is reported. */
  operator(operator: string, opPath: string): Operator | undefined {
    const op = parseOperator(operator);
    if (op.ok) return op;
    this.error(opPath, op.reason);
    return undefined;
  }

  /**
   * Two names read as one operator (set qualifiers are read without regard to case) would be two blocks for
   * the same test, and which one a reader keeps is ambiguous, like a key written twice. Reports it and says
   * whether `op` is such a twin of an operator read before.
   */
  operatorCaseTwin(operators: readonly OperatorRead[], operator: string, op: Operator, opPath: string): boolean {
    const same = operators.find((o) => o.op.base === op.base && o.op.qualifier === op.qualifier && o.op.ifExists === op.ifExists);
    if (!same) return false;
    this.error(opPath, `the operators "${same.name}" and "${operator}" differ only in case and are read as one operator, so readers may disagree on which block applies: merge them into one "${same.name}" block`);
    return true;
  }

  /** Appends the conditions of one operator's block to `out`; false when any of it is wrong. */
  conditionBlock(block: unknown, operator: string, op: Operator, opPath: string, out: ParsedCondition[]): boolean {
    if (!isRecord(block)) {
      this.error(opPath, `the "${operator}" block must be an object of condition key → value, found ${typeName(block)}`);
      return false;
    }
    let ok = true;
    // Condition key names are not case-sensitive (aws:SourceIp is aws:SOURCEIP), so two keys in one block
    // that differ only in case are one key written twice; IAM Access Analyzer rejects them ("Duplicate keys
    // with different case").
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-duplicate-keys-with-different-case
    // Keys already read in this block, kept only from the second on (most blocks have one).
    let firstKey: string | undefined;
    let keys: string[] | undefined;
    for (const condKey in block) {
      this.members++;
      const kPath = keyPath(opPath, condKey);
      const lower = lowerCase(condKey);
      if (firstKey === undefined) firstKey = condKey;
      else {
        keys ??= [firstKey];
        if (this.keyCaseTwin(keys, condKey, lower, kPath)) {
          ok = false;
          continue;
        }
        keys.push(condKey);
      }
      const values = this.conditionValues(block[condKey], kPath, op.base);
      if (values) out.push(parsedCondition(operator, op, condKey, lower, values, kPath));
      else ok = false;
    }
    return ok;
  }

  /** Reports `condKey` and says whether it is, but for case, a key read before in the same block. */
  keyCaseTwin(keys: readonly string[], condKey: string, lower: string, kPath: string): boolean {
    const same = keys.find((k) => k.toLowerCase() === lower);
    if (same === undefined) return false;
    this.error(kPath, `the condition keys "${same}" and "${condKey}" differ only in case; IAM reads condition keys without regard to case, so this is one key written twice and readers may disagree on its value: keep one "${same}" with the values you mean`);
    return true;
  }

  conditionValues(raw: unknown, path: string, base: string): string[] | undefined {
    let out: string[];
    if (Array.isArray(raw)) {
      if (raw.length === 0) {
        this.error(path, 'a condition value list is empty');
        return undefined;
      }
      let allStrings = true;
      for (let i = 0; i < raw.length; i++) {
        const item: unknown = raw[i];
        if (typeof item === 'string') continue;
        if (!isScalar(item)) {
          this.error(`${path}[${i}]`, `a condition value must be a string, number or boolean, found ${typeName(item)}`);
          return undefined;
        }
        allStrings = false;
      }
      // A list of strings is kept as written (as Action and Resource lists are), not copied.
      out = allStrings ? (raw as string[]) : raw.map((item: unknown) => (typeof item === 'string' ? item : String(item)));
    } else if (typeof raw === 'string') out = [raw];
    else if (isScalar(raw)) out = [String(raw)];
    else {
      this.error(path, `a condition value must be a string, number or boolean, found ${typeName(raw)}`);
      return undefined;
    }
    if (base === 'Bool' || base === 'Null') {
      const lowered = out.map((v) => v.toLowerCase());
      if (lowered.some((v) => v !== 'true' && v !== 'false')) {
        this.error(path, `${base} takes true or false, found ${shown(raw)}`);
        return undefined;
      }
      return lowered;
    }
    return out;
  }
}

/**
 * Two literals rather than a Sid added afterwards, which would move it out of the object into a separate
 * property store; the Sid stays the last key, as before.
 */
function parsedStatement(
  index: number,
  sid: string | undefined,
  effect: 'Allow' | 'Deny',
  path: string,
  principalNegated: boolean,
  principals: PrincipalEntry[],
  principalPath: string,
  actionNegated: boolean,
  actions: ActionSet,
  resourceNegated: boolean,
  resources: string[],
  conditions: ParsedCondition[],
): ParsedStatement {
  if (sid === undefined) {
    return { index, effect, path, principalNegated, principals, principalPath, actionNegated, actions, resourceNegated, resources, conditions };
  }
  return { index, effect, path, principalNegated, principals, principalPath, actionNegated, actions, resourceNegated, resources, conditions, sid };
}

type Operator = Extract<ReturnType<typeof parseOperator>, { ok: true }>;

/** An operator of a Condition element, under the name it was written with. */
interface OperatorRead {
  name: string;
  op: Operator;
}

function parsedCondition(operator: string, op: Operator, key: string, keyLower: string, values: string[], path: string): ParsedCondition {
  const cond: ParsedCondition = {
    operator,
    base: op.base,
    ifExists: op.ifExists,
    negated: isNegatedOperator(op.base),
    key,
    keyLower,
    category: keyCategory(keyLower),
    values,
    path,
  };
  if (op.qualifier) cond.qualifier = op.qualifier;
  return cond;
}

/**
 * The conditions of a Condition element written at `path`, read with the key policy's grammar: for the other
 * policies judged with the engine's condition semantics (identity policies, boundaries, SCPs and RCPs).
 */
export function parseConditionElement(value: unknown, path: string): { conditions?: ParsedCondition[]; errors: ParseError[] } {
  const parser = new Parser();
  const conditions = parser.conditionElement(value, path);
  return conditions ? { conditions, errors: parser.errors } : { errors: parser.errors };
}

/**
 * Parse and validate a key policy, given as JSON text or as a parsed value. `duplicateKeyPaths` names keys
 * that appeared more than once in a document the caller parsed (duplicates in text are found here).
 */
export function parsePolicy(input: unknown, duplicateKeyPaths?: readonly string[]): ParseResult {
  const parser = new Parser();
  const policy = parser.parse(input, duplicateKeyPaths);
  const result: ParseResult = { errors: parser.errors, warnings: parser.warnings };
  if (policy) result.policy = policy;
  return result;
}
