/**
 * check-template --exemption-tag-key: the key resource's `Tags` property accepts its findings with the hook's
 * meaning (suppress/exemption-tag.ts), after inline suppressions; each way it accepts nothing is a warning.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckTemplate, type CheckTemplateOptions } from '../../cli/commands/check-template';
import type { CliIo } from '../../cli/io';
import type { Report } from '../../cli/report';
import { CHECK } from '../../engine';
import type { MarkedFinding } from '../../suppress';
import { runCli } from '../support/cli';

const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };
const TOOL = { name: 't', version: '0' };
const OWN = '111122223333';
const TAG = 'kpg-exempt';
const REASON = 'SEC-1234 key administrators set by SCP';
const PUBLIC_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] };

/** A template with one key (KMS's default key policy unless `policy` is given: ACCOUNT_WIDE_FULL_ACCESS). */
function template(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kpg-tpl-tag-')), 'key.json');
  writeFileSync(file, JSON.stringify({ ...extra, Resources: { Key: { Type: 'AWS::KMS::Key', Properties: properties, ...(extra.Metadata !== undefined ? { Metadata: extra.Metadata } : {}) } } }));
  return file;
}

async function run(file: string, extra: Partial<CheckTemplateOptions> = {}): Promise<Report> {
  return runCheckTemplate({ paths: [file], accountId: OWN, analysis: {}, exemptionTagKey: TAG, ...extra }, io, TOOL);
}

const findingsOf = (report: Report): MarkedFinding[] => report.results.flatMap((r) => r.findings);
const tagWarnings = (report: Report) => report.results.flatMap((r) => r.warnings).filter((w) => w.code === 'EXEMPTION_NOT_APPLIED');

