/** --baseline and --write-baseline: adopt the tool on an estate with findings, and fail only on new ones. */
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runCli } from '../support/cli';
import { FOREIGN_ROOT, OWN, ROOT, allow, policy } from '../support/policies';

interface Finding {
  checkId: string;
  fingerprint: string;
  suppression?: { kind: string; reason: string };
}
interface Out {
  results: { file: string; findings: Finding[] }[];
  summary: { findings: { new: number; unchanged: number; suppressed: number; fixed: number } };
  baseline?: { file: string; fixed: { fingerprint: string; checkId: string; key: string }[] };
  notes: string[];
}

const dir = mkdtempSync(join(tmpdir(), 'kpg-baseline-'));
const WIDE = { Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') };
const FOREIGN_USE = { Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt', 'kms:Encrypt']) };

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const check = async (args: string[]) => {
  const r = await runCli(['check', '--account-id', OWN, '--format', 'json', ...args]);
  return { ...r, out: JSON.parse(r.stdout || '{}') as Out };
};

describe('--write-baseline then --baseline', () => {
  it('writes a versioned baseline; with it, the same findings are unchanged and the run passes', async () => {
    const key = file('key.json', policy(WIDE, FOREIGN_USE));
    const baseline = join(dir, 'adopt.json');
    const first = await check(['--write-baseline', baseline, key]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`kms-policy-guard: baseline written to ${baseline} (2 findings)`);
    const written = JSON.parse(readFileSync(baseline, 'utf8')) as { version: number; tool: { name: string }; findings: { fingerprint: string; checkId: string; key: string; statement?: string }[] };
    expect(written.version).toBe(1);
    expect(written.tool.name).toBe('kms-policy-guard');
    expect(written.findings.map((f) => f.checkId).sort()).toEqual(['ACCOUNT_WIDE_FULL_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT']);
    expect(written.findings.map((f) => f.key)).toEqual([relative(process.cwd(), key), relative(process.cwd(), key)]);
    expect(written.findings.map((f) => f.statement).sort()).toEqual(['Sid Partner', 'Sid Root']);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const again = await check(['--baseline', baseline, key]);
    expect(again.code).toBe(0);
    expect(again.out.results[0]?.findings.map((f) => f.suppression)).toEqual([
      { kind: 'baseline', reason: `in baseline ${baseline}` },
      { kind: 'baseline', reason: `in baseline ${baseline}` },
    ]);
    expect(again.out.summary.findings).toEqual({ new: 0, unchanged: 2, suppressed: 0, fixed: 0 });
  });

  it('keeps fingerprints when statements are reordered and reformatted; a new finding still fails; a fixed one is listed', async () => {
    const key = file('moving.json', policy(WIDE, FOREIGN_USE));
    const baseline = join(dir, 'moving-baseline.json');
    await check(['--write-baseline', baseline, key]);
    // The statements swap places, lists are reordered, one-element lists become strings, and the text is re-indented.
    const reordered = { Statement: [{ Resource: '*', Action: ['kms:Encrypt', 'kms:Decrypt'], Principal: { AWS: [FOREIGN_ROOT] }, Effect: 'Allow', Sid: 'Partner' }, WIDE], Version: '2012-10-17' };
    file('moving.json', JSON.stringify(reordered));
    const moved = await check(['--baseline', baseline, key]);
    expect(moved.out.summary.findings).toEqual({ new: 0, unchanged: 2, suppressed: 0, fixed: 0 });
    expect(moved.code).toBe(0);

    // A new grant is a new finding; the one removed is fixed.
    const other = `arn:aws:iam::999988887777:root`;
    file('moving.json', policy(WIDE, { Sid: 'Partner', ...allow({ AWS: other }, ['kms:Decrypt', 'kms:Encrypt']) }));
    const changed = await check(['--baseline', baseline, key]);
    expect(changed.code).toBe(1);
    expect(changed.out.summary.findings).toEqual({ new: 1, unchanged: 1, suppressed: 0, fixed: 1 });
    expect(changed.out.baseline?.fixed.map((e) => e.checkId)).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
    expect(changed.out.results[0]?.findings.find((f) => f.suppression === undefined)?.checkId).toBe('UNTRUSTED_CROSS_ACCOUNT');
  });

  it('never writes or accepts a policy that cannot be parsed', async () => {
    const broken = file('broken.json', '{"Version": "2012-10-17"}');
    const baseline = join(dir, 'broken-baseline.json');
    const r = await check(['--write-baseline', baseline, broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1 finding not written: INVALID_POLICY and findings not judged are never baselined');
    expect((JSON.parse(readFileSync(baseline, 'utf8')) as { findings: unknown[] }).findings).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    ['missing', join(dir, 'absent.json'), /^kms-policy-guard: --baseline: cannot read .*absent\.json: ENOENT.*; write one with --write-baseline/],
    ['not JSON', 'garbage.json', /--baseline: .*garbage\.json: not JSON/],
    ['of another version', 'v2.json', /--baseline: .*v2\.json: "version" must be 1/],
  ])('refuses a baseline file that is %s with exit 2, before judging anything', async (what, name, message) => {
    if (what === 'not JSON') file(name, '{"version": 1, "findings": [');
    if (what === 'of another version') file(name, { version: 2, findings: [] });
    const key = file('any.json', policy(WIDE));
    const r = await runCli(['check', '--baseline', name.startsWith('/') ? name : join(dir, name), key]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('check-template: fingerprints name the template and logical id, and survive moving the statements', async () => {
    const template = (statements: unknown[]) => ({ Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17', Statement: statements } } } } });
    const path = file('stack.json', template([WIDE, FOREIGN_USE]));
    const baseline = join(dir, 'stack-baseline.json');
    const first = await runCli(['check-template', '--account-id', OWN, '--format', 'json', '--write-baseline', baseline, path]);
    expect(first.code).toBe(1);
    const written = JSON.parse(readFileSync(baseline, 'utf8')) as { findings: { key: string }[] };
    expect(written.findings.map((f) => f.key)).toEqual([`${relative(process.cwd(), path)}#Key`, `${relative(process.cwd(), path)}#Key`]);
    file('stack.json', template([FOREIGN_USE, WIDE]));
    const again = await runCli(['check-template', '--account-id', OWN, '--format', 'json', '--baseline', baseline, path]);
    expect((JSON.parse(again.stdout) as Out).summary.findings).toEqual({ new: 0, unchanged: 2, suppressed: 0, fixed: 0 });
    expect(again.code).toBe(0);
  });
});

describe('--min-severity', () => {
  it('leaves out the findings below it, counts them in a note and the summary, and they do not count', async () => {
    const key = file('min.json', policy(WIDE, FOREIGN_USE));
    const all = JSON.parse((await runCli(['check', '--account-id', OWN, '--format', 'json', key])).stdout) as Out;
    expect(all.results[0]?.findings.map((f) => f.checkId).sort()).toEqual(['ACCOUNT_WIDE_FULL_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT']);
    const r = await runCli(['check', '--account-id', OWN, '--format', 'json', '--min-severity', 'CRITICAL', key]);
    const out = JSON.parse(r.stdout) as Out & { summary: { belowMinimumSeverity?: { minimumSeverity: string; count: number } } };
    expect(out.results[0]?.findings).toEqual([]);
    expect(out.summary.belowMinimumSeverity).toEqual({ minimumSeverity: 'critical', count: 2 });
    expect(out.notes).toContain("2 findings below --min-severity critical left out of the report (they do not count, as with the rule's MinimumSeverity)");
    expect(r.code).toBe(0);
  });

  it('never leaves out a policy that cannot be parsed', async () => {
    const broken = file('min-broken.json', '{"Version": "2012-10-17", "Statement": []}');
    const r = await runCli(['check', '--format', 'json', '--min-severity', 'critical', broken]);
    expect((JSON.parse(r.stdout) as Out).results[0]?.findings.map((f) => f.checkId)).toEqual(['INVALID_POLICY']);
    expect(r.code).toBe(2);
  });
});
