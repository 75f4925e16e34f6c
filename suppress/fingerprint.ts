/**
 * Finding fingerprints: one stable id per finding, for baselines (and for any system that must recognise the
 * same finding from one run to the next). A fingerprint depends on what was found and where, never on how the
 * policy is laid out:
 *
 * - the key's identity (a key ARN, a template file and logical id, a policy file), as the caller gives it;
 * - the check id;
 * - the content of the statements behind the finding in canonical form (below), as a set: moving a statement,
 *   adding another, reformatting or re-sorting lists changes nothing; statement indexes are never used;
 * - the principals the finding names, sorted, so two findings of one check on one statement stay apart;
 * - for a finding about the whole policy (no statement), its path (`$`, `$.Version`).
 *
 * IAM reads a one-element list and its lone string alike, and the order of the values of Action, Resource,
 * Principal or a condition key does not matter to it; the canonical form reads them so too. The version
 * prefix changes whenever what goes into a fingerprint changes, so old and new ones are never confused.
 */
import { createHash } from 'node:crypto';

/** Prefix of every fingerprint: what went into it. */
export const FINGERPRINT_VERSION = 'kpg1';

export interface FingerprintInput {
  /** The key's identity: key ARN (scan), `path#logicalId` (templates), file path (policy files). */
  readonly key: string;
  readonly checkId: string;
  /** The statements behind the finding, as written (any order); empty for a finding about the whole policy. */
  readonly statements: readonly unknown[];
  /** The finding's path; used only when `statements` is empty. */
  readonly path: string;
  /** The principals the finding names. */
  readonly principals: readonly string[];
}

/** A token to write as it is, or a value still to serialise. */
type Work = { text: string } | { value: unknown };

/**
 * JSON text of `value` in canonical form: object keys sorted, lists of strings sorted and de-duplicated, a
 * one-element list of strings written as the string. Other lists keep their order. Written with an explicit
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
      if (v.length > 0 && v.every((x) => typeof x === 'string')) {
        const unique = [...new Set(v as string[])].sort();
        out.push(JSON.stringify(unique.length === 1 ? unique[0] : unique));
        continue;
      }
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

/** The finding's fingerprint: `kpg1:` and a SHA-256 in hex. */
export function findingFingerprint(input: FingerprintInput): string {
  const statements = [...new Set(input.statements.map(canonicalJson))].sort();
  const principals = [...new Set(input.principals)].sort();
  const where = statements.length > 0 ? { statements } : { path: input.path };
  const material = JSON.stringify({ key: input.key, check: input.checkId, principals, ...where });
  return `${FINGERPRINT_VERSION}:${createHash('sha256').update(material).digest('hex')}`;
}
