/**
 * The synth-time checks under the real `cdk synth` CLI: a CDK app whose kms.Key has the default key policy fails
 * synthesis with the finding in the output, under the cdk-nag pack and under the Aspect, and synthesizes once
 * the finding is suppressed inline with a reason. The CLI runs offline, without credentials or telemetry.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const APP = join('test', 'infra', 'fixtures', 'synth-checks-app.ts');
const SYNTH_TIMEOUT_MS = 240_000;
const outdirs: string[] = [];

function synth(mode: 'nag' | 'aspect', suppressReason?: string): { code: number | null; output: string; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), `kpg-synth-${mode}-`));
  outdirs.push(outdir);
  const r = spawnSync('npx', ['--no-install', 'cdk', 'synth', '--no-notices', '--app', `npx --no-install tsx ${APP}`, '-o', outdir], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', KPG_MODE: mode, ...(suppressReason !== undefined ? { KPG_SUPPRESS_REASON: suppressReason } : {}) },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, output: `${r.stdout}\n${r.stderr}`, outdir };
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(['nag', 'aspect'] as const)('cdk synth with the %s checks', (mode) => {
  it(
    'fails on a kms.Key with the default key policy, naming the finding, and passes once it is suppressed inline with a reason',
    () => {
      const bad = synth(mode);
      expect(bad.code).not.toBe(0);
      expect(bad.output).toContain('KmsPolicyGuard-ACCOUNT_WIDE_FULL_ACCESS');
      expect(bad.output).toMatch(/GuardedKeys\/DataKey[0-9A-F]+ at Properties\.KeyPolicy\.Statement\[0\]\.Principal\.AWS: Every principal of account/);

      const suppressed = synth(mode, 'Key administrators are set by SCP; ticket SEC-1234');
      expect({ code: suppressed.code, output: suppressed.output }).toEqual({ code: 0, output: expect.not.stringContaining('Synthesis finished with errors') });
      expect(existsSync(join(suppressed.outdir, 'GuardedKeys.template.json'))).toBe(true);
    },
    SYNTH_TIMEOUT_MS,
  );
});
