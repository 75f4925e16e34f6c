import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { SEVERITIES } from '../../engine';
import { OCSF_VERSION, ocsfSeverityId, type OcsfDetectionFinding } from '../../cli/output/ocsf';
import { runCli } from '../support/cli';
import { FOREIGN_ROOT, ROOT, allow, policy } from '../support/policies';
import { schemaErrors } from '../support/schemas';

const ACCOUNT = '111122223333';
const dir = mkdtempSync(join(tmpdir(), 'kpg-ocsf-'));
const bad = join(dir, 'bad.json');
writeFileSync(bad, JSON.stringify(policy({ Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') }, { Sid: 'Foreign', ...allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt']) })));

async function ocsf(args: string[]): Promise<{ code: number; events: OcsfDetectionFinding[] }> {
  const r = await runCli(['check', '--format', 'ocsf', ...args]);
  return { code: r.code, events: JSON.parse(r.stdout) as OcsfDetectionFinding[] };
}

describe('--format ocsf (check)', () => {
  it('writes an array of OCSF Detection Findings that the schema accepts, with the ASFF finding ids as uids', async () => {
    const { code, events } = await ocsf(['--account-id', ACCOUNT, '--region', 'eu-west-1', bad]);
    expect(code).toBe(1);
    expect(schemaErrors('ocsf-detection-finding.schema.json', events)).toEqual([]);
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.type_uid).toBe(e.class_uid * 100 + e.activity_id);
      expect(e.metadata.version).toBe(OCSF_VERSION);
      expect(e.cloud).toEqual({ provider: 'AWS', account: { uid: ACCOUNT, type_id: 10, type: 'AWS Account' }, region: 'eu-west-1' });
      expect(e.resources[0]?.uid).toMatch(/bad\.json$/);
      expect(e.remediation.desc.length).toBeGreaterThan(0);
      expect(e.status).toBe('New');
    }
    const asff = JSON.parse((await runCli(['check', '--format', 'asff', '--account-id', ACCOUNT, '--region', 'eu-west-1', bad])).stdout) as { Findings: AwsSecurityFinding[] };
    expect(events.map((e) => e.finding_info.uid)).toEqual(asff.Findings.map((f) => f.Id));
    expect(events.map((e) => e.finding_info.analytic.uid)).toEqual(asff.Findings.map((f) => f.GeneratorId?.replace('kms-policy-guard/', '')));
  });

  it('needs no account: the cloud object then names the provider only', async () => {
    const { events } = await ocsf([bad]);
    expect(schemaErrors('ocsf-detection-finding.schema.json', events)).toEqual([]);
    expect(events[0]?.cloud).toEqual({ provider: 'AWS' });
  });

  it('reports an unreadable file as a high NOT_JUDGED finding that says it was not judged', async () => {
    const { code, events } = await ocsf([join(dir, 'missing.json')]);
    expect(code).toBe(2);
    expect(schemaErrors('ocsf-detection-finding.schema.json', events)).toEqual([]);
    expect(events.map((e) => [e.finding_info.analytic.uid, e.severity, e.status_detail])).toEqual([['NOT_JUDGED', 'High', expect.stringContaining('not judged')]]);
  });

  it('marks an accepted finding Suppressed and says how it was accepted', async () => {
    const baseline = join(dir, 'baseline.json');
    await runCli(['check', '--write-baseline', baseline, bad]);
    const { events } = await ocsf(['--baseline', baseline, bad]);
    expect(events.map((e) => e.status_id)).toEqual([3, 3]);
    expect(events[0]?.status_detail).toMatch(/^accepted \(baseline\)/);
    expect(events[0]?.unmapped).toMatchObject({ acceptance: { kind: 'baseline' } });
  });

  it('maps severities to OCSF severity ids', () => {
    expect(SEVERITIES.map(ocsfSeverityId)).toEqual([5, 4, 3, 2, 1]);
  });
});
