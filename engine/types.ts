/**
 * Public types of the analysis engine. The engine is pure: no AWS SDK, no fs, no Lambda types.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank for ordering: higher is more severe. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(severity);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

import type { KeyGrant } from './key-grants';

/**
 * What is known of the key being analysed and who is trusted: the options every check reads. The caller's
 * full options (`AnalysisOptions`, in findings.ts) add the checks to leave out.
 */
export interface KeyContext {
  /** The 12-digit account that owns the key. Without it, own and foreign accounts cannot be told apart. */
  accountId?: string;
  /** Accounts whose principals may act on the key without an UNTRUSTED_CROSS_ACCOUNT finding. */
  trustedAccountIds?: readonly string[];
  /** Organisations (o-…) whose principals may act on the key without an UNTRUSTED_CROSS_ACCOUNT finding. */
  trustedOrgIds?: readonly string[];
  /** The key's ARN; used to decide whether a statement's Resource can match this key. */
  keyArn?: string;
  /**
   * JSON paths (`$.Statement[0].Effect`, relative to the policy) of keys that appeared more than once in the
   * document the caller parsed; each is reported as INVALID_POLICY. The engine finds duplicates itself when
   * given text.
   */
  duplicateKeyPaths?: readonly string[];
  /**
   * The key's KMS grants (ListGrants), read with keyGrantsFromListGrants. Undefined: not read. The grant checks
   * (UNTRUSTED_GRANTEE, REDELEGABLE_GRANT) then say nothing, and the caller must report that the grants were not
   * read: never judge a key whose grants are unknown as having none. An empty list: the key has no grants.
   */
  grants?: readonly KeyGrant[];
}

/** What a finding says, apart from which check says it (see `Finding` in findings.ts). */
export interface FindingDetail {
  /** Who can do what, and why. */
  message: string;
  /** Zero-based statement indexes behind the finding (empty for whole-policy findings). */
  statementIndexes: number[];
  /** Sids of those statements (undefined where a statement has none). */
  sids: (string | undefined)[];
  /** JSON path to the most specific element, e.g. `$.Statement[1].Principal.AWS[0]`. */
  path: string;
  /** Principals concerned, as written or as classified (e.g. `account:111122223333`). */
  principals: string[];
  /** Actions concerned (canonical names, e.g. `kms:Decrypt`). */
  actions: string[];
  /** How the access is granted: `unconditional`, or `conditional` with the condition keys that apply. */
  access?: 'conditional' | 'unconditional';
  conditionKeys?: string[];
  /**
   * Set when the engine could not judge the policy fully: a check threw (the finding carries that check's
   * id and severity) or the analysis could not run at all. Consumers treat the policy as not judged,
   * whatever the finding's severity.
   */
  notJudged?: true;
}

/** A problem that does not make the policy invalid but deserves a look (e.g. an unknown KMS action). */
export interface Warning {
  /** INVALID_GRANT: part of a grant could not be read (keyGrantsFromListGrants); the grant is judged on the rest. */
  code: 'UNKNOWN_ACTION' | 'UNKNOWN_CONDITION_KEY' | 'ACCOUNT_UNKNOWN' | 'NON_KMS_ACTION' | 'INERT_STATEMENT' | 'INVALID_GRANT';
  message: string;
  path: string;
}
