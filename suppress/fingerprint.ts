/**
 * Finding fingerprints: one stable id per finding, for baselines (and for any system that must recognise the
 * same finding from one run to the next). A fingerprint depends on what was found and where, never on how the
 * policy is laid out:
 *
 * - the key's identity (a key ARN, a template file and logical id with its stack, a policy file), as the caller gives it;
 * - the check id;
 * - what the finding grants: its principals, its actions, whether the access is conditional and the condition
 *   keys, each sorted. A statement removed elsewhere (a Deny that cut the grant down) changes these even when the
 *   granting statements stay as they were;
 * - for a template key with several deployable variants, the variants the finding is in, when not all are;
 * - the content of the statements behind the finding in canonical form (below), as a set: moving a statement,
 *   adding another, reformatting or re-sorting an IAM value set changes nothing; statement indexes are never used;
 * - for a finding about the whole policy (no statement), its path (`$`, `$.Version`).
 *
 * The version prefix changes whenever what goes into a fingerprint changes, so old and new ones are never confused.
 */
import { createHash } from 'node:crypto';

/** Prefix of every fingerprint: what went into it. */
export const FINGERPRINT_VERSION = 'kpg2';

export interface FingerprintInput {
  /** The key's identity: key ARN (scan), `path#logicalId` and stack (templates), file path (policy files). */
  readonly key: string;
  readonly checkId: string;
  /** The statements behind the finding, as written (any order); empty for a finding about the whole policy. */
  readonly statements: readonly unknown[];
  /** The finding's path; used only when `statements` is empty. */
  readonly path: string;
  /** The principals the finding names. */
  readonly principals: readonly string[];
  /** The actions the finding grants. */
  readonly actions: readonly string[];
  /** Whether the grant is conditional; undefined when the check does not say. */
  readonly access?: 'conditional' | 'unconditional';
  readonly conditionKeys?: readonly string[];
  /** The deployable variants the finding is in, when it is not in all of them. */
  readonly variants?: readonly string[];
}

/** A token to write as it is, or a value still to serialise. */
type Work = { text: string } | { value: unknown };

/**
 * JSON text of `value` in canonical form: object keys sorted, every list in its order. Written with an explicit
 * stack, not recursion: a hostile template nests intrinsics thousands deep, and that must not throw.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const work: Work[] = [{ value }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      const parts: Work[] = [{ text: '[' }];
      v.forEach((x, i) => parts.push(...(i > 0 ? [{ text: ',' }] : []), { value: x }));
      parts.push({ text: ']' });
      work.push(...parts.reverse());
    } else if (typeof v === 'object' && v !== null) {
      const record = v as Record<string, unknown>;
      const parts: Work[] = [{ text: '{' }];
      Object.keys(record)
        .sort()
        .forEach((k, i) => parts.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` }, { value: record[k] }));
      parts.push({ text: '}' });
      work.push(...parts.reverse());
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}

/** A plain object that is not a CloudFormation intrinsic (`{"Ref": …}`, `{"Fn::If": …}`): its contents are IAM's. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return !(keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || (keys[0] ?? '').startsWith('Fn::')));
}

/**
 * A value IAM reads as a set (the values of Action, Resource, a principal type, a condition key): its items in
 * canonical form, sorted and de-duplicated, a lone item written as itself (IAM reads `["x"]` and `"x"` alike).
 * An intrinsic is never a set: the arguments of `Fn::If`, `Fn::Select` or `Fn::Join` mean something by their order.
 */
function canonicalSet(value: unknown): string {
  if (!Array.isArray(value)) return canonicalJson(value);
  const items = [...new Set(value.map(canonicalJson))].sort();
  return items.length === 1 ? (items[0] as string) : `[${items.join(',')}]`;
}

/** An object written with its keys sorted, each value by `valueOf`. */
function canonicalRecord(record: Record<string, unknown>, valueOf: (key: string, value: unknown) => string): string {
  return `{${Object.keys(record)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${valueOf(k, record[k])}`)
    .join(',')}}`;
}

/** `{"AWS": [...], "Service": ...}`: each principal type's values are a set. `"*"` or an intrinsic as it is. */
function canonicalPrincipal(value: unknown): string {
  return isPlainRecord(value) ? canonicalRecord(value, (_k, v) => canonicalSet(v)) : canonicalJson(value);
}

/** `{"StringEquals": {"kms:ViaService": [...]}}`: each condition key's values are a set. */
function canonicalCondition(value: unknown): string {
  if (!isPlainRecord(value)) return canonicalJson(value);
  return canonicalRecord(value, (_op, keys) => (isPlainRecord(keys) ? canonicalRecord(keys, (_k, v) => canonicalSet(v)) : canonicalJson(keys)));
}

const SET_ELEMENTS = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);

/** A statement in canonical form: as canonicalJson, with IAM's value sets read as sets. */
export function canonicalStatement(statement: unknown): string {
  if (!isPlainRecord(statement)) return canonicalJson(statement);
  return canonicalRecord(statement, (k, v) => {
    if (SET_ELEMENTS.has(k)) return canonicalSet(v);
    if (k === 'Principal' || k === 'NotPrincipal') return canonicalPrincipal(v);
    if (k === 'Condition') return canonicalCondition(v);
    return canonicalJson(v);
  });
}

const sortedSet = (values: readonly string[] | undefined): string[] => [...new Set(values ?? [])].sort();

/** The finding's fingerprint: `kpg2:` and a SHA-256 in hex. */
export function findingFingerprint(input: FingerprintInput): string {
  const statements = [...new Set(input.statements.map(canonicalStatement))].sort();
  const where = statements.length > 0 ? { statements } : { path: input.path };
  const material = JSON.stringify({
    key: input.key,
    check: input.checkId,
    principals: sortedSet(input.principals),
    actions: sortedSet(input.actions),
    access: input.access ?? null,
    conditionKeys: sortedSet(input.conditionKeys),
    variants: sortedSet(input.variants),
    ...where,
  });
  return `${FINGERPRINT_VERSION}:${createHash('sha256').update(material).digest('hex')}`;
}
