/**
 * The package bin, run as a user would: a separate node process on the example policies.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
});
