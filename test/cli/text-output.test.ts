/** The text report: messages wrapped to the terminal with a hanging indent, a fix per finding, and --quiet. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKS } from '../../engine';
import { renderText } from '../../cli/output/text';
import { hangingLines, textWidth, visibleWidth, wrapWords } from '../../cli/output/wrap';
import type { Report, ReportFinding } from '../../cli/report';
import { runCli } from '../support/cli';
import { APP_ROLE, FOREIGN_ROOT, OWN, ROOT, allow, policy } from '../support/policies';

const LONG_ARN = `arn:aws:iam::${OWN}:role/service-role/a-very-long-role-name-that-is-wider-than-the-line-itself`;

/** What a wrapped message says, its lines joined again. */
function unwrapped(lines: readonly string[]): string {
  return lines.map((l) => l.trim()).join(' ');
}

describe('wrapping', () => {
  it('cuts at spaces only, each line within the width, and loses no word', () => {
    const text = 'the key policy allows kms:Decrypt to every principal of the account, so IAM policies alone decide who may use the key';
    const lines = wrapWords(text, 30);
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(visibleWidth(l)).toBeLessThanOrEqual(30);
    expect(lines.join(' ')).toBe(text);
  });

  it('never cuts inside an ARN or a word wider than the line: it is left whole, on a line of its own', () => {
    const lines = wrapWords(`principal ${LONG_ARN} may decrypt`, 40);
    expect(lines).toEqual(['principal', LONG_ARN, 'may decrypt']);
    expect(wrapWords(LONG_ARN, 10)).toEqual([LONG_ARN]);
  });

  it('continues a message under its first character (a hanging indent), whatever colour the prefix carries', () => {
    const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
    const lines = hangingLines(`    ${red('error')}  `, 'one two three four five six seven eight nine ten eleven twelve', 40);
    expect(lines[0]?.startsWith(`    ${red('error')}  one`)).toBe(true);
    // The colour codes take no column: continuation lines start at column 11, under "one".
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {11}\S/);
    for (const l of lines) expect(visibleWidth(l)).toBeLessThanOrEqual(40);
    expect(unwrapped(lines).replace(/\s+/g, ' ')).toContain('one two three four five six seven eight nine ten eleven twelve');
  });

  it('counts a wide character as two columns and a combining mark as none', () => {
    expect(visibleWidth('鍵')).toBe(2);
    expect(visibleWidth('e\u0301')).toBe(1);
    expect(visibleWidth('\u001b[1mbold\u001b[22m')).toBe(4);
  });

  it('leaves a message whole when no width is given', () => {
    const text = 'x '.repeat(200).trim();
    expect(hangingLines('  ', text, undefined)).toEqual([`  ${text}`]);
  });
});

describe('the width messages wrap to', () => {
  it.each([
    ['a terminal that tells its width', { isTty: true, columns: 120, env: { COLUMNS: '90' } }, 120],
    ['a terminal that does not: COLUMNS', { isTty: true, env: { COLUMNS: '90' } }, 90],
    ['a terminal, COLUMNS not a number: 80', { isTty: true, env: { COLUMNS: 'wide' } }, 80],
    ['a terminal, COLUMNS 0: 80', { isTty: true, columns: 0, env: { COLUMNS: '0' } }, 80],
    ['a terminal, nothing said: 80', { isTty: true, env: {} }, 80],
    ['a pipe or file with COLUMNS', { isTty: false, columns: 120, env: { COLUMNS: '70' } }, 70],
    ['a pipe or file without: no wrapping', { isTty: false, columns: 120, env: {} }, undefined],
  ])('%s', (_name, io, want) => {
    expect(textWidth(io)).toBe(want);
  });
});

function finding(more: Partial<ReportFinding>): ReportFinding {
  return { checkId: 'UNTRUSTED_CROSS_ACCOUNT', severity: 'high', title: 't', message: 'm', statementIndexes: [0], sids: [undefined], path: '$.Statement[0].Principal.AWS', principals: [], actions: [], ...more };
}

describe('the text report', () => {
  const message = `the statement allows ${LONG_ARN} of account 444455556666, which is not trusted, to use the key: kms:Decrypt, kms:Encrypt, kms:GenerateDataKey and kms:ReEncrypt* without a condition`;
  const report: Report = {
    tool: { name: 'kms-policy-guard', version: '0' },
    results: [
      { subject: 'a.json', warnings: [{ code: 'UNRESOLVED_VALUE', path: 'Resources.Key', message: 'a warning long enough to need more than one line of a sixty-column terminal to be read' }], findings: [finding({ message })] },
      { subject: 'b.json', warnings: [], findings: [], error: 'cannot read: permission denied, and the policy was therefore not judged at all, whatever it holds' },
    ],
    notes: ['the account of the keys is unknown: pass --account-id to tell own-account principals from cross-account ones; judged as the key’s own account'],
  };

  it('wraps messages, errors, warnings and notes to the width, under their first character, and never cuts the ARN', () => {
    const text = renderText(report, { colour: true, width: 60 });
    const lines = text.split('\n');
    for (const l of lines) if (!l.includes(LONG_ARN)) expect(visibleWidth(l)).toBeLessThanOrEqual(60);
    expect(lines).toContain(' '.repeat(13) + LONG_ARN);
    // The message, wrapped: its first line under the severity, the others indented alike; nothing lost.
    const start = lines.findIndex((l) => l.startsWith(' '.repeat(13) + 'the statement allows'));
    const end = lines.findIndex((l, i) => i > start && /fix:/.test(l));
    expect(unwrapped(lines.slice(start, end))).toBe(message);
    // The error continues under its own first word (column 11), the note under its own (column 6).
    const error = lines.findIndex((l) => l.includes('cannot read'));
    expect(lines[error + 1]).toMatch(/^ {11}\S/);
    const note = lines.findIndex((l) => l.includes('note: '));
    expect(lines[note + 1]?.replaceAll('\u001b[2m', '')).toMatch(/^ {6}\S/);
  });

  it('puts each line of a message on one line when it has no width (piped or written to a file)', () => {
    const text = renderText(report, { colour: false });
    expect(text).toContain(`${' '.repeat(13)}${message}\n`);
  });

  it('shows each finding with its check’s one-line fix', () => {
    const text = renderText(report, { colour: false });
    const fix = CHECKS.find((c) => c.meta.id === 'UNTRUSTED_CROSS_ACCOUNT')?.meta.fix;
    expect(fix).toBeTruthy();
    expect(text).toContain(`${message}\n${' '.repeat(13)}fix: ${fix ?? ''}\n`);
  });

  it('escapes control characters of a message before wrapping it, and never splits an escape', () => {
    const text = renderText({ ...report, results: [{ subject: 'c.json', warnings: [], findings: [finding({ message: `Sid "x\u001b[2Ky" ${'word '.repeat(30)}` })] }] }, { colour: false, width: 40 });
    expect(text).not.toContain('\u001b');
    expect(text).toContain('"x\\u001b[2Ky"');
  });
});

