/**
 * Inline suppressions in check-template: a key resource's `Metadata: {kms-policy-guard: {suppress: [...]}}`
 * marks the findings it accepts (they stay in the results, with `suppression`), and every entry that does
 * nothing (malformed, expired, refused, unused) becomes a warning naming the file, the logical id and the path.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckTemplate, type CheckTemplateOptions } from '../../cli/commands/check-template';
import type { CliIo } from '../../cli/io';
import type { Report } from '../../cli/report';
import { CHECK } from '../../engine';
import type { MarkedFinding } from '../../suppress';
import { runCli } from '../support/cli';

const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };
const TOOL = { name: 't', version: '0' };
const OWN = '111122223333';
const TODAY = new Date('2027-01-15T12:00:00Z');

/** A template with one key; `policy` undefined gives KMS's default key policy (ACCOUNT_WIDE_FULL_ACCESS). */
function template(metadata: unknown, policy?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpg-tpl-suppress-'));
  const file = join(dir, 'key.json');
  const key: Record<string, unknown> = { Type: 'AWS::KMS::Key', Properties: policy === undefined ? {} : { KeyPolicy: policy } };
  if (metadata !== undefined) key.Metadata = metadata;
  writeFileSync(file, JSON.stringify({ Resources: { Key: key } }));
  return file;
}

const PUBLIC_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] };

async function run(file: string, extra: Partial<CheckTemplateOptions> = {}): Promise<Report> {
  return runCheckTemplate({ paths: [file], accountId: OWN, analysis: {}, ...extra }, io, TOOL, { now: () => TODAY });
}

const suppress = (...entries: unknown[]) => ({ 'kms-policy-guard': { suppress: entries } });
const REASON = 'Key administrators are set by SCP; ticket SEC-1234';

function findingsOf(report: Report): MarkedFinding[] {
  return report.results.flatMap((r) => r.findings);
}

function suppressionWarnings(report: Report): { code: string; path: string; message: string }[] {
  return report.results.flatMap((r) => r.warnings).filter((w) => w.code === 'INLINE_SUPPRESSION');
}

