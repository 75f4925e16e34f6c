/**
 * check-template on hostile and tricky templates: YAML alias bombs, duplicate keys, macros (Transform), CDK
 * nested stacks and templates whose key policy depends on parameters and conditions (every variant judged).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckTemplate } from '../../cli/commands/check-template';
import type { AnalyzeFn } from '../../templates/judge-key';
import type { CliIo } from '../../cli/io';
import { exitCode } from '../../cli/report';
import { parseCfnYaml } from '../../templates/cfn-yaml';
import { duplicateKeysInJson, policyDuplicatePaths } from '../../templates/duplicates';
import { analyzePolicy } from '../../engine';
import { runCli } from '../support/cli';

const FIXTURES = join(__dirname, '..', 'fixtures', 'templates');

interface JsonFinding {
  checkId: string;
  path: string;
  message: string;
  variants?: string[];
}
interface JsonResult {
  file: string;
  logicalId?: string;
  stack?: string;
  cdkPath?: string;
  error?: string;
  findings: JsonFinding[];
  warnings: { code: string; path: string; message: string }[];
  variants?: { parameters: Record<string, string>; conditions: Record<string, boolean>; checks: string[] }[];
  worstVariant?: { parameters: Record<string, string>; conditions: Record<string, boolean> };
}

async function checkJson(args: string[]): Promise<{ code: number; results: JsonResult[]; notes: string[] }> {
  const r = await runCli(['check-template', '--format', 'json', '--account-id', '111122223333', ...args]);
  const out = JSON.parse(r.stdout) as { results: JsonResult[]; notes: string[] };
  return { code: r.code, results: out.results, notes: out.notes };
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpg-tpl-hostile-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `levels` anchors, each a list of `width` aliases of the one before: width^levels nodes once expanded. */
function aliasBomb(levels: number, width: number, tag = ''): string {
  const lines = [`a0: &a0 ${tag}[${Array(width).fill('"kms:*"').join(', ')}]`];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} ${tag}[${Array(width).fill(`*a${i - 1}`).join(', ')}]`);
  // Anchors come first: an alias refers to an anchor before it.
  return ['Metadata:', ...lines.map((l) => `  ${l}`), 'Resources:', '  Key:', '    Type: AWS::KMS::Key', '    Properties:', '      KeyPolicy:', '        Statement:', '          - Effect: Allow', "            Principal: '*'", `            Action: *a${levels - 1}`].join(
    '\n',
  );
}

const KEY_POLICY_JSON = (statement: string) =>
  `{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [${statement}]}}}}, "Outputs": {"A": {"Value": "x"}, "A": {"Value": "y"}}}`;

const ADMIN = '{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyAdmin"}, "Action": "kms:Describe*", "Resource": "*"}';

const PROTO_STATEMENTS =
  '{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}, {"Sid": "DenyNever", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"__proto__": "never-present"}}}';
const PROTO_YAML =
  'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Version: "2012-10-17"\n        Statement:\n          - {Sid: Public, Effect: Allow, Principal: "*", Action: "kms:*", Resource: "*"}\n          - Sid: DenyNever\n            Effect: Deny\n            Principal: "*"\n            Action: "kms:*"\n            Resource: "*"\n            Condition:\n              StringEquals:\n                __proto__: "never-present"\n';
/** A key public when `!Equals [!Ref P, <literal>]` holds, for a parameter P declared as given. */
const EQUALS_TEMPLATE = (parameter: string, literal: string) =>
  `Parameters:\n  P:\n    ${parameter}\nConditions:\n  Open: !Equals [!Ref P, ${literal}]\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: !If [Open, "*", {AWS: !Sub "arn:aws:iam::\${AWS::AccountId}:role/App"}], Action: "kms:Decrypt", Resource: "*"}\n`;
const REGION_TEMPLATE =
  'Conditions:\n  IsHome: !Equals [!Ref "AWS::Region", us-east-1]\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: !If [IsHome, {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:role/App"}, "*"], Action: "kms:Decrypt", Resource: "*"}\n';
const ACCOUNT_TEMPLATE =
  'Conditions:\n  IsProd: !Equals [!Ref "AWS::AccountId", "999988887777"]\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: !If [IsProd, "*", {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:role/App"}], Action: "kms:Decrypt", Resource: "*"}\n';

describe('hostile templates', () => {
  // Each row: the file, and what check-template must do with it (exit code, and the error or result it reports).
  it.each<[string, string, string, { code: number; error?: RegExp; checks?: string[]; warningPaths?: string[] }]>([
    ['an alias bomb of 9 levels of 9 (387 million nodes once expanded)', 'bomb.yaml', aliasBomb(9, 9), { code: 2, error: /YAML aliases expand to more than 100000 nodes/ }],
    ['an alias bomb of 12 levels of 9', 'bomb12.yaml', aliasBomb(12, 9), { code: 2, error: /YAML aliases expand to more than 100000 nodes/ }],
    ['an alias bomb through short-form tags', 'tagged.yaml', aliasBomb(9, 9, '!Split '), { code: 2, error: /YAML aliases expand to more than 100000 nodes/ }],
    ['an alias bomb in a .template file (read as YAML)', 'bomb.template', aliasBomb(9, 9), { code: 2, error: /YAML aliases expand to more than 100000 nodes/ }],
    [
      'a few aliases of a small anchor',
      'benign.yaml',
      "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: &admin 'arn:aws:iam::111122223333:role/Admin'}, Action: &use [kms:Decrypt, kms:Encrypt], Resource: '*'}\n          - {Effect: Allow, Principal: '*', Action: *use, Resource: '*'}\n          - {Effect: Allow, Principal: {AWS: *admin}, Action: *use, Resource: '*'}\n",
      { code: 1, checks: ['PUBLIC_ACCESS'] },
    ],
    ['an alias used before its anchor', 'early.yaml', 'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: *late\nMetadata:\n  Late: &late {Statement: []}\n', { code: 2, error: /alias \*late refers to no anchor/ }],
    ['an alias to an undefined anchor', 'undefined.yaml', 'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: *nope\n', { code: 2, error: /not valid YAML/ }],
    ['a duplicate key outside any key policy (JSON)', 'dup-outputs.json', KEY_POLICY_JSON(ADMIN), { code: 0, checks: [] }],
    [
      'a duplicate key outside any key policy (YAML)',
      'dup-outputs.yaml',
      'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:role/KeyAdmin"}, Action: "kms:Describe*", Resource: "*"}]}\nOutputs:\n  A: {Value: x}\n  A: {Value: y}\n',
      { code: 0, checks: [] },
    ],
    [
      'KeyPolicy written twice on one key',
      'dup-keypolicy.yaml',
      'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Statement: [{Effect: Allow, Principal: "*", Action: "kms:*", Resource: "*"}]}\n      KeyPolicy: {Statement: []}\n',
      { code: 2, error: /Key: Resources\.Key\.Properties\.KeyPolicy is written more than once/ },
    ],
    [
      'a resource written twice under one logical id',
      'dup-resource.json',
      '{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}}}, "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": []}}}}}',
      { code: 2, error: /Key: Resources\.Key is written more than once/ },
    ],
    [
      'conditions that name the one before twice, 40 levels deep (2^40 evaluations unless each is evaluated once)',
      'conditions.yaml',
      [
        'Parameters:\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n    Default: dev\nConditions:\n  C0: !Equals [!Ref Env, prod]',
        ...Array.from({ length: 40 }, (_, i) => `  C${i + 1}: !Or [!Condition C${i}, !Condition C${i}]`),
        '  Loop: !Or [!Condition Loop, !Condition Loop]',
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::111122223333:role/Admin'}, Action: 'kms:DescribeKey', Resource: '*'}\n          - !If [C40, {Effect: Allow, Principal: '*', Action: 'kms:*', Resource: '*'}, !Ref AWS::NoValue]\n          - !If [Loop, {Effect: Allow, Principal: {AWS: 'arn:aws:iam::444455556666:root'}, Action: 'kms:Decrypt', Resource: '*'}, !Ref AWS::NoValue]",
      ].join('\n'),
      { code: 1, checks: ['PUBLIC_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT'] },
    ],
    [
      'a mapping value that looks itself up',
      'selfmap.json',
      '{"Mappings": {"M": {"a": {"b": {"Fn::FindInMap": ["M", "a", "b"]}}}}, "Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::FindInMap": ["M", "a", "b"]}}, "Action": "kms:Decrypt", "Resource": "*"}]}}}}}',
      { code: 1, checks: ['UNTRUSTED_CROSS_ACCOUNT'], warningPaths: ['Resources.Key.Properties.KeyPolicy.Statement[0].Principal.AWS'] },
    ],
    [
      'intrinsic functions nested 5000 deep',
      'deep.json',
      `{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ${'{"Fn::Join": ["", ['.repeat(5000)}"x"${']]}'.repeat(5000)}}, "Action": "kms:Decrypt", "Resource": "*"}]}}}}}`,
      // Judged like the 300-deep row: the depth limit of the resolver leaves the value unresolved (fail closed).
      { code: 1, checks: ['UNTRUSTED_CROSS_ACCOUNT'], warningPaths: ['Resources.Key.Properties.KeyPolicy.Statement[0].Principal.AWS'] },
    ],
    [
      'intrinsic functions nested 300 deep',
      'deep300.json',
      `{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ${'{"Fn::Join": ["", ['.repeat(300)}"x"${']]}'.repeat(300)}}, "Action": "kms:Decrypt", "Resource": "*"}]}}}}}`,
      { code: 1, checks: ['UNTRUSTED_CROSS_ACCOUNT'], warningPaths: ['Resources.Key.Properties.KeyPolicy.Statement[0].Principal.AWS'] },
    ],
    [
      'a template whose Resources is a list (a broken template, not something else)',
      'list.yaml',
      "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  - Key:\n      Type: AWS::KMS::Key\n",
      { code: 2, error: /declares itself a CloudFormation template.*Resources is a list, not a map/ },
    ],
    ['a template with AWSTemplateFormatVersion and no Resources', 'none.json', '{"AWSTemplateFormatVersion": "2010-09-09"}', { code: 2, error: /declares itself a CloudFormation template.*has no Resources/ }],
    ['a key policy whose Statement is null (cannot be parsed)', 'null.json', '{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": null}}}}}', { code: 2, checks: ['INVALID_POLICY'] }],
    ['a key policy whose Statement is empty (cannot be parsed)', 'empty.json', '{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": []}}}}}', { code: 2, checks: ['INVALID_POLICY'] }],
    // A policy key named __proto__ must stay an own property through every copy: assigned with `out[key] = v` it
    // sets the copy's prototype instead, the condition vanishes, and a Deny that never applies is judged unconditional.
    ['a Deny whose condition key is __proto__ (YAML)', 'proto.yaml', PROTO_YAML, { code: 1, checks: ['PUBLIC_ACCESS'] }],
    ['a Deny whose condition key is __proto__ (JSON)', 'proto.json', KEY_POLICY_JSON(PROTO_STATEMENTS), { code: 1, checks: ['PUBLIC_ACCESS'] }],
    ['a Deny whose condition key is __proto__ (KeyPolicy as a JSON string)', 'protos.json', JSON.stringify({ Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: `{"Version": "2012-10-17", "Statement": [${PROTO_STATEMENTS}]}` } } } }), { code: 1, checks: ['PUBLIC_ACCESS'] }],
    // The engine reads the operator and rejects it as one IAM does not know, rather than never seeing it.
    ['a Deny whose condition operator is __proto__', 'protoop.json', KEY_POLICY_JSON(PROTO_STATEMENTS.replace('"StringEquals": {"__proto__"', '"__proto__": {"aws:PrincipalTag/x"')), { code: 1, checks: ['INVALID_POLICY', 'PUBLIC_ACCESS'] }],
    // A name every JavaScript object inherits is no condition of the template: undecided, both branches judged.
    [
      'Fn::If on toString, a condition no template declares',
      'tostring.yaml',
      "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: !If [toString, {AWS: 'arn:aws:iam::111122223333:role/App'}, '*'], Action: 'kms:Decrypt', Resource: '*'}\n",
      { code: 1, checks: ['PUBLIC_ACCESS'] },
    ],
    // CloudFormation parameters are strings: `!Equals [!Ref P, true]` holds when P is "true".
    ['Fn::Equals of a String parameter and a YAML boolean', 'eqbool.yaml', EQUALS_TEMPLATE('Type: String\n    AllowedValues: ["true", "false"]\n    Default: "false"', 'true'), { code: 1, checks: ['PUBLIC_ACCESS'] }],
    ['Fn::Equals of a Number parameter and a YAML number', 'eqnum.yaml', EQUALS_TEMPLATE('Type: Number\n    AllowedValues: [1, 2]\n    Default: 1', '2'), { code: 1, checks: ['PUBLIC_ACCESS'] }],
    ['Fn::Equals of a String parameter and a YAML number', 'eqnum2.yaml', EQUALS_TEMPLATE('Type: String\n    AllowedValues: ["1", "2"]\n    Default: "1"', '2'), { code: 1, checks: ['PUBLIC_ACCESS'] }],
    // Only one value decides nothing: a list never equals a string, but neither is it judged false on a guess.
    ['Fn::Equals of a list and a string', 'eqlist.yaml', EQUALS_TEMPLATE('Type: String\n    AllowedValues: ["1", "2"]\n    Default: "1"', '[a]'), { code: 1, checks: ['PUBLIC_ACCESS'] }],
    // No --region: the Region is not known, so a condition over it takes both values.
    ['a condition over AWS::Region without --region', 'region.yaml', REGION_TEMPLATE, { code: 1, checks: ['PUBLIC_ACCESS'] }],
    [
      'a principal looked up in a mapping by AWS::Region without --region',
      'regionmap.yaml',
      "Mappings:\n  Admins:\n    us-east-1: {Arn: 'arn:aws:iam::111122223333:role/Admin'}\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: !FindInMap [Admins, !Ref 'AWS::Region', Arn]}, Action: 'kms:Decrypt', Resource: '*'}\n",
      { code: 1, checks: ['UNTRUSTED_CROSS_ACCOUNT'], warningPaths: ['Resources.Key.Properties.KeyPolicy.Statement[0].Principal.AWS'] },
    ],
    [
      'a template that declares a Transform',
      'transform.yaml',
      readFileSync(join(FIXTURES, 'cloudformation-variants', 'kms-key-transform.yaml'), 'utf8'),
      { code: 0, checks: [], warningPaths: ['Transform'] },
    ],
  ])('%s', async (_name, fileName, text, want) => {
    const file = tempFile(fileName, text);
    const { code, results } = await checkJson([file]);
    expect(code).toBe(want.code);
    const [result] = results;
    expect(result?.file).toBe(file);
    if (want.error !== undefined) expect(result?.error).toMatch(want.error);
    else expect(result?.error).toBeUndefined();
    if (want.checks !== undefined) expect(result?.findings.map((f) => f.checkId)).toEqual(want.checks);
    if (want.warningPaths !== undefined) expect(result?.warnings.filter((w) => w.code === 'UNRESOLVED_VALUE').map((w) => w.path)).toEqual(want.warningPaths);
  });

  it('counts the expansion of aliases, tags included, against the node budget while converting YAML', () => {
    expect(() => parseCfnYaml(aliasBomb(6, 8))).toThrow(/YAML aliases expand to more than 100000 nodes/);
    // Five levels of 8 (a0…a4 and the Action that aliases a4) stay within the budget and are converted in full.
    const { value } = parseCfnYaml(aliasBomb(5, 8));
    expect(JSON.stringify(value).match(/kms:\*/g)).toHaveLength(8 + 8 ** 2 + 8 ** 3 + 8 ** 4 + 2 * 8 ** 5);
  });

  it('says a macro may change a template with a Transform, naming the transforms', async () => {
    const { results } = await checkJson([join(FIXTURES, 'cloudformation-variants', 'kms-key-transform.yaml')]);
    const warning = results[0]?.warnings.find((w) => w.path === 'Transform');
    expect(warning?.message).toContain('AWS::Serverless-2016-10-31');
    expect(warning?.message).toContain('judged as written');
  });
});

describe('pseudo parameters the user did not give', () => {
  // Each row: the template, the flags, and what check-template must find. A condition over the Region or the
  // account is decided only by a value the user gave (or the CDK stack's environment), never by a default.
  it.each<[string, string, string[], number, string[], string[] | undefined]>([
    ['AWS::Region, no --region: both branches judged', REGION_TEMPLATE, ['--account-id', '111122223333'], 1, ['PUBLIC_ACCESS'], ['IsHome=false']],
    ['AWS::Region, --region us-east-1: decided', REGION_TEMPLATE, ['--account-id', '111122223333', '--region', 'us-east-1'], 0, [], undefined],
    ['AWS::Region, --region eu-west-1: decided', REGION_TEMPLATE, ['--account-id', '111122223333', '--region', 'eu-west-1'], 1, ['PUBLIC_ACCESS'], undefined],
    ['AWS::AccountId, no --account-id: both branches judged', ACCOUNT_TEMPLATE, [], 1, ['PUBLIC_ACCESS'], ['IsProd=true']],
    ['AWS::AccountId, --account-id another account: decided', ACCOUNT_TEMPLATE, ['--account-id', '111122223333'], 0, [], undefined],
    ['AWS::AccountId, --account-id that account: decided', ACCOUNT_TEMPLATE, ['--account-id', '999988887777'], 1, ['PUBLIC_ACCESS'], undefined],
  ])('%s', async (_name, text, flags, wantCode, wantChecks, wantVariants) => {
    const file = tempFile('pseudo.yaml', text);
    const r = await runCli(['check-template', '--format', 'json', ...flags, file]);
    const [result] = (JSON.parse(r.stdout) as { results: JsonResult[] }).results;
    expect(r.code).toBe(wantCode);
    expect(result?.error).toBeUndefined();
    expect(result?.findings.map((f) => f.checkId)).toEqual(wantChecks);
    if (wantVariants !== undefined) expect(result?.findings[0]?.variants).toEqual(wantVariants);
    else expect(result?.variants).toBeUndefined();
  });
});

describe('a folder where no template was judged', () => {
  const KEY = '{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}}}}}';
  const BUCKET = '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "AWS::S3::Bucket"}}}';
  const BROKEN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  - Key:\n      Type: AWS::KMS::Key\n";
  // Each row: the files of the folder, the exit code, and the result per file (`error`, or the check ids found).
  it.each<[string, Record<string, string>, number, Record<string, string>]>([
    ['only package.json: nothing judged is an error, not a pass', { 'package.json': '{"name": "x"}' }, 2, { '.': 'error' }],
    ['a broken template (Resources a list) is an error, not passed over', { 'stack.yaml': BROKEN }, 2, { 'stack.yaml': 'error' }],
    ['a broken template next to a good one: both reported', { 'a.json': KEY, 'b.yaml': BROKEN, 'package.json': '{"name": "x"}' }, 2, { 'a.json': 'PUBLIC_ACCESS', 'b.yaml': 'error' }],
    ['a template without a key is judged: nothing to report', { 'bucket.json': BUCKET, 'package.json': '{"name": "x"}' }, 0, {}],
  ])('%s', async (_name, files, code, results) => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-tpl-folder-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const out = await checkJson(['--fail-on', 'none', dir]);
    const rel = (f: string) => (f === dir ? '.' : f.slice(dir.length + 1));
    expect(Object.fromEntries(out.results.map((r) => [rel(r.file), r.error !== undefined ? 'error' : r.findings.map((f) => f.checkId).join(',')]))).toEqual(results);
    expect(out.code).toBe(code);
    if (Object.keys(results).length === 0) expect(out.notes.join('\n')).toMatch(/no AWS::KMS::Key.*was found/);
  });

  it('reports each folder that judged nothing right after its own inputs, in the order given', async () => {
    const two = mkdtempSync(join(tmpdir(), 'kpg-tpl-folder-'));
    writeFileSync(join(two, 'package.json'), '{"name": "x"}');
    writeFileSync(join(two, 'tsconfig.json'), '{"compilerOptions": {}}');
    const broken = mkdtempSync(join(tmpdir(), 'kpg-tpl-folder-'));
    writeFileSync(join(broken, 'b.yaml'), BROKEN);
    const { results } = await checkJson([two, broken]);
    expect(results.map((r) => [r.file, r.error?.split(':')[0]])).toEqual([
      [two, 'no template below this folder'],
      [join(broken, 'b.yaml'), expect.any(String)],
    ]);
    expect(results[0]?.error).toBe(
      'no template below this folder: the 2 files found are neither CloudFormation templates nor Terraform plans (passed over); name a file on the command line to judge it anyway',
    );
  });

  it('says why a folder with nothing to judge is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-tpl-folder-'));
    writeFileSync(join(dir, 'package.json'), '{"name": "x"}');
    const { results } = await checkJson([dir]);
    expect(results[0]?.error).toMatch(/no template below this folder: the 1 file found is neither a CloudFormation template nor a Terraform plan/);
  });
});

describe('CDK nested stacks', () => {
  it('judges every nested template of a cloud assembly under its construct path', async () => {
    const { code, results } = await checkJson([join(FIXTURES, 'cdk-nested')]);
    expect(code).toBe(1);
    const byPath = Object.fromEntries(results.map((r) => [r.cdkPath, { stack: r.stack, checks: r.findings.map((f) => f.checkId) }]));
    expect(byPath['ParentStack/Storage/OpenKey/Resource']).toEqual({ stack: 'ParentStack/Storage', checks: expect.arrayContaining(['PUBLIC_ACCESS']) as unknown });
    expect(byPath['ParentStack/Storage/Inner/InnerKey/Resource']?.stack).toBe('ParentStack/Storage/Inner');
    expect(byPath['ParentStack/ParentKey/Resource']?.stack).toBe('ParentStack');
    expect(results).toHaveLength(3);
  });

  it('finds a nested template through the asset manifest when the template has no aws:asset:path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-nested-'));
    cpSync(join(FIXTURES, 'cdk-nested'), dir, { recursive: true });
    for (const name of ['ParentStack.template.json', 'ParentStackStorage35EB9BC9.nested.template.json']) {
      const t = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { Resources: Record<string, { Metadata?: Record<string, unknown> }> };
      for (const r of Object.values(t.Resources)) delete r.Metadata?.['aws:asset:path'];
      writeFileSync(join(dir, name), JSON.stringify(t));
    }
    const { results } = await checkJson([dir]);
    expect(results.map((r) => r.stack).sort()).toEqual(['ParentStack', 'ParentStack/Storage', 'ParentStack/Storage/Inner']);
  });

  it('reports a nested template that cannot be found as not judged (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-nested-missing-'));
    cpSync(join(FIXTURES, 'cdk-nested'), dir, { recursive: true });
    rmSync(join(dir, 'ParentStackStorage35EB9BC9.nested.template.json'));
    const { code, results } = await checkJson([dir]);
    expect(code).toBe(2);
    const missing = results.find((r) => r.error !== undefined);
    expect(missing?.error).toContain('StorageNestedStackStorageNestedStackResource9807768E');
    expect(missing?.error).toContain('ParentStackStorage35EB9BC9.nested.template.json');
    expect(missing?.error).toContain('not judged');
  });
});

describe('nested stacks outside a cloud assembly', () => {
  const parent = (url: string) =>
    `Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ${url}\n      Parameters:\n        Reader: !Sub 'arn:aws:iam::\${AWS::AccountId}:role/Reader'\n`;
  // Admin is not passed by the parent, so it keeps its Default: a nested stack's parameters are set only by its parent.
  const child =
    "Parameters:\n  Reader:\n    Type: String\n  Admin:\n    Type: String\n    Default: KeyAdmin\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: !Ref Reader}, Action: 'kms:Decrypt', Resource: '*'}\n          - {Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/${Admin}'}, Action: 'kms:DescribeKey', Resource: '*'}\n";

  it('reads a nested template given as a local path, once, with the values its parent passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-nested-local-'));
    writeFileSync(join(dir, 'parent.yaml'), parent('./child.yaml'));
    writeFileSync(join(dir, 'child.yaml'), child);
    const { code, results } = await checkJson([dir]);
    expect(code).toBe(0);
    expect(results.map((r) => [r.file, r.stack, r.logicalId])).toEqual([[join(dir, 'child.yaml'), `${join(dir, 'parent.yaml')}/Child`, 'Key']]);
    // The parent passes a role of the stack's own account: nothing unknown, nothing foreign.
    expect(results[0]?.warnings).toEqual([]);
  });

  // Each row: a TemplateURL check-template does not fetch; the nested stack is reported as not judged (exit 2).
  it.each([
    ['on S3 over HTTPS', 'https://s3.amazonaws.com/bucket/child.yaml', 'https://s3.amazonaws.com/bucket/child.yaml'],
    ['an s3:// URL', 's3://bucket/child.yaml', 's3://bucket/child.yaml'],
    ['computed with Fn::Join', '!Join ["", ["./", "child.yaml"]]', 'a TemplateURL computed at deployment'],
  ])('reports a nested template %s as not judged, saying how to judge it', async (_name, url, shown) => {
    const remote = tempFile('parent.yaml', parent(url));
    const { code, results } = await checkJson([remote]);
    expect(code).toBe(2);
    expect(results.map((r) => [r.file, r.logicalId, r.error])).toEqual([
      [remote, 'Child', `nested stack Child (${remote}/Child) of ${remote}: its template is at ${shown}, which check-template does not fetch, so the keys it may hold were not judged; save that template locally and set TemplateURL to its path (as before aws cloudformation package), or pass it on its own`],
    ]);
  });

  it('fails closed on a local nested template that is missing', async () => {
    const missing = tempFile('parent.yaml', parent('./gone.yaml'));
    const { code, results } = await checkJson([missing]);
    expect(code).toBe(2);
    expect(results[0]?.error).toContain('gone.yaml cannot be read');
  });

  // Two nested stacks of one template, with different parameters: each is a stack of its own, judged with the
  // values its parent passes, whatever the order of the resources.
  const twoStacks = (first: string, second: string) =>
    ['Resources:', ...[first, second].map((name) => `  ${name}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n      Parameters:\n        Reader: ${name === 'Public' ? '"*"' : "!Sub 'arn:aws:iam::${AWS::AccountId}:role/Reader'"}`)].join('\n');
  it.each([
    ['Private then Public', 'Private', 'Public'],
    ['Public then Private', 'Public', 'Private'],
  ])('judges a template nested twice once per nested stack (%s)', async (_name, first, second) => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-nested-twice-'));
    writeFileSync(join(dir, 'parent.yaml'), twoStacks(first, second));
    writeFileSync(join(dir, 'child.yaml'), child);
    const { code, results } = await checkJson([dir]);
    expect(code).toBe(1);
    const stack = (name: string) => `${join(dir, 'parent.yaml')}/${name}`;
    expect(results.map((r) => [r.file, r.stack, r.logicalId, r.findings.map((f) => f.checkId)]).sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      [join(dir, 'child.yaml'), stack('Private'), 'Key', []],
      [join(dir, 'child.yaml'), stack('Public'), 'Key', ['PUBLIC_ACCESS']],
    ]);
  });

  it('judges a template nested twice at the second level under each chain of parents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-nested-chain-'));
    writeFileSync(join(dir, 'top.yaml'), twoStacks('Private', 'Public').replace(/child\.yaml/g, 'middle.yaml'));
    writeFileSync(join(dir, 'middle.yaml'), 'Parameters:\n  Reader:\n    Type: String\n' + parent('./child.yaml').replace(/Reader: .*/, 'Reader: !Ref Reader'));
    writeFileSync(join(dir, 'child.yaml'), child);
    const { code, results } = await checkJson([join(dir, 'top.yaml')]);
    expect(code).toBe(1);
    const stack = (name: string) => `${join(dir, 'top.yaml')}/${name}/Child`;
    expect(results.map((r) => [r.stack, r.findings.map((f) => f.checkId)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      [stack('Private'), []],
      [stack('Public'), ['PUBLIC_ACCESS']],
    ]);
  });

  // Each row: templates that nest without end, and the error that stops them (exit 2) while the rest is judged.
  it.each<[string, Record<string, string>, RegExp]>([
    ['a template that nests itself', { 'self.yaml': parent('./self.yaml') }, /nested stack Child .* of .*self\.yaml: its template .*self\.yaml is already a parent of this stack \(a loop of nested stacks\); not followed/],
    ['two templates that nest each other', { 'a.yaml': parent('./b.yaml'), 'b.yaml': parent('./a.yaml') }, /a loop of nested stacks/],
    [
      'a template that nests one child 40 times, three levels deep (64 000 nested stacks)',
      Object.fromEntries(['l0', 'l1', 'l2'].map((name, i) => [`${name}.yaml`, ['Resources:', ...Array.from({ length: 40 }, (_, n) => `  S${n}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./l${i + 1}.yaml`)].join('\n')]).concat([['l3.yaml', child]])),
      /more than 256 nested stacks .* the others were not judged/,
    ],
  ])('stops at %s, with an error', async (_name, files, error) => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-nested-loop-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const first = Object.keys(files)[0] as string;
    const { code, results } = await checkJson([join(dir, first)]);
    expect(code).toBe(2);
    expect(results.filter((r) => r.error !== undefined).map((r) => r.error)).toEqual([expect.stringMatching(error)]);
  });

  it('reports each nested stack of a template read from standard input as not judged', async () => {
    const r = await runCli(['check-template', '--format', 'json', '--account-id', '111122223333', '-'], { stdin: twoStacks('Private', 'Public') });
    expect(r.code).toBe(2);
    const { results } = JSON.parse(r.stdout) as { results: JsonResult[] };
    expect(results.map((x) => [x.file, x.logicalId, x.error])).toEqual(
      ['Private', 'Public'].map((name) => [
        '-',
        name,
        `nested stack ${name} (-/${name}) of -: its TemplateURL child.yaml is a path relative to the template, which cannot be resolved for a template read from standard input, so the keys it may hold were not judged; pass the template as a file`,
      ]),
    );
  });

  it('notes that a macro may add keys to a template with a Transform and no key', async () => {
    const file = tempFile('sam.yaml', 'Transform: AWS::LanguageExtensions\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n');
    const { notes } = await checkJson([file]);
    expect(notes).toContain(`${file} declares Transform AWS::LanguageExtensions: a macro may add keys before deployment, and check-template expands none, so such keys were not judged`);
  });
});

describe('every deployable variant of a template', () => {
  it('judges every allowed value of a parameter and names the variant behind each finding', async () => {
    const { code, results } = await checkJson([join(FIXTURES, 'cloudformation-variants', 'kms-key-prod-branch.yaml')]);
    expect(code).toBe(1);
    const [key] = results;
    const open = key?.findings.find((f) => f.checkId === 'PUBLIC_ACCESS');
    expect(open?.path).toBe('Resources.Key.Properties.KeyPolicy.Statement[1].Principal');
    expect(open?.variants).toEqual(['Env=prod']);
    expect(open?.message).toContain('(in the variant Env=prod)');
    expect(key?.worstVariant).toEqual({ parameters: { Env: 'prod' }, conditions: { IsProd: true } });
    expect(key?.variants?.map((v) => [v.parameters, v.conditions, v.checks.includes('PUBLIC_ACCESS')])).toEqual([
      [{ Env: 'dev' }, { IsProd: false }, false],
      [{ Env: 'prod' }, { IsProd: true }, true],
    ]);
    // The same grant in both variants is one finding.
    expect(key?.findings.filter((f) => f.checkId === 'UNCONSTRAINED_GRANT_CREATION').map((f) => f.variants)).toEqual([['Env=dev', 'Env=prod']]);
  });

  it('names the template\'s own statements when a variant removes some (Fn::If with AWS::NoValue)', async () => {
    // In the variant Service=S3_PUBLIC_ACCESS, statements 1 and 2 are removed: the judged policy's statement 1 is
    // the template's statement 3.
    const { results } = await checkJson([join(FIXTURES, 'cloudformation', 'kms-key-for-service.yaml')]);
    const open = results[0]?.findings.find((f) => f.checkId === 'PUBLIC_ACCESS');
    expect(open?.path).toBe('Resources.Key.Properties.KeyPolicy.Statement[3].Principal.AWS');
    expect(open?.message).toContain('granted by statement 3.');
    expect(open?.variants).toEqual(['Service=S3_PUBLIC_ACCESS']);
  });

  const template = (parameters: string, conditions: string, statement: string) =>
    `Parameters:\n${parameters}\nConditions:\n${conditions || '  Never: !Equals [a, b]'}\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Version: '2012-10-17'\n        Statement:\n${statement}\n`;

  it('judges both branches of a condition over a parameter without AllowedValues', async () => {
    const file = tempFile(
      'cond.yaml',
      template(
        '  Env:\n    Type: String\n    Default: dev',
        '  IsProd: !Equals [!Ref Env, prod]',
        "          - !If [IsProd, {Effect: Allow, Principal: '*', Action: 'kms:*', Resource: '*'}, !Ref AWS::NoValue]",
      ),
    );
    const { results } = await checkJson([file]);
    const open = results[0]?.findings.find((f) => f.checkId === 'PUBLIC_ACCESS');
    expect(open?.variants).toEqual(['IsProd=true']);
  });

  it('reports an account taken from an overridable parameter as unresolved, judged as a foreign account', async () => {
    const file = tempFile(
      'param-account.yaml',
      template(
        "  AdminAccount:\n    Type: String\n    Default: '111122223333'",
        '',
        "          - {Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AdminAccount}:root'}, Action: 'kms:*', Resource: '*'}",
      ),
    );
    const { results } = await checkJson([file]);
    expect(results[0]?.findings.map((f) => f.checkId)).toContain('UNTRUSTED_CROSS_ACCOUNT');
    const warning = results[0]?.warnings.find((w) => w.code === 'UNRESOLVED_VALUE');
    expect(warning?.path).toBe('Resources.Key.Properties.KeyPolicy.Statement[0].Principal.AWS');
    expect(warning?.message).toContain('AdminAccount');
    expect(warning?.message).toContain('no AllowedValues');
  });

  it('takes a parameter with AllowedValues as each of its values', async () => {
    const file = tempFile(
      'param-allowed.yaml',
      template(
        "  AdminAccount:\n    Type: String\n    AllowedValues: ['111122223333', '444455556666']\n    Default: '111122223333'",
        '',
        "          - {Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AdminAccount}:role/Admin'}, Action: 'kms:Decrypt', Resource: '*'}",
      ),
    );
    const { results } = await checkJson([file]);
    const cross = results[0]?.findings.find((f) => f.checkId === 'UNTRUSTED_CROSS_ACCOUNT');
    expect(cross?.variants).toEqual(['AdminAccount=444455556666']);
    expect(results[0]?.warnings.filter((w) => w.code === 'UNRESOLVED_VALUE')).toEqual([]);
  });

  it('fails closed past the bound on variants: the parameters are judged as unknown values', async () => {
    // 3^5 = 243 combinations of allowed values, more than the 64 variants judged per key. The accounts are all
    // trusted, so only judging the parameters as unknown values can produce the cross-account finding.
    const params = [1, 2, 3, 4, 5].map((i) => `  P${i}:\n    Type: String\n    AllowedValues: ['111122223333', '222233334444', '333344445555']\n    Default: '111122223333'`).join('\n');
    const principals = [1, 2, 3, 4, 5].map((i) => `!Sub 'arn:aws:iam::\${P${i}}:root'`).join(', ');
    const file = tempFile('many.yaml', template(params, '', `          - {Effect: Allow, Principal: {AWS: [${principals}]}, Action: 'kms:Decrypt', Resource: '*'}`));
    const { code, results } = await checkJson(['--trusted-accounts', '222233334444,333344445555', file]);
    expect(code).toBe(1);
    expect(results[0]?.findings.map((f) => f.checkId)).toContain('UNTRUSTED_CROSS_ACCOUNT');
    const unresolved = results[0]?.warnings.filter((w) => w.code === 'UNRESOLVED_VALUE') ?? [];
    expect(unresolved[0]).toMatchObject({ path: 'Resources.Key.Properties.KeyPolicy' });
    expect(unresolved[0]?.message).toMatch(/more than 64 variants/);
    expect(unresolved.slice(1).map((w) => w.message)).toEqual(Array(5).fill(expect.stringContaining('not judged one by one') as unknown));
  });
});

describe('duplicate keys in a key policy', () => {
  it.each<[string, string, (string | number)[][]]>([
    ['JSON', '{"a": {"b": 1, "b": 2}, "c": [{"d": 1, "d": 2, "d": 3}]}', [['a', 'b'], ['c', 0, 'd']]],
    ['JSON without duplicates', '{"a": {"b": 1}, "b": 2}', []],
    ['JSON with an escaped key', '{"a\\u0062": 1, "ab": 2}', [['ab']]],
  ])('finds the duplicated keys of %s', (_name, text, want) => {
    expect(duplicateKeysInJson(text, JSON.parse(text))).toEqual(want);
  });

  it('finds the duplicated keys of YAML, tagged nodes included', () => {
    const { duplicates } = parseCfnYaml('a:\n  b: 1\n  b: 2\nc: !If [X, {d: 1, d: 2}, !Ref AWS::NoValue]\n');
    expect(duplicates).toEqual([
      ['a', 'b'],
      ['c', 'Fn::If', 1, 'd'],
    ]);
  });

  it.each<[string, (string | number)[][], string[]]>([
    ['a duplicate inside a statement', [['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 0, 'Effect']], ['$.Statement[0].Effect']],
    ['a duplicate condition key', [['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 1, 'Condition', 'StringEquals', 'kms:ViaService']], ['$.Statement[1].Condition.StringEquals["kms:ViaService"]']],
    ['a duplicate in a branch of Fn::If', [['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 0, 'Fn::If', 1, 'Effect']], ['$.Statement[0].Effect']],
    ['a duplicate inside another intrinsic', [['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 0, 'Principal', 'AWS', 'Fn::Sub', 1, 'X']], ['$.Statement[0].Principal.AWS']],
    ['a duplicate of another key', [['Resources', 'Other', 'Properties', 'KeyPolicy', 'Statement', 0, 'Effect']], []],
    ['a duplicate at the top of the policy', [['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement']], ['$.Statement']],
  ])('turns %s into a path relative to the policy', (_name, duplicates, want) => {
    expect(policyDuplicatePaths(duplicates, ['Resources', 'Key', 'Properties', 'KeyPolicy'])).toEqual(want);
  });

  const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };

  it.each([
    ['JSON', 'dup.json', '{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Effect": "Deny", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}}}}}'],
    ['YAML', 'dup.yaml', 'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Effect: Deny\n            Effect: Allow\n            Principal: "*"\n            Action: kms:*\n            Resource: "*"\n'],
    ['a KeyPolicy written as a JSON string', 'dup-string.yaml', "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: '{\"Statement\": [{\"Effect\": \"Deny\", \"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:*\", \"Resource\": \"*\"}]}'\n"],
    [
      'YAML policy after a statement the template removes',
      'dup-shifted.yaml',
      "Conditions:\n  Never: !Equals [a, b]\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - !If [Never, {Effect: Allow, Principal: '*', Action: 'kms:*', Resource: '*'}, !Ref AWS::NoValue]\n          - {Effect: Deny, Effect: Allow, Principal: '*', Action: 'kms:*', Resource: '*'}\n",
    ],
  ])('passes the duplicated keys of a %s key policy to the engine', async (_name, fileName, text) => {
    // The engine reports each path as INVALID_POLICY (see AnalysisOptions.duplicateKeyPaths).
    const calls: Parameters<AnalyzeFn>[] = [];
    const analyze: AnalyzeFn = (...args) => {
      calls.push(args);
      return analyzePolicy(...args);
    };
    const report = await runCheckTemplate({ paths: [tempFile(fileName, text)], accountId: '111122223333', analysis: {} }, io, { name: 't', version: '0' }, { analyze });
    expect(report.results[0]?.error).toBeUndefined();
    expect(calls.map(([, options]) => options?.duplicateKeyPaths)).toEqual([['$.Statement[0].Effect']]);
    // End to end: the engine reports the duplicate at its place in the template, and the run fails.
    const invalid = report.results[0]?.findings.filter((f) => f.checkId === 'INVALID_POLICY') ?? [];
    expect(invalid).toHaveLength(1);
    // A KeyPolicy written as a JSON string keeps the policy's own paths ($…): a template path cannot point inside a string.
    expect(invalid[0]?.path).toMatch(/^(Resources\.Key\.Properties\.KeyPolicy|\$)\.Statement\[\d\]\.Effect$/);
    expect(invalid[0]?.message).toMatch(/more than once/);
    expect(exitCode(report, 'low')).toBe(1);
  });

  it('passes no duplicate paths for a policy without duplicates', async () => {
    const calls: Parameters<AnalyzeFn>[] = [];
    const analyze: AnalyzeFn = (...args) => {
      calls.push(args);
      return analyzePolicy(...args);
    };
    await runCheckTemplate({ paths: [tempFile('clean.json', KEY_POLICY_JSON(ADMIN))], accountId: '111122223333', analysis: {} }, io, { name: 't', version: '0' }, { analyze });
    expect(calls.map(([, options]) => options?.duplicateKeyPaths ?? [])).toEqual([[]]);
  });
});
