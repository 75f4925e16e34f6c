/**
 * KMS grants: the other way, beside the key policy, to let a principal use a key. A grant never appears in
 * the key policy, and lets its grantee perform its operations whatever the key policy and IAM say
 * (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
 */

/** One grant of the key, as ListGrants answers it (GrantListEntry), in the engine's terms. */
export interface KeyGrant {
  grantId: string;
  name?: string;
  /** ARN of the grantee: an IAM principal (role, user, account root) or an AWS service principal. */
  granteePrincipal?: string;
  /** Who may retire the grant. */
  retiringPrincipal?: string;
  /** The account that created the grant. */
  issuingAccount?: string;
  /** The grant's operations as ListGrants writes them, without the `kms:` prefix (e.g. `Decrypt`). */
  operations: readonly string[];
  /** Encryption-context constraints: the grant only applies to requests whose context matches. */
  constraints?: {
    encryptionContextSubset?: Readonly<Record<string, string>>;
    encryptionContextEquals?: Readonly<Record<string, string>>;
  };
  /** Set when RetiringPrincipal is present but could not be read: anyone may be able to retire the grant. */
  retiringPrincipalUnreadable?: true;
  /** Set when Operations could not be read: the grant may allow any operation, CreateGrant included. */
  operationsUnreadable?: true;
  /** What could not be read of the ListGrants entry (see keyGrantsFromListGrants); absent when all was read. */
  problems?: readonly string[];
}

/**
 * The operations a grant can allow: the GrantOperation enum of the KMS API
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html#KMS-CreateGrant-request-Operations).
 * A test holds it equal to the SDK's enum.
 */
export const GRANT_OPERATIONS: readonly string[] = Object.freeze([
  'CreateGrant',
  'Decapsulate',
  'Decrypt',
  'DeriveSharedSecret',
  'DescribeKey',
  'Encapsulate',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GetPublicKey',
  'ReEncryptFrom',
  'ReEncryptTo',
  'RetireGrant',
  'Sign',
  'Verify',
  'VerifyMac',
]);

const KNOWN_OPERATIONS = new Set(GRANT_OPERATIONS);

/** What could not be read of one ListGrants entry. */
export interface GrantProblem {
  /** Zero-based position of the entry in the list given. */
  index: number;
  /** The grant's id, or the name it is judged under when it has none (`#<index>`). */
  grantId: string;
  message: string;
}

/** ListGrants entries in the engine's terms, and what could not be read of them. */
export interface GrantsReading {
  /** One grant per entry, in order: an entry is never dropped, whatever could not be read of it. */
  grants: KeyGrant[];
  problems: GrantProblem[];
}

/**
 * The name a grant without GrantId is judged under: its position in the list. KMS always returns a GrantId
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantListEntry.html), so only a hand-made or damaged
 * list lacks one; the grant is still judged, and the problem says why it has no better name.
 */
export function unnamedGrantId(index: number): string {
  return `#${index}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A string → string map (an encryption-context constraint), or a problem. */
function contextMap(value: unknown, where: string, problems: string[]): Readonly<Record<string, string>> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${where} is not a map of strings`);
    return undefined;
  }
  // No prototype: a context key such as "__proto__" is a key like any other.
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      problems.push(`${where}.${k} is not a string`);
      continue;
    }
    out[k] = v;
  }
  return out;
}

/**
 * One ListGrants entry (the SDK's GrantListEntry, or the JSON `aws kms list-grants` prints) as a KeyGrant.
 * What cannot be read is listed in `problems` and the grant kept, judged on what could be read:
 * - no GrantId: judged under `#<index>`;
 * - Operations missing or not a list of strings: judged as allowing no known operation, the problem naming it
 *   (the grant checks report such a grant as not judged: it may allow CreateGrant);
 * - an operation KMS does not list (added after this release): kept as written; it cannot be CreateGrant;
 * - a missing or non-string GranteePrincipal or RetiringPrincipal: left unset (the grantee check reports a grant
 *   without a readable grantee as not judged); a RetiringPrincipal present but not a non-empty string also sets
 *   retiringPrincipalUnreadable, and the grant is reported as not judged (who may retire it is unknown).
 */
