/**
 * The package bin, run as a user would: a separate node process on the example policies.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');
const bin = join(repo, 'bin', 'kms-policy-guard.js');

describe('kms-policy-guard bin', () => {
  it('checks the examples directory and reports every file', () => {
    const r = spawnSync(process.execPath, [bin, 'check', '--format', 'json', '--account-id', '111122223333', 'examples'], { cwd: repo, encoding: 'utf8' });
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { results: { file: string; findings: { checkId: string }[] }[] };
    const files = readdirSync(join(repo, 'examples')).filter((f) => f.endsWith('.json'));
    expect(out.results).toHaveLength(files.length);
    const seed1 = out.results.find((x) => x.file.endsWith('seed-anti-pattern-1-account-full-access.json'));
    expect(seed1?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    const good = out.results.filter((x) => x.file.includes('/good-'));
    expect(good.length).toBeGreaterThan(0);
    for (const g of good) expect(g.findings).toEqual([]);
  });

  it('exits 2 with a usage message on a bad flag', () => {
    const r = spawnSync(process.execPath, [bin, 'check', '--fail-on', 'loud', 'examples'], { cwd: repo, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--fail-on');
  });

  // The compiled CLI loads SARIF, HTML, check-template and scan code only when a run needs it: each path once.
  describe('code loaded on demand', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kpg-bin-'));
    const seed = join(repo, 'examples', 'seed-anti-pattern-1-account-full-access.json');
    const bin_ = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } });

    it('--format sarif', () => {
      const r = bin_(['check', '--format', 'sarif', '--account-id', '111122223333', seed]);
      expect(r.status).toBe(1);
      expect((JSON.parse(r.stdout) as { runs: { results: { ruleId: string }[] }[] }).runs[0]?.results.map((x) => x.ruleId)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    });

    it('--format html --output FILE', () => {
      const out = join(tmp, 'report.html');
      const r = bin_(['check', '--format', 'html', '--output', out, '--account-id', '111122223333', seed]);
      expect(r.status).toBe(1);
      expect(readFileSync(out, 'utf8')).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    });

    it('check-template', () => {
      const template = join(tmp, 'template.json');
      const keyPolicy = JSON.parse(readFileSync(seed, 'utf8')) as unknown;
      writeFileSync(template, JSON.stringify({ Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: keyPolicy } } } }));
      const r = bin_(['check-template', '--format', 'json', '--account-id', '111122223333', template]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    });

    it('scan: its modules load (AWS clients created, no request sent) before a bad --regions is refused', () => {
      const r = bin_(['scan', '--regions', 'middle-earth']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('--regions: "middle-earth" is not a Region name');
    });
  });
});
