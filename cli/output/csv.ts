/**
 * CSV (RFC 4180: comma-separated, CRLF line ends, a field quoted when it holds a comma, a quote or a line break, a
 * quote doubled inside) for spreadsheets and audit evidence: a header, then one row per finding and one per input
 * that could not be read or judged (finding-list.ts), never dropped.
 *
 * A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula, and tab or carriage return can lead
 * one in (OWASP, CSV Injection): such a value is written with a leading `'`, which spreadsheets show as text. Sids,
 * principals and file names come from whoever wrote the policy or the template.
 */
import type { Report } from '../report';
import { listFindings, relatedRequirements, sidsOf, type ListedFinding } from './finding-list';
import { htmlSafe } from './safe-text';

/** The columns, in order: what an auditor sorts and filters by first. */
export const CSV_COLUMNS = [
  'severity',
  'status',
  'check_id',
  'title',
  'resource',
  'account',
  'region',
  'principals',
  'actions',
  'statement_sids',
  'path',
  'message',
  'fix',
  'documentation',
  'compliance',
  'acceptance',
  'fingerprint',
] as const;

type Row = Record<(typeof CSV_COLUMNS)[number], string>;

/** Leading characters a spreadsheet may read as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A value as a CSV field: neutralised if a spreadsheet would run it, then quoted if it needs to be. Control and
 * bidirectional characters other than tab and line breaks are written as `\uXXXX`, as in every other output, so
 * `cat report.csv` cannot drive the terminal.
 */
export function csvField(value: string): string {
  const safe = htmlSafe(value);
  const text = FORMULA_START.test(safe) ? `'${safe}` : safe;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function stringFact(extra: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = extra?.[name];
  return typeof v === 'string' ? v : undefined;
}

function statusOf(item: ListedFinding): string {
  if (!item.judged) return 'not judged';
  return item.finding?.suppression === undefined ? 'new' : 'accepted';
}

function rowOf(item: ListedFinding, report: Report): Row {
  const extra = item.entry.extra;
  const f = item.finding;
  const keyArn = stringFact(extra, 'keyArn');
  const [, , , arnRegion, arnAccount] = keyArn?.split(':') ?? [];
  const s = f?.suppression;
  return {
    severity: item.severity,
    status: statusOf(item),
    check_id: item.checkId,
    title: item.title,
    resource: item.identity,
    account: arnAccount ?? stringFact(extra, 'account') ?? report.run?.settings.accountId ?? '',
    region: arnRegion ?? stringFact(extra, 'region') ?? report.run?.settings.region ?? '',
    principals: (f?.principals ?? []).join(' '),
    actions: (f?.actions ?? []).join(' '),
    statement_sids: sidsOf(f).join(' '),
    path: f?.path ?? '',
    message: item.message,
    fix: item.meta?.fix ?? 'make the input readable and run again; until then the key is not judged',
    documentation: item.meta?.references[0] ?? '',
    compliance: relatedRequirements(item.meta).join('; '),
    acceptance: s === undefined ? '' : `${s.kind}${s.expires !== undefined ? ` until ${s.expires}` : ''}: ${s.reason}`,
    fingerprint: item.fingerprint,
  };
}

export function renderCsv(report: Report): string {
  const lines = [CSV_COLUMNS.join(','), ...listFindings(report).map((item) => CSV_COLUMNS.map((c) => csvField(rowOf(item, report)[c])).join(','))];
  return lines.map((l) => `${l}\r\n`).join('');
}
