/**
 * One exemption tag, one decision: the CloudFormation hook (at deploy) and check-template (before it) agree on
 * whether the same key resource's Tags accept its findings.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckTemplate } from '../../cli/commands/check-template';
import type { CliIo } from '../../cli/io';
import { analyzePolicy, CHECK } from '../../engine';
import { judgeRequest } from '../../hook/judge';
import type { HookSettings } from '../../hook/settings';

const OWN = '111122223333';
const TAG = 'kpg-exempt';
const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };
const ROOT = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWN}:root` }, Action: 'kms:*', Resource: '*' };
const PUBLIC = { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' };
const settings: HookSettings = { trustedAccountIds: [], trustedOrgIds: [], minimumSeverity: 'info', disabledChecks: [], exemptionTagKey: TAG, nonSuppressibleChecks: [CHECK.PUBLIC_ACCESS] };

function hookAccepts(properties: Record<string, unknown>): boolean {
  const request = { clientRequestToken: 't', awsAccountId: OWN, invocationPoint: 'CREATE_PRE_PROVISION' as const, targetName: 'AWS::KMS::Key', targetLogicalId: 'Key', resourceProperties: properties };
  return judgeRequest({ request, settings, analyze: analyzePolicy, defaultPartition: 'aws' }).kind === 'accepted';
}

async function templateAccepts(properties: Record<string, unknown>): Promise<boolean> {
  const file = join(mkdtempSync(join(tmpdir(), 'kpg-gates-')), 'key.json');
  writeFileSync(file, JSON.stringify({ Resources: { Key: { Type: 'AWS::KMS::Key', Properties: properties } } }));
  const report = await runCheckTemplate({ paths: [file], accountId: OWN, analysis: {}, exemptionTagKey: TAG }, io, { name: 't', version: '0' });
  const findings = report.results.flatMap((r) => r.findings);
  return findings.length > 0 && findings.every((f) => f.suppression?.kind === 'exemption-tag');
}

const policy = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });

describe('the hook and check-template decide the exemption tag alike', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['a value', { KeyPolicy: policy(ROOT), Tags: [{ Key: TAG, Value: 'SEC-1 reviewed' }] }, true],
    ['the default key policy and a value', { Tags: [{ Key: TAG, Value: 'SEC-1 reviewed' }] }, true],
    ['an empty value', { KeyPolicy: policy(ROOT), Tags: [{ Key: TAG, Value: ' ' }] }, false],
    ['the tag written twice', { KeyPolicy: policy(ROOT), Tags: [{ Key: TAG, Value: 'SEC-1' }, { Key: TAG, Value: 'SEC-1' }] }, false],
    ['another tag only', { KeyPolicy: policy(ROOT), Tags: [{ Key: 'owner', Value: 'SEC-1 reviewed' }] }, false],
    ['a PUBLIC_ACCESS finding', { KeyPolicy: policy(ROOT, PUBLIC), Tags: [{ Key: TAG, Value: 'SEC-1 reviewed' }] }, false],
  ])('%s', async (_name, properties, accepted) => {
    expect(hookAccepts(properties)).toBe(accepted);
    expect(await templateAccepts(properties)).toBe(accepted);
  });
});
