/**
 * Inline suppressions: a team that owns a template records, on the key resource itself, that it has looked at a
 * finding and accepts it, with a reason and optionally an expiry:
 *
 * ```yaml
 * Metadata:
 *   kms-policy-guard:
 *     suppress:
 *       - id: ACCOUNT_WIDE_FULL_ACCESS
 *         reason: "Key administrators are defined by SCP; ticket SEC-1234"
 *         expires: "2027-06-30"
 * ```
 *
 * Reading is strict: an entry with a typo, no reason or a bad date suppresses nothing and is reported, so a
 * mistake never hides a finding silently and never passes unnoticed.
 */
import { CHECK, CHECK_IDS, isCheckId, type CheckId } from '../engine';

/** The resource Metadata key that holds the block. */
export const METADATA_KEY = 'kms-policy-guard';

/** A reason shorter than this says nothing a reviewer could check ("ok", "n/a", "accepted"). */
export const MIN_REASON_LENGTH = 10;

export interface InlineSuppression {
  readonly id: CheckId;
  readonly reason: string;
  /** Last day (UTC, `YYYY-MM-DD`, inclusive) on which the suppression applies. */
  readonly expires?: string;
}

export interface InlineSuppressionRead {
  readonly suppressions: InlineSuppression[];
  /** One message per entry or block that was refused: where it is, what is wrong, how to fix it. */
  readonly problems: string[];
}

const BLOCK_KEYS = ['suppress'];
const ENTRY_KEYS = ['id', 'reason', 'expires'];
const EXAMPLE = `{suppress: [{id: ${CHECK.ACCOUNT_WIDE_FULL_ACCESS}, reason: "why this is accepted", expires: "2027-06-30"}]}`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `YYYY-MM-DD` naming a real calendar day. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m === null) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(value).filter((k) => !allowed.includes(k));
}

/** Check ids are matched in any ASCII letter case, as `--disable-checks` and DisabledChecks do. */
function checkIdOf(value: string): string {
  return /^[A-Za-z0-9_]+$/.test(value) ? value.toUpperCase() : value;
}

function readEntry(entry: unknown, where: string): InlineSuppression | string {
  if (!isRecord(entry)) return `${where}: an entry must be a mapping such as {id: ${CHECK.ACCOUNT_WIDE_FULL_ACCESS}, reason: "…"}`;
  const extra = unknownKeys(entry, ENTRY_KEYS);
  if (extra.length > 0) return `${where}: unknown field ${extra.map((k) => `"${k}"`).join(', ')} (allowed: ${ENTRY_KEYS.join(', ')}); the entry is ignored`;
  if (typeof entry.id !== 'string') return `${where}.id: missing; name the check to suppress (one of ${CHECK_IDS.join(', ')})`;
  const id = checkIdOf(entry.id.trim());
  if (!isCheckId(id)) return `${where}.id: "${entry.id}" is not a check id (known: ${CHECK_IDS.join(', ')})`;
  if (id === CHECK.INVALID_POLICY) return `${where}.id: ${CHECK.INVALID_POLICY} cannot be suppressed: a policy that cannot be parsed is never judged`;
  if (typeof entry.reason !== 'string' || entry.reason.trim().length < MIN_REASON_LENGTH) {
    return `${where}.reason: a reason of at least ${MIN_REASON_LENGTH} characters is required (who accepted the risk and why, e.g. a ticket); the entry is ignored`;
  }
  if (entry.expires === undefined) return { id, reason: entry.reason.trim() };
  if (typeof entry.expires !== 'string' || !isCalendarDate(entry.expires)) {
    return `${where}.expires: ${JSON.stringify(entry.expires)} is not a date written as a quoted "YYYY-MM-DD"; the entry is ignored`;
  }
  return { id, reason: entry.reason.trim(), expires: entry.expires };
}

/**
 * The suppressions in a resource's `Metadata` (the whole Metadata value, as written). Anything malformed is
 * left out and described in `problems`; an absent block is no suppression and no problem.
 */
export function readInlineSuppressions(metadata: unknown): InlineSuppressionRead {
  if (metadata === undefined || metadata === null) return { suppressions: [], problems: [] };
  if (!isRecord(metadata) || !Object.hasOwn(metadata, METADATA_KEY)) return { suppressions: [], problems: [] };
  const block = metadata[METADATA_KEY];
  const where = `Metadata.${METADATA_KEY}`;
  if (!isRecord(block)) return { suppressions: [], problems: [`${where}: must be a mapping such as ${EXAMPLE}; nothing is suppressed`] };
  const problems: string[] = [];
  const extra = unknownKeys(block, BLOCK_KEYS);
  if (extra.length > 0) problems.push(`${where}: unknown field ${extra.map((k) => `"${k}"`).join(', ')} (allowed: ${BLOCK_KEYS.join(', ')})`);
  const list = block.suppress;
  if (list === undefined) return { suppressions: [], problems };
  if (!Array.isArray(list)) return { suppressions: [], problems: [...problems, `${where}.suppress: must be a list such as ${EXAMPLE}; nothing is suppressed`] };
  const suppressions: InlineSuppression[] = [];
  list.forEach((entry, i) => {
    const read = readEntry(entry, `${where}.suppress[${i}]`);
    if (typeof read === 'string') problems.push(read);
    else suppressions.push(read);
  });
  return { suppressions, problems };
}
