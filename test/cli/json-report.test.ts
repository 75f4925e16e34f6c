import { renderJson } from '../../cli/output/json';
import type { Report } from '../../cli/report';

const tool = { name: 'kms-policy-guard', version: '0.0.0' };
const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/k1';

/** The JSON output is read by scripts: its field names and their order are part of the interface. */
describe('JSON report shape', () => {
  it('names what each result is about `file` (a path, a key ARN or an account/Region), before the extra fields', () => {
    const report: Report = {
      tool,
      results: [
        { subject: 'policies/a.json', findings: [], warnings: [] },
        { subject: keyArn, findings: [], warnings: [], extra: { keyArn, account: '111122223333', region: 'eu-west-1', aliases: [] } },
        {
          subject: '111122223333/eu-west-1',
          findings: [],
          warnings: [],
          error: 'kms:ListKeys failed',
          extra: { keyArn: null, account: '111122223333', region: 'eu-west-1', aliases: [] },
          unlisted: 'account-region',
        },
      ],
      skipped: [{ file: 'policies/package.json', reason: 'not a key policy' }],
      notes: ['a note'],
    };
    const out = JSON.parse(renderJson(report)) as { results: Record<string, unknown>[] } & Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['tool', 'results', 'skipped', 'summary', 'notes']);
    expect(out.results.map((r) => Object.keys(r))).toEqual([
      ['file', 'findings', 'warnings'],
      ['file', 'keyArn', 'account', 'region', 'aliases', 'findings', 'warnings'],
      ['file', 'keyArn', 'account', 'region', 'aliases', 'error', 'findings', 'warnings'],
    ]);
    expect(out.results.map((r) => r.file)).toEqual(['policies/a.json', keyArn, '111122223333/eu-west-1']);
    expect(out.skipped).toEqual([{ file: 'policies/package.json', reason: 'not a key policy' }]);
    expect(out.summary).toEqual({ inputs: 3, withFindings: 0, unreadable: 1, skipped: 1, findingsBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, findings: { new: 0, unchanged: 0, suppressed: 0, fixed: 0 } });
  });
});
