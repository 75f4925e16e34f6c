import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { PLACEHOLDER_ACCOUNT } from '../../templates/judge-key';
import { parseCfnYaml } from '../../templates/cfn-yaml';
import { concretePolicy, UNKNOWN_ACCOUNT } from '../../templates/key-policy';
import { evaluateCondition, HOLE, resolveValue, Unresolved, type TemplateContext } from '../../templates/resolve';
import { runCli } from '../support/cli';

const FIXTURES = join(__dirname, '..', 'fixtures', 'templates');
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  templates: Record<string, { keys: Record<string, { checks?: string[]; unresolved?: number; unreadable?: boolean }> }>;
};

interface JsonOut {
  results: {
    file: string;
    logicalId?: string;
    stack?: string;
    error?: string;
    findings: { checkId: string; path: string }[];
    warnings: { code: string; path: string; message: string }[];
  }[];
  notes: string[];
}

async function checkJson(args: string[], stdin?: string): Promise<{ code: number; out: JsonOut; stderr: string }> {
  const r = await runCli(['check-template', '--format', 'json', ...args], stdin === undefined ? {} : { stdin });
  return { code: r.code, out: JSON.parse(r.stdout) as JsonOut, stderr: r.stderr };
}

describe('check-template on the fixture templates', () => {
  it.each(Object.entries(EXPECTED.templates))('%s', async (name, expected) => {
    const { out } = await checkJson(['--account-id', '111122223333', join(FIXTURES, name)]);
    const got = Object.fromEntries(
      out.results.map((r) => [
        r.logicalId ?? r.file,
        r.error !== undefined ? { unreadable: true } : { checks: r.findings.map((f) => f.checkId), unresolved: r.warnings.filter((w) => w.code === 'UNRESOLVED_VALUE').length },
      ]),
    );
    expect(got).toEqual(expected.keys);
  });

  it('names the template, the logical id and the JSON path from Resources.<id>.Properties.KeyPolicy', async () => {
    const file = join(FIXTURES, 'cloudformation', 'kms-key-admin-and-user.json');
    const { out } = await checkJson(['--account-id', '111122223333', file]);
    const replica = out.results.find((r) => r.logicalId === 'myReplicaKey');
    expect(replica?.file).toBe(file);
    expect(replica?.findings[0]?.path).toBe('Resources.myReplicaKey.Properties.KeyPolicy.Statement[1].Principal.AWS');
    const imported = replica?.warnings.find((w) => w.path === 'Resources.myReplicaKey.Properties.KeyPolicy.Statement[1].Principal.AWS');
    expect(imported?.code).toBe('UNRESOLVED_VALUE');
    expect(imported?.message).toContain(`myReplicaKey at Resources.myReplicaKey.Properties.KeyPolicy.Statement[1].Principal.AWS: Fn::ImportValue analytics-ReaderRoleArn`);
    expect(imported?.message).toContain(`arn:aws:iam::${UNKNOWN_ACCOUNT}:root`);
    // KeyAdminUserName has a Default but no AllowedValues: the deployer may pass any user name.
    const overridable = replica?.warnings.find((w) => w.path === 'Resources.myReplicaKey.Properties.KeyPolicy.Statement[0].Principal.AWS');
    expect(overridable?.message).toContain('Ref KeyAdminUserName: a parameter the deployer may override (Default "Alice", no AllowedValues). Judged as arn:aws:iam::111122223333:user/unresolved-1');
  });

  it.each([
    ['cloudformation/kms-key-admin-and-user.json', 'myReplicaKey', 'analytics-ReaderRoleArn'],
    ['cloudformation/kms-key-short-form-intrinsics.yaml', 'AppKey', 'ci-pipeline-DeployRoleArn'],
    ['cloudformation/kms-key-short-form-intrinsics.yaml', 'AppKey', "AWS: !Join ['', ['arn:aws:iam::', !FindInMap"],
  ])('points SARIF at the line of the finding in %s (%s)', async (name, logicalId, marker) => {
    const file = join(FIXTURES, name);
    const r = await runCli(['check-template', '--format', 'sarif', '--account-id', '111122223333', file]);
    const log = JSON.parse(r.stdout) as Log;
    const lines = readFileSync(file, 'utf8').split('\n');
    const want = lines.findIndex((l) => l.includes(marker)) + 1;
    const got = (log.runs[0]?.results ?? [])
      .filter((x) => x.ruleId === 'UNTRUSTED_CROSS_ACCOUNT' && x.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName?.includes(logicalId))
      .map((x) => x.locations?.[0]?.physicalLocation?.region?.startLine);
    expect(want).toBeGreaterThan(0);
    expect(got).toContain(want);
  });

  it('takes the account of an environment-specific CDK stack from the manifest, and a placeholder for the others', async () => {
    const { out } = await checkJson([join(FIXTURES, 'cdk-assembly')]);
    expect(out.notes.join('\n')).toContain(`placeholder account ${PLACEHOLDER_ACCOUNT}`);
    const shared = out.results.find((r) => r.stack === 'SharedStack');
    // The stack's account is 111122223333, so its literal KeyAdmin role is its own (no cross-account finding for it).
    expect(shared?.findings.map((f) => f.checkId)).toEqual(['UNTRUSTED_CROSS_ACCOUNT', 'UNCONSTRAINED_GRANT_CREATION']);
    expect(shared?.findings[0]?.path).toBe('Resources.SharedKey1EE60F1E.Properties.KeyPolicy.Statement[1].Principal.AWS');
    const { out: trusted } = await checkJson(['--trusted-org-ids', 'o-a1b2c3d4e5', join(FIXTURES, 'cdk-assembly')]);
    // A trusted organisation counts as account-wide use, no longer as cross-account.
    expect(trusted.results.find((r) => r.stack === 'SharedStack')?.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_USAGE', 'UNCONSTRAINED_GRANT_CREATION']);
  });

  it('reports a Terraform policy known only at apply as unreadable (exit 2) and takes the account from aws_caller_identity', async () => {
    const { code, out } = await checkJson([join(FIXTURES, 'terraform', 'kms-plan.json')]);
    expect(code).toBe(2);
    expect(out.notes).toEqual([]);
    expect(out.results.find((r) => r.logicalId === 'aws_kms_key.pending')?.error).toContain('known only after terraform apply');
    const logs = out.results.find((r) => r.logicalId === 'aws_kms_key.logs');
    expect(logs?.warnings.map((w) => w.code)).toEqual(['DEFAULT_KEY_POLICY']);
  });

  it('reads YAML from standard input and passes over non-template files found in a directory', async () => {
    const yaml = readFileSync(join(FIXTURES, 'cloudformation', 'kms-key-for-service.yaml'), 'utf8');
    const { out } = await checkJson(['--account-id', '111122223333', '-'], yaml);
    expect(out.results.map((r) => [r.file, r.logicalId])).toEqual([['-', 'Key']]);

    const dir = mkdtempSync(join(tmpdir(), 'kpg-tpl-'));
    writeFileSync(join(dir, 'package.json'), '{"name": "x"}');
    writeFileSync(join(dir, 'stack.template'), yaml);
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', 'ignored.yaml'), 'Resources: {}');
    const { out: listed } = await checkJson(['--account-id', '111122223333', dir]);
    expect(listed.results.map((r) => r.logicalId)).toEqual(['Key']);
    expect(listed.notes).toContain('1 file in the given directories were neither CloudFormation templates nor Terraform plans and were passed over');
  });

  it('reports a broken or foreign file given by name, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-tpl-bad-'));
    writeFileSync(join(dir, 'broken.yaml'), 'Resources:\n  Key: [unclosed\n');
    writeFileSync(join(dir, 'other.json'), '{"name": "x"}');
    const { code, out } = await checkJson([join(dir, 'broken.yaml'), join(dir, 'other.json')]);
    expect(code).toBe(2);
    expect(out.results.map((r) => r.error?.split(':')[0])).toEqual(['not valid YAML (line 3)', 'not a CloudFormation template (no Resources) or a Terraform plan (no planned_values)']);
  });

  it('renders an HTML report for templates', async () => {
    const r = await runCli(['check-template', '--format', 'html', '--account-id', '111122223333', join(FIXTURES, 'cloudformation')]);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).toContain('myReplicaKey');
  });
});

