import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_COLUMNS, csvField } from '../../cli/output/csv';
import { runCli } from '../support/cli';
import { ROOT, allow, policy } from '../support/policies';

const ACCOUNT = '111122223333';
const dir = mkdtempSync(join(tmpdir(), 'kpg-csv-'));
const write = (name: string, value: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
};

/** An RFC 4180 reader, enough for the tests: quoted fields with doubled quotes and line breaks, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

const records = (text: string): Record<string, string>[] => {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
};

describe('csvField', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\r=1', `"'\r=1"`],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['plain', 'plain'],
    ['a=b', 'a=b'],
    ['\u001b[31mred', '\\u001b[31mred'],
  ])('%j → %s', (value, field) => {
    expect(csvField(value)).toBe(field);
  });
});

describe('--format csv', () => {
  it('writes a header and one row per finding, with the columns an auditor sorts by, escaping formulas a Sid could carry', async () => {
    const file = write('bad.json', policy({ Sid: '=cmd', ...allow({ AWS: ROOT }, 'kms:*') }));
    const r = await runCli(['check', '--format', 'csv', '--account-id', ACCOUNT, '--region', 'eu-west-1', file]);
    expect(r.code).toBe(1);
    expect(r.stdout.endsWith('\r\n')).toBe(true);
    expect(parseCsv(r.stdout)[0]).toEqual([...CSV_COLUMNS]);
    const rows = records(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      severity: 'high',
      status: 'new',
      check_id: 'ACCOUNT_WIDE_FULL_ACCESS',
      account: ACCOUNT,
      region: 'eu-west-1',
      principals: expect.stringContaining('111122223333'),
      statement_sids: "'=cmd",
      path: '$.Statement[0].Principal.AWS',
      fingerprint: expect.stringMatching(/^kpg2:[0-9a-f]{64}$/),
    });
    expect(rows[0]?.resource).toMatch(/bad\.json$/);
    expect(rows[0]?.fix).toMatch(/\S/);
    expect(rows[0]?.documentation).toMatch(/^https:\/\//);
  });

  it('keeps a row for an input that could not be read, and says how an accepted finding was accepted', async () => {
    const file = write('accepted.json', policy(allow({ AWS: ROOT }, 'kms:*')));
    const baseline = join(dir, 'baseline.json');
    await runCli(['check', '--write-baseline', baseline, file]);
    const r = await runCli(['check', '--format', 'csv', '--baseline', baseline, file, join(dir, 'missing.json')]);
    expect(r.code).toBe(2);
    const rows = records(r.stdout);
    expect(rows.map((x) => [x.check_id, x.status])).toEqual([
      ['ACCOUNT_WIDE_FULL_ACCESS', 'accepted'],
      ['NOT_JUDGED', 'not judged'],
    ]);
    expect(rows[0]?.acceptance).toMatch(/^baseline: /);
    expect(rows[1]?.message).toContain('missing.json');
    expect(rows[1]?.severity).toBe('high');
  });
});