describe('check-template honours inline suppressions', () => {
  it('without a block, marks nothing and warns of nothing', async () => {
    const report = await run(template(undefined));
    expect(findingsOf(report).map((f) => f.checkId)).toContain(CHECK.ACCOUNT_WIDE_FULL_ACCESS);
    expect(findingsOf(report).filter((f) => f.suppression !== undefined)).toEqual([]);
    expect(suppressionWarnings(report)).toEqual([]);
  });

  it('keeps a suppressed finding in the results, marked with the reason and expiry, and leaves the others unmarked', async () => {
    const report = await run(template(suppress({ id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON, expires: '2027-06-30' })));
    const findings = findingsOf(report);
    const full = findings.filter((f) => f.checkId === CHECK.ACCOUNT_WIDE_FULL_ACCESS);
    expect(full.length).toBeGreaterThan(0);
    for (const f of full) expect(f.suppression).toEqual({ kind: 'inline', reason: REASON, expires: '2027-06-30' });
    expect(findings.filter((f) => f.checkId !== CHECK.ACCOUNT_WIDE_FULL_ACCESS).every((f) => f.suppression === undefined)).toBe(true);
    expect(suppressionWarnings(report)).toEqual([]);
  });

  it('matches a check id in any letter case', async () => {
    const report = await run(template(suppress({ id: 'account_wide_full_access', reason: REASON })));
    expect(findingsOf(report).find((f) => f.checkId === CHECK.ACCOUNT_WIDE_FULL_ACCESS)?.suppression?.reason).toBe(REASON);
  });

  it.each([
    ['a missing reason', { id: 'ACCOUNT_WIDE_FULL_ACCESS' }, /suppress\[0\]\.reason: a reason of at least 10 characters is required/],
    ['an unknown check id', { id: 'NOT_A_CHECK', reason: REASON }, /suppress\[0\]\.id: "NOT_A_CHECK" is not a check id/],
    ['a past expiry', { id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON, expires: '2027-01-14' }, /expired on 2027-01-14/],
  ])('with %s, suppresses nothing and warns naming the file, the logical id and the path', async (_name, entry, problem) => {
    const file = template(suppress(entry));
    const report = await run(file);
    expect(findingsOf(report).filter((f) => f.suppression !== undefined)).toEqual([]);
    const [warning, ...more] = suppressionWarnings(report);
    expect(more).toEqual([]);
    expect(warning?.path).toBe('Resources.Key.Metadata.kms-policy-guard');
    expect(warning?.message).toContain(`${file}: Key: `);
    expect(warning?.message).toMatch(problem);
  });

  it('applies an expiry on its last day', async () => {
    const report = await run(template(suppress({ id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON, expires: '2027-01-15' })));
    expect(findingsOf(report).find((f) => f.checkId === CHECK.ACCOUNT_WIDE_FULL_ACCESS)?.suppression).toBeDefined();
  });

  it('refuses PUBLIC_ACCESS by default, and says so', async () => {
    const report = await run(template(suppress({ id: 'PUBLIC_ACCESS', reason: REASON }), PUBLIC_POLICY));
    const pub = findingsOf(report).filter((f) => f.checkId === CHECK.PUBLIC_ACCESS);
    expect(pub.length).toBeGreaterThan(0);
    expect(pub.every((f) => f.suppression === undefined)).toBe(true);
    expect(suppressionWarnings(report).map((w) => w.message).join('\n')).toMatch(/PUBLIC_ACCESS cannot be suppressed inline/);
  });

  it('takes the non-suppressible checks from the options', async () => {
    const allowed = await run(template(suppress({ id: 'PUBLIC_ACCESS', reason: REASON }), PUBLIC_POLICY), { nonSuppressibleChecks: [] });
    expect(findingsOf(allowed).filter((f) => f.checkId === CHECK.PUBLIC_ACCESS).every((f) => f.suppression !== undefined)).toBe(true);
    const refused = await run(template(suppress({ id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON })), { nonSuppressibleChecks: [CHECK.ACCOUNT_WIDE_FULL_ACCESS] });
    expect(findingsOf(refused).every((f) => f.suppression === undefined)).toBe(true);
    expect(suppressionWarnings(refused).map((w) => w.message).join('\n')).toMatch(/ACCOUNT_WIDE_FULL_ACCESS cannot be suppressed inline/);
  });

  it('warns of a suppression that matched no finding', async () => {
    const report = await run(template(suppress({ id: 'UNSCOPED_SERVICE_PRINCIPAL', reason: REASON })));
    expect(suppressionWarnings(report).map((w) => w.message).join('\n')).toMatch(/suppression of UNSCOPED_SERVICE_PRINCIPAL matched no finding/);
  });
});

describe('through the command line', () => {
  it('an inline suppression with a reason passes --fail-on; --non-suppressible-checks takes that away', async () => {
    const file = template(suppress({ id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: REASON }));
    const accepted = await runCli(['check-template', '--account-id', OWN, '--format', 'json', file]);
    expect(accepted.code).toBe(0);
    const json = JSON.parse(accepted.stdout) as { results: { findings: MarkedFinding[] }[] };
    expect(json.results[0]?.findings.map((f) => [f.checkId, f.suppression?.kind])).toEqual([[CHECK.ACCOUNT_WIDE_FULL_ACCESS, 'inline']]);
    const refused = await runCli(['check-template', '--account-id', OWN, '--non-suppressible-checks', 'account_wide_full_access', file]);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/ACCOUNT_WIDE_FULL_ACCESS cannot be suppressed inline/);
    const bad = await runCli(['check-template', '--non-suppressible-checks', 'NOPE', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--non-suppressible-checks: .*unknown check "NOPE"/);
  });
});
