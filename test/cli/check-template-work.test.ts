/**
 * check-template does each piece of work once: a nested template is parsed once however many stacks nest it,
 * the values a parent passes are resolved once per nested stack, and each variant of a policy is resolved once.
 * Work is counted through the parse step the command takes as a dependency (getters count reads of the
 * parsed template), never timed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckTemplate, type ParseFn } from '../../cli/commands/check-template';
import type { CliIo } from '../../cli/io';
import { parseDocument } from '../../cli/templates/sources';

const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };
const TOOL = { name: 't', version: '0' };

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpg-tpl-work-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const nestedStack = (name: string, url: string, reader?: string) =>
  `  ${name}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ${url}\n` + (reader === undefined ? '' : `      Parameters:\n        Reader: ${reader}\n`);
const CHILD =
  "Parameters:\n  Reader:\n    Type: String\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: !Ref Reader}, Action: 'kms:Decrypt', Resource: '*'}\n";
const ROLE = "!Sub 'arn:aws:iam::${AWS::AccountId}:role/Reader'";

/** Replaces `record[key]` with a getter that counts its reads. */
function countReads(record: Record<string, unknown>, key: string): { reads: number } {
  const counter = { reads: 0 };
  const value = record[key];
  Object.defineProperty(record, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      counter.reads += 1;
      return value;
    },
  });
  return counter;
}

const at = (value: unknown, ...path: (string | number)[]): Record<string, unknown> =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value) as Record<string, unknown>;

describe('check-template does each piece of work once', () => {
  it('parses a template nested by three stacks once', async () => {
    const dir = folder({ 'parent.yaml': ['Resources:', ...['A', 'B', 'C'].map((n) => nestedStack(n, './child.yaml', ROLE))].join('\n'), 'child.yaml': CHILD });
    const parsed: string[] = [];
    const parse: ParseFn = (file, text) => {
      parsed.push(file);
      return parseDocument(file, text);
    };
    const report = await runCheckTemplate({ paths: [join(dir, 'parent.yaml')], accountId: '111122223333', analysis: {} }, io, TOOL, { parse });
    expect(report.results.map((r) => [r.extra?.stack, r.findings.length])).toEqual(['A', 'B', 'C'].map((n) => [`${join(dir, 'parent.yaml')}/${n}`, 0]));
    expect(parsed.sort()).toEqual([join(dir, 'child.yaml'), join(dir, 'parent.yaml')]);
  });

  it('resolves the values a parent passes once per nested stack, however deep its descendants', async () => {
    const middle = 'Parameters:\n  Reader:\n    Type: String\nResources:\n' + nestedStack('Inner', './child.yaml', '!Ref Reader') + nestedStack('Other', './child.yaml', '!Ref Reader');
    const dir = folder({ 'top.yaml': 'Resources:\n' + nestedStack('Outer', './middle.yaml', ROLE), 'middle.yaml': middle, 'child.yaml': CHILD });
    let passed: { reads: number } | undefined;
    const parse: ParseFn = (file, text) => {
      const doc = parseDocument(file, text);
      if (file.endsWith('top.yaml')) passed = countReads(at(doc.value, 'Resources', 'Outer', 'Properties', 'Parameters'), 'Reader');
      return doc;
    };
    const report = await runCheckTemplate({ paths: [join(dir, 'top.yaml')], accountId: '111122223333', analysis: {} }, io, TOOL, { parse });
    expect(report.results.map((r) => [r.extra?.stack, r.findings.length])).toEqual([
      [`${join(dir, 'top.yaml')}/Outer/Inner`, 0],
      [`${join(dir, 'top.yaml')}/Outer/Other`, 0],
    ]);
    expect(passed?.reads).toBe(1);
  });

  it('resolves each statement once per variant (and once to find the parameters it refers to)', async () => {
    const template =
      'Parameters:\n  Env:\n    Type: String\n    AllowedValues: [dev, test, prod]\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n' +
      "          - {Effect: Allow, Principal: {AWS: !If [IsProd, !Sub 'arn:aws:iam::${AWS::AccountId}:role/Prod', '*']}, Action: 'kms:Decrypt', Resource: '*'}\n" +
      "          - !If [IsProd, !Ref AWS::NoValue, {Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/Dev'}, Action: 'kms:Encrypt', Resource: '*'}]\n";
    const dir = folder({ 'key.yaml': template });
    let statement: { reads: number } | undefined;
    const parse: ParseFn = (file, text) => {
      const doc = parseDocument(file, text);
      statement = countReads(at(doc.value, 'Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 0), 'Principal');
      return doc;
    };
    const report = await runCheckTemplate({ paths: [join(dir, 'key.yaml')], accountId: '111122223333', analysis: {} }, io, TOOL, { parse });
    const variants = report.results[0]?.extra?.variants as unknown[];
    expect(variants).toHaveLength(3);
    expect(report.results[0]?.findings.map((f) => [f.checkId, (f as { variants?: string[] }).variants])).toEqual([['PUBLIC_ACCESS', ['Env=dev', 'Env=test']]]);
    expect(statement?.reads).toBe(1 + variants.length);
  });
});
