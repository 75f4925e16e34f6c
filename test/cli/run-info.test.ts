import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import type { Clock } from '../../runtime/clock';
import { OWN, ROOT, allow, policy } from '../support/policies';

/** A clock that moves on a second each time it is read. */
function tickingClock(start: number): Clock {
  let now = start;
  return { now: () => (now += 1000) - 1000, sleep: async () => undefined };
}

async function runJson(args: string[]): Promise<{ code: number; run: Record<string, unknown> }> {
  let stdout = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => {}, readStdin: async () => '', isTty: false, env: {} };
  const code = await main(args, io, { clock: tickingClock(Date.UTC(2031, 5, 1, 12)) });
  return { code, run: (JSON.parse(stdout) as { run: Record<string, unknown> }).run };
}

describe('the report records how it was made (run information)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpg-run-'));
  const file = join(dir, 'key.json');
  writeFileSync(file, JSON.stringify(policy(allow({ AWS: ROOT }, 'kms:*'))));

  it('check: the arguments, the start and end times, and every setting that shaped the verdicts', async () => {
    const args = ['check', '--account-id', OWN, '--disable-checks', 'NO_SEPARATION_OF_DUTIES', '--min-severity', 'medium', '--fail-on', 'none', '--format', 'json', file];
    const { code, run } = await runJson(args);
    expect(code).toBe(0);
    expect(run).toEqual({
      command: 'check',
      arguments: args,
      startedAt: '2031-06-01T12:00:00.000Z',
      finishedAt: '2031-06-01T12:00:01.000Z',
      settings: { accountId: OWN, trustedAccountIds: [], trustedOrgIds: [], disabledChecks: ['NO_SEPARATION_OF_DUTIES'], minimumSeverity: 'medium', failOn: 'none' },
    });
  });

  it('check-template: its account, Region and exemption tag key too', async () => {
    const template = join(dir, 'stack.json');
    writeFileSync(template, JSON.stringify({ Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: policy(allow({ AWS: ROOT }, 'kms:*')) } } } }));
    const args = ['check-template', '--account-id', OWN, '--region', 'eu-west-1', '--exemption-tag-key', 'kpg-exempt', '--trusted-org-ids', 'o-abcdef1234', '--format', 'json', template];
    const { code, run } = await runJson(args);
    expect(code).toBe(1);
    expect(run).toEqual({
      command: 'check-template',
      arguments: args,
      startedAt: '2031-06-01T12:00:00.000Z',
      finishedAt: '2031-06-01T12:00:01.000Z',
      settings: { accountId: OWN, region: 'eu-west-1', trustedAccountIds: [], trustedOrgIds: ['o-abcdef1234'], disabledChecks: [], failOn: 'low', exemptionTagKey: 'kpg-exempt' },
    });
  });
});
