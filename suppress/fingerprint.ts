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

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => typeof v === 'string')) {
      const unique = [...new Set(value as string[])].sort();
      return unique.length === 1 ? unique[0] : unique;
    }
    return value.map(canonical);
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, canonical(record[k])]),
    );
  }
  return value;
}

/**
 * JSON text of `value` in canonical form: object keys sorted, lists of strings sorted and de-duplicated, a
 * one-element list of strings written as the string. Other lists keep their order.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value)) ?? 'undefined';
}

/** The finding's fingerprint: `kpg1:` and a SHA-256 in hex. */
export function findingFingerprint(input: FingerprintInput): string {
  const statements = [...new Set(input.statements.map(canonicalJson))].sort();
  const principals = [...new Set(input.principals)].sort();
  const where = statements.length > 0 ? { statements } : { path: input.path };
  const material = JSON.stringify({ key: input.key, check: input.checkId, principals, ...where });
  return `${FINGERPRINT_VERSION}:${createHash('sha256').update(material).digest('hex')}`;
}
