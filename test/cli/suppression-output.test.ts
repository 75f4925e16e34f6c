/** Accepted findings stay in every output format, marked with how and why; the summary counts them apart. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { renderHtml } from '../../cli/output/html';
import { renderSarif } from '../../cli/output/sarif';
import { renderText } from '../../cli/output/text';
import type { Report, ReportFinding } from '../../cli/report';
import { exitCode } from '../../cli/report';
import { runCli } from '../support/cli';
import { FOREIGN_ROOT, OWN, ROOT, allow, policy } from '../support/policies';

const FP = (c: string) => `kpg2:${c.repeat(64)}`;

function finding(checkId: ReportFinding['checkId'], severity: ReportFinding['severity'], more: Partial<ReportFinding> = {}): ReportFinding {
  return { checkId, severity, title: 'title', message: `${checkId} message`, statementIndexes: [0], sids: [undefined], path: '$.Statement[0]', principals: [], actions: [], ...more };
}

const REPORT: Report = {
  tool: { name: 'kms-policy-guard', version: '1.0.0' },
  results: [
    {
      subject: 'policies/a.json',
      warnings: [],
      findings: [
        finding('ACCOUNT_WIDE_FULL_ACCESS', 'high', { fingerprint: FP('a'), suppression: { kind: 'inline', reason: 'Admins are defined by SCP, SEC-1', expires: '2030-01-31' } }),
        finding('UNTRUSTED_CROSS_ACCOUNT', 'high', { fingerprint: FP('b'), suppression: { kind: 'baseline', reason: 'in baseline b.json' } }),
        finding('PUBLIC_ACCESS', 'critical', { fingerprint: FP('c'), suppression: { kind: 'exemption-tag', reason: 'public by design, SEC-2' } }),
        finding('ALLOW_WITH_NEGATION', 'low', { fingerprint: FP('d') }),
      ],
    },
  ],
  notes: [],
  baseline: { file: 'b.json', fixed: [{ fingerprint: FP('e'), checkId: 'PUBLIC_ACCESS', key: 'policies/a.json' }], notChecked: [] },
};

describe('accepted findings in the outputs', () => {
  it('text: each accepted finding says how and why, and the summary counts new, unchanged, suppressed and fixed', () => {
    const text = renderText(REPORT, { colour: false });
    expect(text).toContain('accepted (inline, until 2030-01-31): Admins are defined by SCP, SEC-1');
    expect(text).toContain('accepted (baseline): in baseline b.json');
    expect(text).toContain('accepted (exemption-tag): public by design, SEC-2');
    expect(text).toContain('4 findings: 1 new, 1 unchanged (baseline), 2 suppressed, 1 fixed (in baseline b.json, no longer found)');
    expect(text).toMatch(/1 input, 1 with findings \(1 low\)/);
  });

  it('SARIF: suppressions per SARIF 2.1.0 (inSource for inline, external otherwise), baselineState with a baseline, and the fingerprint', () => {
    const log = JSON.parse(renderSarif(REPORT)) as Log;
    const results = log.runs[0]?.results ?? [];
    expect(results.map((r) => r.suppressions)).toEqual([
      [{ kind: 'inSource', status: 'accepted', justification: 'Admins are defined by SCP, SEC-1' }],
      [{ kind: 'external', status: 'accepted', justification: 'in baseline b.json' }],
      [{ kind: 'external', status: 'accepted', justification: 'public by design, SEC-2' }],
      undefined,
    ]);
    expect(results.map((r) => r.baselineState)).toEqual(['new', 'unchanged', 'new', 'new']);
    expect(results[0]?.fingerprints).toEqual({ 'kmsPolicyGuard/v2': FP('a') });
  });

  it('SARIF: partialFingerprints are the content fingerprint, never the statement index or path (moving a statement reopens no alert)', () => {
    const log = JSON.parse(renderSarif(REPORT)) as Log;
    expect(log.runs[0]?.results?.map((r) => r.partialFingerprints)).toEqual(['a', 'b', 'c', 'd'].map((c) => ({ 'kmsPolicyGuard/v2': FP(c) })));
  });

  it('SARIF: the report notes are tool execution notifications, a refused baseline entry a warning', () => {
    const notes = ['2 findings below --min-severity high left out of the report', 'baseline entry findings[0] (PUBLIC_ACCESS on x) refused: …'];
    const log = JSON.parse(renderSarif({ ...REPORT, notes })) as Log;
    expect(log.runs[0]?.invocations?.[0]?.toolExecutionNotifications?.map((n) => [n.level, n.message.text])).toEqual([
      ['note', notes[0]],
      ['warning', notes[1]],
    ]);
  });

  it('SARIF: no baselineState without a baseline', () => {
    const log = JSON.parse(renderSarif({ ...REPORT, baseline: undefined } as Report)) as Log;
    expect(log.runs[0]?.results?.every((r) => r.baselineState === undefined)).toBe(true);
  });

  it('HTML: accepted findings are marked with their reason, and a key with only accepted findings is not clean', () => {
    const html = renderHtml(REPORT);
    expect(html).toContain('accepted (inline, until 2030-01-31): Admins are defined by SCP, SEC-1');
    expect(html).toContain('1 new, 1 unchanged (baseline), 2 suppressed, 1 fixed');
    const onlyAccepted: Report = { ...REPORT, results: [{ subject: 'k', warnings: [], findings: [finding('PUBLIC_ACCESS', 'critical', { suppression: { kind: 'baseline', reason: 'in baseline b.json' } })] }] };
    expect(renderHtml(onlyAccepted)).toMatch(/data-verdict="accepted"/);
  });

  it('exit code: accepted findings never count for --fail-on; an unaccepted one does', () => {
    expect(exitCode(REPORT, 'low')).toBe(1);
    expect(exitCode(REPORT, 'medium')).toBe(0);
  });
});

describe('--format text end to end', () => {
  it('shows the baseline summary after a --baseline run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-supp-'));
    const key = join(dir, 'k.json');
    writeFileSync(key, JSON.stringify(policy(allow({ AWS: ROOT }, 'kms:*'), allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt'))));
    const baseline = join(dir, 'b.json');
    await runCli(['check', '--account-id', OWN, '--write-baseline', baseline, key]);
    const r = await runCli(['check', '--account-id', OWN, '--baseline', baseline, key]);
    expect(r.stdout).toContain('2 findings: 0 new, 2 unchanged (baseline), 0 suppressed, 0 fixed');
    expect(r.code).toBe(0);
  });
});
