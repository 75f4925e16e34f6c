/**
 * A baseline must never hide a finding it did not record (a false clean), and nothing it touches may be lost:
 * changed grants, other keys and other checks are new findings; clobbered files, lost reports and unjudged keys
 * counted as fixed are refused or said.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBaselineFile } from '../../cli/acceptance';
import type { Report } from '../../cli/report';
import type { Baseline } from '../../suppress';
import { runCli } from '../support/cli';
import { FOREIGN_ROOT, OWN, allow, policy } from '../support/policies';

interface Finding {
  checkId: string;
  actions: string[];
  fingerprint: string;
  suppression?: { kind: string; reason: string };
}
interface Out {
  results: { file: string; stack?: string; findings: Finding[] }[];
  summary: { findings: { new: number; unchanged: number; suppressed: number; fixed: number } };
  baseline?: { file: string; fixed: { fingerprint: string; checkId: string; key: string }[] };
  notes: string[];
}

const dir = mkdtempSync(join(tmpdir(), 'kpg-false-clean-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}
const json = async (args: string[]) => {
  const r = await runCli([...args, '--format', 'json']);
  return { ...r, out: JSON.parse(r.stdout || '{}') as Out };
};

describe('a baseline accepts only the finding it recorded', () => {
  it('Fn::If branches swapped (public in dev -> public in prod) is a new finding, not "unchanged"', async () => {
    const template = (principal: string) => `Parameters:
  Env:
    Type: String
    AllowedValues: [prod, dev]
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Use
            Effect: Allow
            Principal:
              AWS: ${principal}
            Action: kms:Decrypt
            Resource: '*'
`;
    const t = file('fnif/t.yaml', template(`!If [IsProd, 'arn:aws:iam::${OWN}:role/App', '*']`));
    const baseline = join(dir, 'fnif/baseline.json');
    const first = await json(['check-template', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', t]);
    expect(first.out.results[0]?.findings.map((f) => f.checkId)).toEqual(['PUBLIC_ACCESS']); // public in the dev variant only
    // Swap the branches: now the production key is public.
    file('fnif/t.yaml', template(`!If [IsProd, '*', 'arn:aws:iam::${OWN}:role/App']`));
    const swapped = await json(['check-template', '--account-id', OWN, '--baseline', baseline, t]);
    expect(swapped.out.results[0]?.findings[0]?.suppression).toBeUndefined();
    expect(swapped.out.summary.findings.new).toBe(1);
    expect(swapped.code).toBe(1);
  });

  it('removing the Deny that limited a cross-account grant (Decrypt -> kms:*) is not hidden by the baseline', async () => {
    const partner = { Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:*') };
    const guard = { Sid: 'Guard', Effect: 'Deny', Principal: { AWS: FOREIGN_ROOT }, NotAction: ['kms:Decrypt', 'kms:CreateGrant'], Resource: '*' };
    const key = file('deny/key.json', policy(partner, guard));
    const baseline = join(dir, 'deny/baseline.json');
    const first = await json(['check', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', key]);
    expect(first.out.results[0]?.findings.find((f) => f.checkId === 'UNTRUSTED_CROSS_ACCOUNT')?.actions).toEqual(['kms:CreateGrant', 'kms:Decrypt']);
    file('deny/key.json', policy(partner)); // the guard is deleted: the foreign account may now PutKeyPolicy, ScheduleKeyDeletion…
    const after = await json(['check', '--account-id', OWN, '--baseline', baseline, key]);
    const widened = after.out.results[0]?.findings.find((f) => f.checkId === 'UNTRUSTED_CROSS_ACCOUNT');
    expect(widened?.actions).toContain('kms:PutKeyPolicy');
    expect(widened?.suppression).toBeUndefined();
    expect(after.code).toBe(1);
  });

  it('a second nested stack (another deployed key) built from the same template is not matched by the first one\'s entry', async () => {
    file(
      'nested/child.yaml',
      `Parameters:
  Partner:
    Type: String
Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Partner
            Effect: Allow
            Principal:
              AWS: !Sub arn:aws:iam::\${Partner}:root
            Action: kms:Decrypt
            Resource: '*'
`,
    );
    const stack = (name: string) => `  ${name}:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child.yaml
      Parameters:
        Partner: '999999999999'
`;
    const parent = file('nested/parent.yaml', `Resources:\n${stack('Orders')}`);
    const baseline = join(dir, 'nested/baseline.json');
    await json(['check-template', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', parent]);
    file('nested/parent.yaml', `Resources:\n${stack('Orders')}${stack('Payments')}`);
    const after = await json(['check-template', '--account-id', OWN, '--baseline', baseline, parent]);
    const payments = after.out.results.find((r) => r.stack?.endsWith('/Payments'));
    expect(payments?.findings.map((f) => f.checkId)).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
    expect(payments?.findings[0]?.suppression).toBeUndefined();
    expect(after.code).toBe(1);
  });

  it('a baseline entry whose checkId and key do not match the finding is refused, not silently applied', async () => {
    const key = file('label/key.json', policy({ Sid: 'Public', ...allow({ AWS: '*' }, 'kms:Decrypt') }));
    const written = join(dir, 'label/written.json');
    await json(['check', '--account-id', OWN, '--write-baseline', written, '--fail-on', 'none', key]);
    const real = JSON.parse(readFileSync(written, 'utf8')) as { findings: { fingerprint: string }[] };
    // What a reviewer sees in the diff: a low-severity entry on another file.
    const disguised = file('label/disguised.json', {
      version: 1,
      tool: { name: 'kms-policy-guard', version: '0.2.0' },
      findings: [{ fingerprint: real.findings[0]?.fingerprint, checkId: 'ALLOW_WITH_NEGATION', key: 'somewhere/else.json', statement: 'Sid Legacy' }],
    });
    const r = await json(['check', '--account-id', OWN, '--baseline', disguised, key]);
    expect(r.out.results[0]?.findings[0]?.checkId).toBe('PUBLIC_ACCESS');
    expect(r.out.results[0]?.findings[0]?.suppression).toBeUndefined();
    expect(r.code).toBe(1);
  });
});

describe('baseline and report files: nothing lost, nothing hidden without a count', () => {
  it('--output naming the --baseline file is refused; the baseline is not overwritten by the report', async () => {
    const key = file('clobber/key.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt') }));
    const baseline = join(dir, 'clobber/baseline.json');
    await json(['check', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', key]);
    const before = readFileSync(baseline, 'utf8');
    const r = await runCli(['check', '--account-id', OWN, '--baseline', baseline, '--output', baseline, key]);
    expect(r.code).toBe(2);
    expect(readFileSync(baseline, 'utf8')).toBe(before);
  });

  it('--write-baseline naming the --output file is refused (one silently overwrites the other)', async () => {
    const key = file('clobber2/key.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt') }));
    const target = join(dir, 'clobber2/out.json');
    const r = await runCli(['check', '--account-id', OWN, '--write-baseline', target, '--output', target, '--fail-on', 'none', key]);
    expect(r.code).toBe(2);
    expect(existsSync(target)).toBe(false);
  });

  it('a --write-baseline in a folder that does not exist is refused before anything is judged', async () => {
    const key = file('unwritable/key.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt') }));
    const r = await runCli(['check', '--account-id', OWN, '--write-baseline', join(dir, 'no-such-dir', 'b.json'), '--format', 'json', key]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--write-baseline: cannot write in .*no-such-dir: ENOENT/);
  });

  it('a --write-baseline that fails at the end of the run still gives the report, and exits 2 with the write error', async () => {
    const key = file('unwritable-late/key.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt') }));
    const target = join(dir, 'unwritable-late', 'a-folder');
    mkdirSync(target, { recursive: true }); // a folder where the file should be: the final rename fails
    const r = await runCli(['check', '--account-id', OWN, '--write-baseline', target, '--format', 'json', '--fail-on', 'none', key]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('UNTRUSTED_CROSS_ACCOUNT');
    expect(r.stderr).toMatch(/--write-baseline: cannot write .*a-folder/);
  });

  it('SARIF says how many findings --min-severity left out (every output, per docs/cli.md)', async () => {
    const key = file('sarif/key.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:*') }));
    const asJson = await json(['check', '--account-id', OWN, '--min-severity', 'high', '--fail-on', 'none', key]);
    expect(asJson.out.notes.some((n) => n.includes('below --min-severity high'))).toBe(true);
    const sarif = await runCli(['check', '--account-id', OWN, '--min-severity', 'high', '--fail-on', 'none', '--format', 'sarif', key]);
    expect(sarif.stdout + sarif.stderr).toMatch(/below --min-severity high/);
  });

  it('a key whose policy no longer parses does not report its baselined findings as "fixed"', async () => {
    const key = file('broken/key.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt') }));
    const baseline = join(dir, 'broken/baseline.json');
    await json(['check', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', key]);
    file('broken/key.json', '{"Version": "2012-10-17", "Statement": ');
    const r = await json(['check', '--account-id', OWN, '--baseline', baseline, key]);
    expect(r.code).toBe(2);
    expect(r.out.summary.findings.fixed).toBe(0);
  });
});

describe('a baseline accepts only the finding it recorded: what lies outside the statements', () => {
  it('a condition redefined elsewhere in the template (the statement unchanged) moves the finding to another variant: new', async () => {
    const template = (isProd: string) => `Parameters:
  Env:
    Type: String
    AllowedValues: [prod, dev]
Conditions:
  IsProd: !Equals [!Ref Env, ${isProd}]
Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Use
            Effect: Allow
            Principal:
              AWS: !If [IsProd, 'arn:aws:iam::${OWN}:role/App', '*']
            Action: kms:Decrypt
            Resource: '*'
`;
    const t = file('redefined/t.yaml', template('prod'));
    const baseline = join(dir, 'redefined/baseline.json');
    await json(['check-template', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', t]);
    // Same statement text; now the key is public when Env=prod.
    file('redefined/t.yaml', template('dev'));
    const after = await json(['check-template', '--account-id', OWN, '--baseline', baseline, t]);
    expect(after.out.results[0]?.findings.map((f) => [f.checkId, f.suppression])).toEqual([['PUBLIC_ACCESS', undefined]]);
    expect(after.code).toBe(1);
  });

  it('a baseline of an earlier release (kpg1 fingerprints) is a usage error asking for a new one', async () => {
    const key = file('kpg1/key.json', policy({ Sid: 'Public', ...allow({ AWS: '*' }, 'kms:Decrypt') }));
    const old = file('kpg1/baseline.json', { version: 1, tool: { name: 'kms-policy-guard', version: '0.1.0' }, findings: [{ fingerprint: `kpg1:${'a'.repeat(64)}`, checkId: 'PUBLIC_ACCESS', key: 'k' }] });
    const r = await runCli(['check', '--account-id', OWN, '--baseline', old, key]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--baseline: .*findings\[0\]\.fingerprint: a fingerprint of an earlier release \(kpg1:\).*write the baseline again with --write-baseline/);
  });
});

describe('baseline files are not inputs', () => {
  it.each(['--baseline', '--write-baseline'])('%s naming one of the inputs is refused before anything is read', async (flag) => {
    const key = file('as-input/key.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt') }));
    const before = readFileSync(key, 'utf8');
    const r = await runCli(['check', '--account-id', OWN, flag, key, key]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${flag}: ${key} is also an input`);
    expect(readFileSync(key, 'utf8')).toBe(before);
  });

  it('--baseline and --write-baseline may name the same file (a refresh)', async () => {
    const key = file('refresh/key.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt') }));
    const baseline = join(dir, 'refresh/baseline.json');
    await json(['check', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', key]);
    const r = await json(['check', '--account-id', OWN, '--baseline', baseline, '--write-baseline', baseline, key]);
    expect(r.code).toBe(0);
    expect(r.out.summary.findings.unchanged).toBe(1);
  });
});

describe('baseline entries of keys not judged this run', () => {
  it('are counted "not checked this run", not fixed, and a refresh keeps them', async () => {
    const good = file('kept/a.json', policy({ Sid: 'Partner', ...allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt') }));
    const broken = file('kept/b.json', policy({ Sid: 'Public', ...allow({ AWS: '*' }, 'kms:Decrypt') }));
    const baseline = join(dir, 'kept/baseline.json');
    await json(['check', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', good, broken]);
    const written = JSON.parse(readFileSync(baseline, 'utf8')) as { findings: { checkId: string }[] };
    expect(written.findings.map((f) => f.checkId).sort()).toEqual(['PUBLIC_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT']);
    file('kept/b.json', '{"Version": "2012-10-17", "Statement": ');
    const r = await json(['check', '--account-id', OWN, '--baseline', baseline, '--write-baseline', baseline, good, broken]);
    expect(r.code).toBe(2);
    expect(r.out.summary.findings).toMatchObject({ unchanged: 1, fixed: 0 });
    expect(r.out.baseline?.fixed).toEqual([]);
    expect(r.out.notes).toContain('1 baseline entry not checked this run: its key could not be judged (neither fixed nor found; --write-baseline keeps it)');
    const refreshed = JSON.parse(readFileSync(baseline, 'utf8')) as { findings: { checkId: string }[] };
    expect(refreshed.findings.map((f) => f.checkId).sort()).toEqual(['PUBLIC_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT']);
    const text = await runCli(['check', '--account-id', OWN, '--baseline', baseline, good, broken]);
    expect(text.stdout).toContain('2 findings: 1 new, 1 unchanged (baseline), 0 suppressed, 0 fixed, 1 not checked this run');
  });

  it('scan: the entries of an account and Region whose keys could not be listed are not fixed', () => {
    const entry = (region: string) => ({ fingerprint: `kpg2:${(region.startsWith('eu') ? 'e' : 'f').repeat(64)}`, checkId: 'PUBLIC_ACCESS', key: `arn:aws:kms:${region}:111122223333:key/k` });
    const baseline: Baseline = { version: 1, tool: { name: 'kms-policy-guard', version: '0' }, findings: [entry('eu-west-1'), entry('us-east-1')] };
    const report: Report = {
      tool: baseline.tool,
      notes: [],
      results: [{ subject: '111122223333/eu-west-1', findings: [], warnings: [], error: 'kms:ListKeys failed', extra: { keyArn: null, account: '111122223333', region: 'eu-west-1' }, unlisted: 'account-region' }],
    };
    const applied = applyBaselineFile(report, baseline, 'b.json', process.cwd());
    expect(applied.baseline?.notChecked.map((e) => e.key)).toEqual(['arn:aws:kms:eu-west-1:111122223333:key/k']);
    expect(applied.baseline?.fixed.map((e) => e.key)).toEqual(['arn:aws:kms:us-east-1:111122223333:key/k']);
  });
});

describe('baseline entries of a nested stack not judged this run', () => {
  it.each<[string, (path: string) => void]>([
    ['no longer parses', (path) => writeFileSync(path, 'Resources: [')],
    ['is gone', (path) => rmSync(path)],
  ])('the entries of a nested stack whose template %s are not checked, not fixed', async (_what, breakIt) => {
    const child = `Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Partner
            Effect: Allow
            Principal: {AWS: '${FOREIGN_ROOT}'}
            Action: kms:Decrypt
            Resource: '*'
`;
    file('nested-gone/child.yaml', child);
    const parent = file('nested-gone/parent.yaml', 'Resources:\n  Orders:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yaml\n');
    const baseline = join(dir, 'nested-gone/baseline.json');
    await json(['check-template', '--account-id', OWN, '--write-baseline', baseline, '--fail-on', 'none', parent]);
    const written = JSON.parse(readFileSync(baseline, 'utf8')) as { findings: { key: string }[] };
    expect(written.findings.map((f) => f.key)).toEqual([expect.stringMatching(/nested-gone\/child\.yaml#DataKey in .*nested-gone\/parent\.yaml\/Orders$/)]);
    breakIt(join(dir, 'nested-gone/child.yaml'));
    const r = await json(['check-template', '--account-id', OWN, '--baseline', baseline, parent]);
    expect(r.code).toBe(2);
    expect(r.out.baseline?.fixed).toEqual([]);
    expect(r.out.summary.findings.fixed).toBe(0);
  });
});