describe('CloudFormation YAML short forms', () => {
  it('turns every short-form tag into its long form', () => {
    const { value } = parseCfnYaml(
      [
        'A: !Ref X',
        'B: !GetAtt Role.Arn',
        'C: !GetAtt [Stack, Outputs.Name]',
        'D: !Sub "a-${X}"',
        "E: !Join ['', [a, !Ref AWS::Region]]",
        'F: !If [Cond, !Base64 x, !ImportValue y]',
        'G: !Select [0, !Split [",", !FindInMap [M, k, v]]]',
        'H: !Equals [!Condition C, !Not [!And [a, !Or [b, c]]]]',
        'I: !GetAZs ""',
        'J: !Cidr [a, 1, 2]',
      ].join('\n'),
    );
    expect(value).toEqual({
      A: { Ref: 'X' },
      B: { 'Fn::GetAtt': ['Role', 'Arn'] },
      C: { 'Fn::GetAtt': ['Stack', 'Outputs.Name'] },
      D: { 'Fn::Sub': 'a-${X}' },
      E: { 'Fn::Join': ['', ['a', { Ref: 'AWS::Region' }]] },
      F: { 'Fn::If': ['Cond', { 'Fn::Base64': 'x' }, { 'Fn::ImportValue': 'y' }] },
      G: { 'Fn::Select': [0, { 'Fn::Split': [',', { 'Fn::FindInMap': ['M', 'k', 'v'] }] }] },
      H: { 'Fn::Equals': [{ Condition: 'C' }, { 'Fn::Not': [{ 'Fn::And': ['a', { 'Fn::Or': ['b', 'c'] }] }] }] },
      I: { 'Fn::GetAZs': '' },
      J: { 'Fn::Cidr': ['a', 1, 2] },
    });
  });

  it('locates a JSON path at its YAML line, through tagged nodes and to the nearest ancestor', () => {
    const { locate } = parseCfnYaml('Resources:\n  Key:\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Principal:\n              AWS: !Sub "arn:${AWS::Partition}"\n');
    expect(locate(['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 0, 'Principal', 'AWS'])?.startLine).toBe(7);
    expect(locate(['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 0, 'Principal', 'AWS', 'Fn::Sub'])?.startLine).toBe(7);
    expect(locate(['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 3])?.startLine).toBe(5);
  });

  it('follows a statement chosen by !If into the branch that holds it', () => {
    const text = [
      'Resources:',
      '  Key:',
      '    Properties:',
      '      KeyPolicy:',
      '        Statement:',
      '          - !If',
      '            - IsProd',
      '            - Effect: Allow',
      "              Principal: '*'",
      '            - !Ref AWS::NoValue',
      '',
    ].join('\n');
    const { locate } = parseCfnYaml(text);
    expect(locate(['Resources', 'Key', 'Properties', 'KeyPolicy', 'Statement', 0, 'Principal'])?.startLine).toBe(9);
  });
});

describe('resolving intrinsics', () => {
  const ctx: TemplateContext = {
    accountId: '111122223333',
    partition: 'aws',
    region: 'eu-west-1',
    urlSuffix: 'amazonaws.com',
    parameters: {
      Env: { Type: 'String', AllowedValues: ['dev', 'prod'], Default: 'dev' },
      Names: { Type: 'CommaDelimitedList', Default: 'a, b' },
      Free: { Type: 'String', Default: 'prod' },
      Tier: { Type: 'String', AllowedValues: ['a', 'b'], Default: 'a' },
      NoDefault: { Type: 'String' },
      FromSsm: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/org/kms/admin-arn' },
    },
    resources: { Role: { Type: 'AWS::IAM::Role' }, Bucket: { Type: 'AWS::S3::Bucket' } },
    mappings: { Accounts: { prod: { Audit: '555566667777' } } },
    conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }, Unknown: { 'Fn::Equals': [{ Ref: 'NoDefault' }, 'x'] }, Chosen: { 'Fn::Equals': [{ Ref: 'Free' }, 'x'] } },
    // The variant judged: Env (AllowedValues) is prod, and the undecidable condition Chosen is taken as true.
    variant: { parameters: { Env: 'prod' }, conditions: { Chosen: true } },
  };

  it.each([
    [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Env}-${!Literal}' }, 'arn:aws:iam::111122223333:role/prod-${Literal}'],
    [{ 'Fn::Sub': ['${A}.${AWS::Region}.${AWS::URLSuffix}', { A: 'logs' }] }, 'logs.eu-west-1.amazonaws.com'],
    [{ 'Fn::Join': [':', ['a', { Ref: 'Env' }, 1]] }, 'a:prod:1'],
    [{ 'Fn::Select': [1, ['a', 'b']] }, 'b'],
    [{ 'Fn::If': ['Chosen', 'yes', 'no'] }, 'yes'],
    [{ 'Fn::Select': [0, { 'Fn::Split': ['/', 'x/y'] }] }, 'x'],
    [{ 'Fn::FindInMap': ['Accounts', { Ref: 'Env' }, 'Audit'] }, '555566667777'],
    [{ 'Fn::If': ['IsProd', 'yes', 'no'] }, 'yes'],
    [{ 'Fn::Base64': 'hi' }, 'aGk='],
    [['a', { Ref: 'AWS::NoValue' }, 'b'], ['a', 'b']],
    [{ 'Fn::Length': [1, 2] }, 2],
    [{ 'Fn::ToJsonString': { a: { Ref: 'Env' } } }, '{"a":"prod"}'],
  ])('resolves %j', (input, want) => {
    expect(resolveValue(input, ctx)).toEqual(want);
  });

  it.each([
    [{ Ref: 'NoDefault' }, 'Ref NoDefault: the parameter has no Default', undefined],
    [{ Ref: 'FromSsm' }, 'Ref FromSsm: the value is read from Parameter Store (/org/kms/admin-arn) at deployment', undefined],
    [{ 'Fn::GetAtt': ['Role', 'Arn'] }, 'Fn::GetAtt Role.Arn', `arn:aws:iam::111122223333:role/${HOLE}`],
    [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, 'Fn::GetAtt Bucket.Arn', `arn:aws:s3:eu-west-1:111122223333:${HOLE}`],
    [{ 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:role/${NoDefault}' }, 'Ref NoDefault', `arn:aws:iam::111122223333:role/${HOLE}`],
    [{ 'Fn::ImportValue': 'x' }, "Fn::ImportValue x: another stack's output", undefined],
    [{ 'Fn::If': ['Unknown', 'a', 'b'] }, 'Fn::If Unknown', undefined],
    [{ Ref: 'Nope' }, 'Ref Nope: no such parameter or resource', undefined],
    [{ Ref: 'Free' }, 'Ref Free: a parameter the deployer may override (Default "prod", no AllowedValues)', undefined],
    [{ 'Fn::Select': [1, { Ref: 'Names' }] }, 'Fn::Select from Ref Names: a parameter the deployer may override', undefined],
    [{ Ref: 'Tier' }, 'Ref Tier: one of its AllowedValues (a, b), not judged one by one', undefined],
  ])('leaves %j unresolved, saying why', (input, reason, partial) => {
    const got = resolveValue(input, ctx);
    expect(got).toBeInstanceOf(Unresolved);
    expect((got as Unresolved).reason).toContain(reason);
    expect((got as Unresolved).partial).toBe(partial);
  });

  it("decides conditions from the variant's parameter values, and says when it cannot", () => {
    expect(evaluateCondition({ Condition: 'IsProd' }, ctx, 0)).toBe(true);
    expect(evaluateCondition({ 'Fn::Not': [{ Condition: 'IsProd' }] }, ctx, 0)).toBe(false);
    expect(evaluateCondition({ 'Fn::Or': [{ Condition: 'Unknown' }, { Condition: 'IsProd' }] }, ctx, 0)).toBe(true);
    expect(evaluateCondition({ 'Fn::And': [{ Condition: 'Unknown' }, { Condition: 'IsProd' }] }, ctx, 0)).toBeUndefined();
  });
});

describe('judging unresolved values conservatively', () => {
  const u = (reason: string, partial?: string) => new Unresolved(reason, partial);
  const statement = (s: Record<string, unknown>) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*', Action: 'kms:Decrypt', ...s }] });

  it('in an Allow: an unknown principal is a whole unknown account, a pinned one a distinct named principal', () => {
    const r = concretePolicy(statement({ Principal: { AWS: [u('import'), u('getatt', `arn:aws:iam::111122223333:role/${HOLE}`)] } }), 'aws');
    expect(r.ok && r.policy).toEqual(statement({ Principal: { AWS: [`arn:aws:iam::${UNKNOWN_ACCOUNT}:root`, 'arn:aws:iam::111122223333:role/unresolved-1'] } }));
    expect(r.ok && r.substitutions.map((s) => s.path)).toEqual([
      ['Statement', 0, 'Principal', 'AWS', 0],
      ['Statement', 0, 'Principal', 'AWS', 1],
    ]);
  });

  it('in a Deny: unknown principals and actions match nothing real, so the Deny never takes access away on a guess', () => {
    const r = concretePolicy(statement({ Effect: 'Deny', Principal: { AWS: u('param') }, Action: [u('param')] }), 'aws');
    expect(r.ok && r.policy).toEqual(statement({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${UNKNOWN_ACCOUNT}:role/unresolved-1` }, Action: ['unresolved:NoAction'] }));
  });

  it('drops an Allow condition whose value is unknown, and keeps a value pinned to an account with "*" for its unknown part', () => {
    const r = concretePolicy(
      statement({
        Principal: { Service: 'logs.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': u('import') }, ArnLike: { 'aws:SourceArn': u('getatt', `arn:aws:logs:eu-west-1:111122223333:${HOLE}`) } },
      }),
      'aws',
    );
    expect(r.ok && r.policy).toEqual(
      statement({ Principal: { Service: 'logs.amazonaws.com' }, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:logs:eu-west-1:111122223333:*' } } }),
    );
  });

  describe('an unknown part of a condition value is judged as what grants the most', () => {
    const ARN = `arn:aws:iam::111122223333:role/${HOLE}`;
    const NOTHING = { 'aws:PrincipalTag/unresolved': 'unresolved' };
    const judged = (effect: string, operator: string, value: Unresolved) =>
      concretePolicy(statement({ Effect: effect, Principal: { AWS: '*' }, Condition: { [operator]: { 'aws:PrincipalArn': value } } }), 'aws');
    const condition = (r: ReturnType<typeof concretePolicy>) => (r.ok ? (r.policy as { Statement: { Condition?: unknown }[] }).Statement[0]?.Condition : 'not judged');
    it.each([
      ['Allow', 'ArnLike', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' } }],
      ['Allow', 'StringLike', { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' } }],
      ['Allow', 'ForAnyValue:StringLikeIfExists', { 'ForAnyValue:StringLikeIfExists': { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' } }],
      ['Allow', 'StringEquals', undefined],
      ['Allow', 'ArnEquals', undefined],
      ['Allow', 'StringNotLike', undefined],
      ['Deny', 'StringLike', { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/unresolved' } }],
      ['Deny', 'StringEquals', { StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/unresolved' } }],
      ['Deny', 'StringNotLike', { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' } }],
      ['Deny', 'ArnNotLike', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' } }],
      ['Deny', 'StringNotEquals', { StringEquals: NOTHING }],
      ['Deny', 'ArnNotEquals', { StringEquals: NOTHING }],
      ['Deny', 'StringLikeIfExists', { StringEquals: NOTHING }],
      ['Deny', 'ForAllValues:StringLike', { StringEquals: NOTHING }],
    ])('%s with %s on a pinned ARN is judged with condition %j', (effect, operator, expected) => {
      expect(condition(judged(effect, operator, u('param', ARN)))).toEqual(expected);
    });
    it('a Deny keeps its other conditions next to the one that matches nothing', () => {
      const r = concretePolicy(
        statement({ Effect: 'Deny', Principal: { AWS: '*' }, Condition: { StringNotEquals: { 'aws:PrincipalArn': u('param') }, StringEquals: { 'aws:PrincipalAccount': '111122223333' } } }),
        'aws',
      );
      expect(condition(r)).toEqual({ StringEquals: { 'aws:PrincipalAccount': '111122223333', ...NOTHING } });
    });
    it('an unpinned value under StringNotLike in a Deny is judged as "*": the Deny applies to no one', () => {
      expect(condition(judged('Deny', 'StringNotLike', u('param')))).toEqual({ StringNotLike: { 'aws:PrincipalArn': '*' } });
    });
  });

  it('treats unknown actions of an Allow as kms:* and an unknown Effect as Allow', () => {
    const r = concretePolicy(statement({ Effect: u('param'), Principal: { AWS: 'arn:aws:iam::111122223333:role/A' }, Action: u('param') }), 'aws');
    expect(r.ok && r.policy).toEqual(statement({ Principal: { AWS: 'arn:aws:iam::111122223333:role/A' }, Action: 'kms:*' }));
  });

  it('cannot judge a policy that is unknown as a whole', () => {
    expect(concretePolicy(u('Fn::ImportValue policy'), 'aws')).toEqual({ ok: false, reason: 'the key policy as a whole is known only after deployment (Fn::ImportValue policy)' });
  });

  it('reports a template whose KeyPolicy is unknown as unreadable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-tpl-import-'));
    const file = join(dir, 'key.yaml');
    writeFileSync(file, 'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: !ImportValue shared-policy\n');
    const { code, out } = await checkJson([file]);
    expect(code).toBe(2);
    expect(out.results[0]?.error).toBe("Key: the key policy as a whole is known only after deployment (Fn::ImportValue shared-policy: another stack's output); the key was not judged");
  });
});