describe('--quiet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpg-quiet-'));
  const bad = join(dir, 'bad.json');
  const good = join(dir, 'good.json');
  const broken = join(dir, 'broken.json');
  writeFileSync(bad, JSON.stringify(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:*'))));
  writeFileSync(good, JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']))));
  writeFileSync(broken, '{"Statement": [');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x' }));

  it('leaves out the inputs without findings and the skipped files, keeps findings, errors, notes and the summary', async () => {
    const missing = join(dir, 'missing.json');
    const loud = await runCli(['check', '--disable-checks', 'NO_SEPARATION_OF_DUTIES', dir, missing]);
    const quiet = await runCli(['check', '--quiet', '--disable-checks', 'NO_SEPARATION_OF_DUTIES', dir, missing]);
    expect(quiet.code).toBe(loud.code);
    expect(loud.stdout).toContain(`✔ ${good}  no findings`);
    expect(loud.stdout).toMatch(/skipped .*package\.json/);
    expect(quiet.stdout).not.toContain(good);
    expect(quiet.stdout).not.toContain('package.json');
    expect(quiet.stdout).toContain(`✖ ${bad}`);
    expect(quiet.stdout).toContain(`✖ ${broken}`);
    expect(quiet.stdout).toContain(`✖ ${missing}`);
    expect(quiet.stdout).toContain('cannot read');
    expect(quiet.stdout).toContain('note: checks not run (--disable-checks): NO_SEPARATION_OF_DUTIES');
    // The summary still counts every input and skipped file.
    expect(quiet.stdout).toMatch(/4 inputs, 2 with findings .*1 unreadable, 1 skipped/);
  });

  it('keeps an input without findings that has a warning', async () => {
    const template = join(dir, 'stack.json');
    writeFileSync(template, JSON.stringify({ Transform: 'AWS::Serverless-2016-10-31', Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: policy(allow({ AWS: ROOT }, ['kms:Describe*'])) } } } }));
    const r = await runCli(['check-template', '--quiet', '--account-id', OWN, '--disable-checks', 'ACCOUNT_WIDE_ADMINISTRATION', template]);
    expect(r.stdout).toContain('UNRESOLVED_VALUE');
    expect(r.stdout).toContain(template);
  });

  it('prints only the summary when every input is clean', async () => {
    const r = await runCli(['check', '--quiet', '--account-id', OWN, good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('\n1 input, 0 with findings\n');
  });

  it.each(['json', 'sarif', 'html'])('is a usage error with --format %s, which always lists every input', async (format) => {
    const r = await runCli(['check', '--quiet', '--format', format, good]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`kms-policy-guard: --quiet: only --format text leaves out inputs without findings; --format ${format} always lists every input\n`);
  });

  it.each([
    ['scan', []],
    ['check-template', ['template.yaml']],
  ])('is a usage error with another format for %s too, before anything is read', async (command, paths) => {
    const r = await runCli([command, '--quiet', '--format', 'json', ...paths]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kms-policy-guard: --quiet: only --format text leaves out inputs without findings; --format json always lists every input\n');
  });

  it('is taken by scan and check-template too (their --help says so)', async () => {
    for (const command of ['scan', 'check-template']) {
      const help = await runCli([command, '--help']);
      expect(help.stdout).toMatch(/--quiet +text format only/);
    }
  });
});

describe('the CLI on a terminal', () => {
  it('wraps to the terminal’s width; piped, one line per message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-width-'));
    const file = join(dir, 'k.json');
    writeFileSync(file, JSON.stringify(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:*'))));
    const narrow = await runCli(['check', '--account-id', OWN, file], { isTty: true, columns: 50, env: { NO_COLOR: '1' } });
    const messageLines = narrow.stdout.split('\n').filter((l) => l.startsWith(' '.repeat(13)));
    expect(messageLines.length).toBeGreaterThan(4);
    for (const l of messageLines) expect(visibleWidth(l)).toBeLessThanOrEqual(50);
    const piped = await runCli(['check', '--account-id', OWN, file], { columns: 50 });
    expect(piped.stdout.split('\n').filter((l) => l.startsWith(' '.repeat(13))).length).toBeLessThan(messageLines.length);
  });
});
