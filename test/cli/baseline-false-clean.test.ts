/**
 * A baseline must never hide a finding it did not record (a false clean), and nothing it touches may be lost:
 * changed grants, other keys and other checks are new findings; clobbered files, lost reports and unjudged keys
 * counted as fixed are refused or said.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