function keyGrantOf(entry: unknown, index: number): { grant: KeyGrant; problems: string[] } {
  const problems: string[] = [];
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push('the entry is not an object');
    return { grant: { grantId: unnamedGrantId(index), operations: [], problems }, problems };
  }
  const e = entry as Record<string, unknown>;
  const id = text(e.GrantId);
  if (id === undefined) problems.push('it has no GrantId');
  const grant: KeyGrant = { grantId: id ?? unnamedGrantId(index), operations: [] };
  const name = text(e.Name);
  if (name !== undefined) grant.name = name;
  for (const [field, key] of [
    ['GranteePrincipal', 'granteePrincipal'],
    ['RetiringPrincipal', 'retiringPrincipal'],
    ['IssuingAccount', 'issuingAccount'],
  ] as const) {
    const value = e[field];
    if (value === undefined || value === null) continue;
    if (text(value) === undefined) {
      problems.push(`${field} is not a non-empty string`);
      if (field === 'RetiringPrincipal') grant.retiringPrincipalUnreadable = true;
    } else grant[key] = value as string;
  }
  if (grant.granteePrincipal === undefined && !problems.some((p) => p.startsWith('GranteePrincipal'))) problems.push('it has no GranteePrincipal');
  if (Array.isArray(e.Operations) && e.Operations.every((o) => typeof o === 'string')) {
    grant.operations = [...(e.Operations as string[])];
    const unknown = grant.operations.filter((o) => !KNOWN_OPERATIONS.has(o));
    if (unknown.length > 0) problems.push(`operation${unknown.length === 1 ? '' : 's'} ${unknown.map((o) => JSON.stringify(o)).join(', ')} unknown to this release`);
  } else {
    grant.operationsUnreadable = true;
    problems.push(e.Operations === undefined ? 'it has no Operations' : 'Operations is not a list of strings');
  }
  const c = e.Constraints;
  if (c !== undefined && c !== null) {
    if (typeof c !== 'object' || Array.isArray(c)) problems.push('Constraints is not an object');
    else {
      const subset = contextMap((c as Record<string, unknown>).EncryptionContextSubset, 'Constraints.EncryptionContextSubset', problems);
      const equals = contextMap((c as Record<string, unknown>).EncryptionContextEquals, 'Constraints.EncryptionContextEquals', problems);
      if (subset !== undefined || equals !== undefined) {
        grant.constraints = {};
        if (subset !== undefined) grant.constraints.encryptionContextSubset = subset;
        if (equals !== undefined) grant.constraints.encryptionContextEquals = equals;
      }
    }
  }
  if (problems.length > 0) grant.problems = problems;
  return { grant, problems };
}

/**
 * ListGrants entries (the `Grants` of every page, concatenated; or the output of `aws kms list-grants`, whose
 * `{"Grants": [...]}` is accepted too) as KeyGrants. Never throws and never drops an entry: see keyGrantOf.
 * A value that is no list at all yields no grant and one problem, which the caller must treat as "grants not
 * read", never as "no grants".
 */
export function keyGrantsFromListGrants(entries: unknown): GrantsReading {
  const list =
    typeof entries === 'object' && entries !== null && !Array.isArray(entries) && Array.isArray((entries as Record<string, unknown>).Grants)
      ? ((entries as Record<string, unknown>).Grants as unknown[])
      : entries;
  if (!Array.isArray(list)) return { grants: [], problems: [{ index: -1, grantId: '', message: 'the grants are not a list (ListGrants answers {"Grants": [...]})' }] };
  const reading: GrantsReading = { grants: [], problems: [] };
  list.forEach((entry: unknown, index) => {
    const { grant, problems } = keyGrantOf(entry, index);
    reading.grants.push(grant);
    for (const message of problems) reading.problems.push({ index, grantId: grant.grantId, message });
  });
  return reading;
}

/** Where a grant's findings point: `grants[<grantId>]`, the grant's field after it when one is meant. */
export function grantPath(grant: KeyGrant, field?: 'GranteePrincipal' | 'RetiringPrincipal' | 'Operations'): string {
  return `grants[${grant.grantId}]${field === undefined ? '' : `.${field}`}`;
}
