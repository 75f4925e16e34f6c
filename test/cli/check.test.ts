import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { runCli } from '../support/cli';
import { APP_ROLE, FOREIGN_ROOT, ROOT, allow, policy } from '../support/policies';

const dir = mkdtempSync(join(tmpdir(), 'kpg-check-'));
const bad = join(dir, 'bad.json');
const good = join(dir, 'good.json');
const foreign = join(dir, 'nested', 'foreign.json');
const broken = join(dir, 'broken.json');
mkdirSync(join(dir, 'nested'));
writeFileSync(bad, JSON.stringify(policy({ Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') }), null, 2));
writeFileSync(good, JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt']))));
writeFileSync(foreign, JSON.stringify(policy(allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt']))));
writeFileSync(broken, '{"Statement": [');
writeFileSync(join(dir, 'notes.txt'), 'not a policy');

interface JsonOut {
  results: { file: string; error?: string; findings: { checkId: string; path: string; severity: string }[] }[];
  notes: string[];
}

describe('check command', () => {
  it('prints {"results":[{"file", "findings"}]} as JSON and exits 1 on findings', async () => {
    const r = await runCli(['check', '--format', 'json', '--account-id', '111122223333', bad, good]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results.map((x) => x.file)).toEqual([bad, good]);
    expect(out.results[0]?.findings.map((f) => [f.checkId, f.path])).toEqual([['ACCOUNT_WIDE_FULL_ACCESS', '$.Statement[0].Principal.AWS']]);
    expect(out.results[1]?.findings).toEqual([]);
    expect(out.notes).toEqual([]);
  });

  it('exits 0 when nothing is at or above --fail-on', async () => {
    expect((await runCli(['check', '--account-id', '111122223333', '--fail-on', 'critical', bad])).code).toBe(0);
    expect((await runCli(['check', '--account-id', '111122223333', '--fail-on', 'high', bad])).code).toBe(1);
    expect((await runCli(['check', '--account-id', '111122223333', '--fail-on', 'none', bad])).code).toBe(0);
    expect((await runCli(['check', '--account-id', '111122223333', good])).code).toBe(0);
  });

  it('reads every *.json below a directory, in a stable order, and ignores other files', async () => {
    const r = await runCli(['check', '--format', 'json', '--account-id', '111122223333', dir]);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results.map((x) => x.file)).toEqual([bad, broken, good, foreign]);
  });

  it('reports a malformed file as INVALID_POLICY and still checks the others', async () => {
    const r = await runCli(['check', '--format', 'json', '--account-id', '111122223333', broken, bad]);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results[0]?.findings.map((f) => f.checkId)).toEqual(['INVALID_POLICY']);
    expect(out.results[1]?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    // A file that cannot be parsed exits 2 (not 1), whatever --fail-on says.
    expect(r.code).toBe(2);
  });

  it('reports an unreadable path, checks the rest, and exits 2', async () => {
    const r = await runCli(['check', '--format', 'json', '--account-id', '111122223333', join(dir, 'missing.json'), bad]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results[0]).toMatchObject({ file: join(dir, 'missing.json'), error: 'cannot read: no such file or directory' });
    expect(out.results[1]?.findings).toHaveLength(1);
    expect(r.stderr).toContain('missing.json: cannot read');
  });

  if (process.getuid?.() !== 0) {
    it('reports a file without read permission', async () => {
      const locked = join(dir, 'locked.json');
      writeFileSync(locked, '{}');
      chmodSync(locked, 0o000);
      const r = await runCli(['check', '--format', 'json', locked]);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('permission denied');
    });
  }

  it('reads a policy from stdin with -', async () => {
    const r = await runCli(['check', '--format', 'json', '--account-id', '111122223333', '-'], { stdin: JSON.stringify(policy(allow('*', 'kms:Decrypt'))) });
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results).toEqual([expect.objectContaining({ file: '-' })]);
    expect(out.results[0]?.findings.map((f) => f.checkId)).toEqual(['PUBLIC_ACCESS']);
  });

  it('accepts the {"Policy": "..."} shape that aws kms get-key-policy prints', async () => {
    const r = await runCli(['check', '--format', 'json', '--account-id', '111122223333', '-'], {
      stdin: JSON.stringify({ Policy: JSON.stringify(policy(allow({ AWS: ROOT }, 'kms:*'))) }),
    });
    expect((JSON.parse(r.stdout) as JsonOut).results[0]?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
  });

  it('without --account-id, says own and cross-account cannot be told apart and how it judged', async () => {
    const text = await runCli(['check', foreign]);
    expect(text.stdout).toMatch(/cannot be told apart/);
    expect(text.stdout).toMatch(/judged as the key's own account/);
    const json = JSON.parse((await runCli(['check', '--format', 'json', foreign])).stdout) as JsonOut;
    expect(json.results[0]?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_USAGE']);
    expect(json.notes[0]).toMatch(/--account-id/);
    const withId = JSON.parse((await runCli(['check', '--format', 'json', '--account-id', '111122223333', foreign])).stdout) as JsonOut;
    expect(withId.results[0]?.findings.map((f) => f.checkId)).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
  });

  it('honours --trusted-accounts', async () => {
    const r = await runCli(['check', '--format', 'json', '--account-id', '111122223333', '--trusted-accounts', '444455556666', foreign]);
    expect((JSON.parse(r.stdout) as JsonOut).results[0]?.findings).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('writes SARIF 2.1.0 with a rule per check and the line of each finding', async () => {
    const r = await runCli(['check', '--format', 'sarif', '--account-id', '111122223333', bad]);
    const log = JSON.parse(r.stdout) as Log;
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run?.tool.driver.rules?.map((x) => x.id)).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    const result = run?.results?.[0];
    expect(result?.ruleId).toBe('ACCOUNT_WIDE_FULL_ACCESS');
    expect(result?.level).toBe('error');
    // The file is pretty-printed: "AWS" sits on line 8.
    expect(result?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(8);
  });

  it('prints a readable text report, coloured only on a terminal', async () => {
    const plain = await runCli(['check', '--account-id', '111122223333', bad, good]);
    expect(plain.stdout).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    expect(plain.stdout).toContain('no findings');
    expect(plain.stdout).toMatch(/2 inputs, 1 with findings \(1 high\)/);
    expect(plain.stdout).not.toContain('\u001b[');
    const tty = await runCli(['check', '--account-id', '111122223333', bad], { isTty: true });
    expect(tty.stdout).toContain('\u001b[');
    const noColor = await runCli(['check', '--account-id', '111122223333', bad], { isTty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it('leaves out the checks named by --disable-checks (any letter case), and says so in the notes', async () => {
    const r = await runCli(['check', '--format', 'json', '--account-id', '111122223333', '--disable-checks', 'account_wide_full_access, ALLOW_WITH_NEGATION', bad]);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.results[0]?.findings).toEqual([]);
    expect(out.notes).toEqual(['checks not run (--disable-checks): ACCOUNT_WIDE_FULL_ACCESS, ALLOW_WITH_NEGATION']);
    expect(r.code).toBe(0);
    // The checks not named still run.
    const usage = await runCli(['check', '--format', 'json', '--account-id', '111122223333', '--disable-checks', 'ACCOUNT_WIDE_USAGE', bad]);
    expect((JSON.parse(usage.stdout) as JsonOut).results[0]?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
  });

  it('still exits 2 on a broken policy whatever --disable-checks says', async () => {
    const r = await runCli(['check', '--account-id', '111122223333', '--disable-checks', 'PUBLIC_ACCESS', broken]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('INVALID_POLICY');
  });

  it('writes an HTML report of the findings to --output, and says so on stderr', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kpg-check-out-')), 'f.html');
    const r = await runCli(['check', '--format', 'html', '--output', out, '--account-id', '111122223333', bad, good]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`kms-policy-guard: report written to ${out}\n`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    expect(html).toContain(good);
  });

  it.each(['text', 'json', 'sarif', 'html'])('writes to --output exactly what --format %s prints, uncoloured even on a terminal', async (format) => {
    const out = join(mkdtempSync(join(tmpdir(), 'kpg-check-out-')), `report.${format}`);
    const args = ['check', '--format', format, '--account-id', '111122223333', bad, broken];
    const printed = await runCli(args);
    const written = await runCli([...args, '--output', out], { isTty: true });
    expect(written.code).toBe(printed.code);
    expect(written.stdout).toBe('');
    expect(withoutRunDetails(readFileSync(out, 'utf8'), format)).toBe(withoutRunDetails(printed.stdout, format));
    expect(printed.stdout).toContain('ACCOUNT_WIDE_FULL_ACCESS');
  });

  /**
   * What differs between two runs by design: when they ran, and the arguments, --output among them (JSON `run`,
   * SARIF's invocation, the HTML header's command).
   */
  function withoutRunDetails(text: string, format: string): string {
    if (format === 'sarif') {
      const log = JSON.parse(text) as Log;
      const invocation = log.runs[0]?.invocations?.[0];
      for (const field of ['commandLine', 'arguments', 'startTimeUtc', 'endTimeUtc'] as const) {
        expect(invocation?.[field]).toBeDefined();
        delete invocation?.[field];
      }
      return JSON.stringify(log);
    }
    // The HTML header shows the command line, --output included.
    if (format === 'html') expect(text).toMatch(/<code class="command">kms-policy-guard check /);
    if (format !== 'json') return text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>').replace(/<code class="command">[^<]*<\/code>/, '<command>');
    const doc = JSON.parse(text) as { run?: unknown };
    expect(doc.run).toBeDefined();
    delete doc.run;
    return JSON.stringify(doc);
  }

  it('refuses an --output it cannot write, with exit 2', async () => {
    const r = await runCli(['check', '--output', join(dir, 'no-such-folder', 'out.txt'), bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--output: cannot write .*no-such-folder\/out\.txt: ENOENT/);
  });

  it.each([
    [['check', '--account-id', '12345', bad], /--account-id: "12345" is not a 12-digit AWS account id/],
    [['check', '--trusted-accounts', '111122223333,abc', bad], /--trusted-accounts: "abc"/],
    [['check', '--trusted-org-ids', 'org-1', bad], /--trusted-org-ids: "org-1" is not an organization id \(o-…\)/],
    [['check', '--fail-on', 'severe', bad], /--fail-on: "severe" is not one of/],
    [['check', '--format', 'xml', bad], /format/],
    [['check', '--disable-checks', 'INVALID_POLICY', bad], /^kms-policy-guard: --disable-checks: INVALID_POLICY cannot be disabled: a policy that cannot be parsed is never compliant\n$/],
    [['check', '--disable-checks', 'PUBLIC_ACCESS,NO_SUCH_CHECK', bad], /--disable-checks: unknown check "NO_SUCH_CHECK" \(known: INVALID_POLICY, PUBLIC_ACCESS, /],
    [['check', '--disable-checks', 'PUBLIC_ACCESS,,ALLOW_WITH_NEGATION', bad], /--disable-checks: an empty item: give a comma-separated list such as PUBLIC_ACCESS,ALLOW_WITH_NEGATION/],
    [['check', '--disable-checks', 'PUBL\u0131C_ACCESS', bad], /--disable-checks: unknown check "PUBL\u0131C_ACCESS" \(check IDs are ASCII/],
    [['check', '--min-severity', 'severe', bad], /^kms-policy-guard: --min-severity: must be one of critical, high, medium, low, info, got "severe"\n$/],
    [['check', '--baseline', join(dir, 'no-such-baseline.json'), bad], /--baseline: cannot read .*no-such-baseline\.json: ENOENT/],
    [['check'], /missing required argument/],
    [['frobnicate'], /unknown command/],
  ])('rejects bad usage %j with exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