describe('check-template honours the exemption tag', () => {
  it('a tag with a value accepts the findings, marked with the trimmed value; no warning', async () => {
    const report = await run(template({ Tags: [{ Key: 'team', Value: 'a' }, { Key: TAG, Value: `  ${REASON} ` }] }));
    const findings = findingsOf(report);
    expect(findings.map((f) => f.checkId)).toEqual([CHECK.ACCOUNT_WIDE_FULL_ACCESS]);
    expect(findings.every((f) => f.suppression?.kind === 'exemption-tag' && f.suppression.reason === REASON)).toBe(true);
    expect(tagWarnings(report)).toEqual([]);
  });

  it('without --exemption-tag-key the tag means nothing', async () => {
    const report = await runCheckTemplate({ paths: [template({ Tags: [{ Key: TAG, Value: REASON }] })], accountId: OWN, analysis: {} }, io, TOOL);
    expect(findingsOf(report).every((f) => f.suppression === undefined)).toBe(true);
  });

  it.each([
    ['an empty value', [{ Key: TAG, Value: '  ' }], /empty value/],
    ['the tag key written twice', [{ Key: TAG, Value: REASON }, { Key: TAG, Value: 'SEC-2 another reason' }], /written 2 times/],
  ])('%s accepts nothing and warns at the Tags', async (_name, tags, why) => {
    const report = await run(template({ Tags: tags }));
    expect(findingsOf(report).every((f) => f.suppression === undefined)).toBe(true);
    const [warning, ...more] = tagWarnings(report);
    expect(more).toEqual([]);
    expect(warning?.path).toBe('Resources.Key.Properties.Tags');
    expect(warning?.message).toMatch(/^Key: exemption tag kpg-exempt: /);
    expect(warning?.message).toMatch(why);
  });

  it('a PUBLIC_ACCESS finding refuses the whole key: nothing is accepted, and the warning says why', async () => {
    const policy = { ...PUBLIC_POLICY, Statement: [...PUBLIC_POLICY.Statement, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWN}:root` }, Action: 'kms:*', Resource: '*' }] };
    const report = await run(template({ KeyPolicy: policy, Tags: [{ Key: TAG, Value: REASON }] }));
    const findings = findingsOf(report);
    expect(findings.map((f) => f.checkId)).toEqual(expect.arrayContaining([CHECK.PUBLIC_ACCESS, CHECK.ACCOUNT_WIDE_FULL_ACCESS]));
    expect(findings.every((f) => f.suppression === undefined)).toBe(true);
    expect(tagWarnings(report).map((w) => w.message)).toEqual([expect.stringContaining('cannot exempt PUBLIC_ACCESS (non-suppressible checks: PUBLIC_ACCESS; --non-suppressible-checks)')]);
    const allowed = await run(template({ KeyPolicy: policy, Tags: [{ Key: TAG, Value: REASON }] }), { nonSuppressibleChecks: [] });
    expect(findingsOf(allowed).every((f) => f.suppression?.kind === 'exemption-tag')).toBe(true);
  });

  it('resolves intrinsics in the tag value', async () => {
    const file = template({ Tags: [{ Key: { 'Fn::Join': ['-', ['kpg', 'exempt']] }, Value: { 'Fn::Join': ['', ['SEC-1234 reviewed for ', { Ref: 'AWS::AccountId' }]] } }] });
    const report = await run(file);
    expect(findingsOf(report).map((f) => f.suppression)).toEqual([{ kind: 'exemption-tag', reason: `SEC-1234 reviewed for ${OWN}` }]);
  });

  it.each([
    ['a value known only at deployment', [{ Key: TAG, Value: { 'Fn::ImportValue': 'SharedReason' } }], /value .*Fn::ImportValue SharedReason/],
    ['another tag whose key is known only at deployment', [{ Key: { 'Fn::ImportValue': 'SharedTagKey' } , Value: 'x' }, { Key: TAG, Value: REASON }], /a tag key .*Fn::ImportValue SharedTagKey/],
    ['a value taken from a parameter (its default may be overridden)', [{ Key: TAG, Value: { Ref: 'Ticket' } }], /value .*Ticket/],
    ['a Tags list known only at deployment', { 'Fn::ImportValue': 'SharedTags' }, /Tags .*Fn::ImportValue SharedTags/],
  ])('%s accepts nothing (fail closed) and says so', async (_name, tags, why) => {
    const report = await run(template({ Tags: tags }, { Parameters: { Ticket: { Type: 'String', Default: 'SEC-1234 reviewed' } } }));
    expect(findingsOf(report).every((f) => f.suppression === undefined)).toBe(true);
    expect(tagWarnings(report).map((w) => w.message)).toEqual([expect.stringMatching(why)]);
    expect(tagWarnings(report)[0]?.message).toContain('accepts nothing');
  });

  it('an unresolved value of another tag changes nothing', async () => {
    const report = await run(template({ Tags: [{ Key: 'owner', Value: { 'Fn::ImportValue': 'Owner' } }, { Key: TAG, Value: REASON }] }));
    expect(findingsOf(report).every((f) => f.suppression?.kind === 'exemption-tag')).toBe(true);
    expect(tagWarnings(report)).toEqual([]);
  });

  it('inline suppressions apply first; the tag accepts the rest', async () => {
    const policy = { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWN}:root` }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:Decrypt', Resource: '*' },
    ] };
    const metadata = { 'kms-policy-guard': { suppress: [{ id: 'ACCOUNT_WIDE_FULL_ACCESS', reason: 'Administrators set by SCP, SEC-9' }] } };
    const report = await run(template({ KeyPolicy: policy, Tags: [{ Key: TAG, Value: REASON }] }, { Metadata: metadata }));
    const kinds = Object.fromEntries(findingsOf(report).map((f) => [f.checkId, f.suppression?.kind]));
    expect(kinds).toEqual({ [CHECK.ACCOUNT_WIDE_FULL_ACCESS]: 'inline', [CHECK.UNTRUSTED_CROSS_ACCOUNT]: 'exemption-tag' });
  });
});

describe('tag keys as CloudFormation reads them', () => {
  it('a YAML number key is the tag "2024": written twice with a quoted "2024", it accepts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-tag-yaml-'));
    const file = join(dir, 'key.yaml');
    writeFileSync(file, `Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Tags:\n        - Key: '2024'\n          Value: ${REASON}\n        - Key: 2024\n          Value: ''\n`);
    const report = await run(file, { exemptionTagKey: '2024' });
    expect(findingsOf(report).length).toBeGreaterThan(0);
    expect(findingsOf(report).filter((f) => f.suppression?.kind === 'exemption-tag')).toEqual([]);
    expect(tagWarnings(report).map((w) => w.message).join('\n')).toMatch(/written 2 times/);
  });
});

describe('through the command line', () => {
  it('--exemption-tag-key: a tagged key passes; the flag is parsed by the rule spec', async () => {
    const file = template({ Tags: [{ Key: TAG, Value: REASON }] });
    expect((await runCli(['check-template', '--account-id', OWN, file])).code).toBe(1);
    const accepted = await runCli(['check-template', '--account-id', OWN, '--exemption-tag-key', TAG, '--format', 'json', file]);
    expect(accepted.code).toBe(0);
    const json = JSON.parse(accepted.stdout) as { results: { findings: MarkedFinding[] }[] };
    expect(json.results[0]?.findings.map((f) => f.suppression?.kind)).toEqual(['exemption-tag']);
    const bad = await runCli(['check-template', '--exemption-tag-key', 'bad#key', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--exemption-tag-key/);
  });
});
