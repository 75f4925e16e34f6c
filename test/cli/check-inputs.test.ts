/**
 * Hostile inputs for `check` (and the exit codes every command shares): what a directory walk reads, what
 * it passes over and says so, what it refuses to read, and what reaches the terminal. Each row builds its
 * own folder in a fresh temporary directory.
 */
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { execFileSync } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Log } from 'sarif';
import { NODE_INPUT_FS, type InputFs } from '../../cli/inputs';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import { renderHtml } from '../../cli/output/html';
import { exitCode, type ResultEntry } from '../../cli/report';
import { analyzePolicy, CHECKS, type Finding } from '../../engine';
import { runCli, type CliRun } from '../support/cli';
import { APP_ROLE, OWN, ROOT, allow, policy } from '../support/policies';

const GOOD = JSON.stringify(policy(allow({ AWS: APP_ROLE }, ['kms:Decrypt'])));
const ROOT_KMS_ALL = JSON.stringify(policy({ Sid: 'Root', ...allow({ AWS: ROOT }, 'kms:*') }), null, 2);
/** What a credentials file looks like: it must never be read through a link, nor echoed in an error. */
const CREDENTIALS = '[default]\naws_access_key_id = AKIAEXAMPLEKEY0000\naws_secret_access_key = SECRETSECRETSECRET\n';

/** A folder to build: file contents, `{ link }` symbolic links (relative targets), `{ fifo }` named pipes. */
type Entry = string | { link: string } | { fifo: true };
type Tree = Record<string, Entry>;

/** Builds `tree` under a fresh `<tmp>/walk` and `outside` under `<tmp>/outside`; returns both paths. */
function build(tree: Tree, outside: Tree = {}): { root: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'kpg-inputs-'));
  const dirs = { root: join(base, 'walk'), outside: join(base, 'outside') };
  for (const [top, entries] of [
    [dirs.root, tree],
    [dirs.outside, outside],
  ] as const) {
    mkdirSync(top, { recursive: true });
    for (const [rel, entry] of Object.entries(entries)) {
      const p = join(top, rel);
      mkdirSync(dirname(p), { recursive: true });
      if (typeof entry === 'string') writeFileSync(p, entry);
      else if ('link' in entry) symlinkSync(entry.link, p);
      else execFileSync('mkfifo', [p]);
    }
  }
  return dirs;
}

interface JsonOut {
  results: { file: string; error?: string; findings: { checkId: string; path: string; message: string }[] }[];
  skipped?: { file: string; reason: string }[];
  summary: Record<string, unknown>;
}

const json = (r: CliRun) => JSON.parse(r.stdout) as JsonOut;
/** results as `relative path → check ids` (or `error`), skipped as relative paths. */
function outcome(r: CliRun, root: string, outside?: string) {
  const out = json(r);
  const rel = (f: string) =>
    f === root ? '.' : f.startsWith(`${root}/`) ? f.slice(root.length + 1) : outside !== undefined && f.startsWith(`${outside}/`) ? `<outside>/${f.slice(outside.length + 1)}` : f;
  return {
    code: r.code,
    results: Object.fromEntries(out.results.map((x) => [rel(x.file), x.error !== undefined ? 'error' : x.findings.map((f) => f.checkId).join(',') || 'clean'])),
    skipped: (out.skipped ?? []).map((s) => rel(s.file)),
  };
}

describe('check: what a directory walk reads', () => {
  // The last, optional column: the path given on the command line, relative to the folder built (default: the folder).
  const rows: [string, Tree, Tree, string[], { code: number; results: Record<string, string>; skipped?: string[] }, string?][] = [
    [
      'a dot-folder is walked',
      { 'good.json': GOOD, '.hidden/bad.json': ROOT_KMS_ALL },
      {},
      [],
      { code: 1, results: { '.hidden/bad.json': 'ACCOUNT_WIDE_FULL_ACCESS', 'good.json': 'clean' } },
    ],
    [
      '.git and node_modules are not walked',
      { 'good.json': GOOD, '.git/bad.json': ROOT_KMS_ALL, 'node_modules/pkg/bad.json': ROOT_KMS_ALL, 'sub/node_modules/bad.json': ROOT_KMS_ALL },
      {},
      [],
      { code: 0, results: { 'good.json': 'clean' } },
    ],
    [
      'a link to a file inside the folder is judged once, under its real name',
      { 'a-link.json': { link: 'bad.json' }, 'bad.json': ROOT_KMS_ALL },
      {},
      [],
      { code: 1, results: { 'bad.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
    ],
    [
      'a link into a folder the walk passes over (node_modules) is judged',
      { 'good.json': GOOD, 'prod.json': { link: 'node_modules/shared/prod.json' }, 'node_modules/shared/prod.json': ROOT_KMS_ALL },
      {},
      [],
      { code: 1, results: { 'good.json': 'clean', 'prod.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
    ],
    [
      'a linked folder inside is judged once, under its real path',
      { 'a-linked': { link: 'real' }, 'real/bad.json': ROOT_KMS_ALL },
      {},
      [],
      { code: 1, results: { 'real/bad.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
    ],
    [
      'a link loop back to the top folder ends',
      { 'good.json': GOOD, 'sub/up': { link: '..' }, 'sub/bad.json': ROOT_KMS_ALL },
      {},
      [],
      { code: 1, results: { 'good.json': 'clean', 'sub/bad.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
    ],
    [
      'a link to a file outside is not read, and the run is not clean',
      { 'good.json': GOOD, 'creds.json': { link: '../outside/credentials.json' } },
      { 'credentials.json': CREDENTIALS },
      [],
      { code: 2, results: { 'creds.json': 'error', 'good.json': 'clean' } },
    ],
    [
      'a link to a folder outside is not read, and the run is not clean',
      { 'good.json': GOOD, 'shared': { link: '../outside' } },
      { 'bad.json': ROOT_KMS_ALL },
      [],
      { code: 2, results: { 'good.json': 'clean', shared: 'error' } },
    ],
    [
      '--follow-symlinks reads a link to a file outside',
      { 'good.json': GOOD, 'prod.json': { link: '../outside/prod.json' } },
      { 'prod.json': ROOT_KMS_ALL },
      ['--follow-symlinks'],
      { code: 1, results: { 'good.json': 'clean', 'prod.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
    ],
    [
      '--follow-symlinks reads a folder outside, and a loop in it ends',
      { 'good.json': GOOD, shared: { link: '../outside' } },
      { 'bad.json': ROOT_KMS_ALL, 'again': { link: '.' } },
      ['--follow-symlinks'],
      { code: 1, results: { 'good.json': 'clean', 'shared/bad.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
    ],
    [
      'a dangling link named *.json is an input that could not be read',
      { 'good.json': GOOD, 'gone.json': { link: 'missing.json' } },
      {},
      [],
      { code: 2, results: { 'gone.json': 'error', 'good.json': 'clean' } },
    ],
    [
      // realpath fails with ELOOP: a path that errors even for root, which chmod 000 cannot deny.
      'a link cycle (a → b → a) is reported, the rest judged',
      { 'good.json': GOOD, a: { link: 'b' }, b: { link: 'a' } },
      {},
      [],
      { code: 2, results: { a: 'error', b: 'error', 'good.json': 'clean' } },
    ],
    [
      // Reading a named pipe would block forever: it is reported, never opened.
      'a named pipe called *.json is reported, not read',
      { 'good.json': GOOD, 'pipe.json': { fifo: true } },
      {},
      [],
      { code: 2, results: { 'good.json': 'clean', 'pipe.json': 'error' } },
    ],
    [
      // The kernel resolves `lnk/..` to the link target's parent (outside); joining names onto `lnk/..` as text
      // would read the folder's own bad.json instead. The files read are those listed, named by their real path.
      'a folder given through a link then .. is the folder the kernel lists',
      { 'bad.json': GOOD, lnk: { link: '../outside/sub' } },
      { 'bad.json': ROOT_KMS_ALL, 'sub/readme.txt': 'x' },
      [],
      { code: 1, results: { '<outside>/bad.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
      'lnk/..',
    ],
    [
      'a folder given through a link then .. reads its subfolders there too',
      { 'sub/bad.json': GOOD, lnk: { link: '../outside/sub' } },
      { 'sub/bad.json': ROOT_KMS_ALL },
      [],
      { code: 1, results: { '<outside>/sub/bad.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
      'lnk/..',
    ],
    [
      'a file given through a link then .. is the file the kernel opens (the path is not normalised first)',
      { 'bad.json': GOOD, lnk: { link: '../outside/sub' } },
      { 'bad.json': ROOT_KMS_ALL, 'sub/readme.txt': 'x' },
      [],
      { code: 1, results: { 'lnk/../bad.json': 'ACCOUNT_WIDE_FULL_ACCESS' } },
      'lnk/../bad.json',
    ],
  ];

  // Rest parameters: jest would take a sixth declared parameter, absent from most rows, for a `done` callback.
  it.each(rows)('%s', async (...[, tree, outside, flags, expected, at]: (typeof rows)[number]) => {
    const dirs = build(tree, outside);
    const target = at === undefined ? dirs.root : `${dirs.root}/${at}`;
    const r = await runCli(['check', '--format', 'json', '--account-id', OWN, '--fail-on', 'none', ...flags, target]);
    expect(outcome(r, dirs.root, dirs.outside)).toEqual({ skipped: [], ...expected, code: expected.code === 1 ? 0 : expected.code });
    const failing = await runCli(['check', '--format', 'json', '--account-id', OWN, ...flags, target]);
    expect(failing.code).toBe(expected.code);
    // Nothing of a file outside the folder is read without --follow-symlinks, nor echoed.
    expect(r.stdout + r.stderr).not.toContain('SECRETSECRET');
  });

  it('says why a link outside was not read and how to read it', async () => {
    const dirs = build({ 'creds.json': { link: '../outside/credentials.json' } }, { 'credentials.json': CREDENTIALS });
    const r = await runCli(['check', '--format', 'json', dirs.root]);
    expect(json(r).results[0]?.error).toMatch(/symbolic link.*outside.*--follow-symlinks/);
    expect(r.stderr).toMatch(/creds\.json: not read/);
  });

  it('the issue: a good policy, a link to a kms:* policy outside and .hidden/bad.json is not "1 input, 0 with findings"', async () => {
    const dirs = build({ 'good.json': GOOD, 'root.json': { link: '../outside/root.json' }, '.hidden/bad.json': ROOT_KMS_ALL }, { 'root.json': ROOT_KMS_ALL });
    const r = await runCli(['check', '--account-id', OWN, dirs.root]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/3 inputs, 1 with findings \(1 high\), 1 unreadable/);
  });
});

describe('check-template walks folders by the same rules', () => {
  const TEMPLATE = JSON.stringify({ Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: JSON.parse(ROOT_KMS_ALL) as unknown } } } });
  it('reads dot-folders and does not read a link outside (it has no --follow-symlinks: the error does not offer it)', async () => {
    const dirs = build({ '.infra/stack.json': TEMPLATE, 'out.json': { link: '../outside/stack.json' } }, { 'stack.json': TEMPLATE });
    const r = await runCli(['check-template', '--format', 'json', '--account-id', OWN, dirs.root]);
    const out = json(r);
    expect(out.results.map((x) => [x.file.slice(dirs.root.length + 1), x.error === undefined ? x.findings.map((f) => f.checkId).join(',') : 'error'])).toEqual([
      ['out.json', 'error'],
      ['.infra/stack.json', 'ACCOUNT_WIDE_FULL_ACCESS'],
    ]);
    expect(out.results[0]?.error).toMatch(/outside the folder being walked/);
    expect(out.results[0]?.error).not.toMatch(/--follow-symlinks/);
    expect(r.code).toBe(2);
  });

  it('reads, through a link then .., the folder the kernel lists', async () => {
    const dirs = build({ 'stack.json': TEMPLATE.replace('arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:role/App').replace('kms:*', 'kms:Decrypt'), lnk: { link: '../outside/sub' } }, { 'stack.json': TEMPLATE, 'sub/readme.txt': 'x' });
    const r = await runCli(['check-template', '--format', 'json', '--account-id', OWN, join(dirs.root, 'lnk') + '/..']);
    expect(json(r).results.map((x) => [x.file, x.findings.map((f) => f.checkId).join(',')])).toEqual([[join(dirs.outside, 'stack.json'), 'ACCOUNT_WIDE_FULL_ACCESS']]);
    expect(r.code).toBe(1);
  });
});

describe('check: JSON files that are not key policies', () => {
  const PACKAGE = JSON.stringify({ name: 'x', version: '1.0.0', scripts: {} });
  const TSCONFIG = '{\n  // comments and trailing commas, as tsconfig allows\n  "compilerOptions": { "strict": true, },\n}\n';
  const rows: [string, Tree, { code: number; results: Record<string, string>; skipped: string[] }][] = [
    ['package.json is skipped, not an INVALID_POLICY', { 'good.json': GOOD, 'package.json': PACKAGE }, { code: 0, results: { 'good.json': 'clean' }, skipped: ['package.json'] }],
    ['JSON with comments (tsconfig.json) is skipped', { 'good.json': GOOD, 'tsconfig.json': TSCONFIG }, { code: 0, results: { 'good.json': 'clean' }, skipped: ['tsconfig.json'] }],
    ['an array or a string is skipped', { 'good.json': GOOD, 'list.json': '[1, 2]', 'str.json': '"text"' }, { code: 0, results: { 'good.json': 'clean' }, skipped: ['list.json', 'str.json'] }],
    [
      'a CloudFormation template is skipped (check-template judges it)',
      { 'good.json': GOOD, 'stack.template.json': JSON.stringify({ Resources: { Key: { Type: 'AWS::KMS::Key' } } }) },
      { code: 0, results: { 'good.json': 'clean' }, skipped: ['stack.template.json'] },
    ],
    ['the {"Policy": "…"} shape of get-key-policy is judged', { 'key.json': JSON.stringify({ Policy: ROOT_KMS_ALL }) }, { code: 1, results: { 'key.json': 'ACCOUNT_WIDE_FULL_ACCESS' }, skipped: [] }],
    ['a policy with only Version is judged', { 'v.json': '{"Version": "2012-10-17"}' }, { code: 2, results: { 'v.json': 'INVALID_POLICY' }, skipped: [] }],
    ['a lower-case "statement" is judged (and named)', { 'lc.json': JSON.stringify({ statement: [] }) }, { code: 2, results: { 'lc.json': 'INVALID_POLICY,INVALID_POLICY' }, skipped: [] }],
    ['a truncated policy is judged: INVALID_POLICY, exit 2', { 'good.json': GOOD, 'cut.json': '{"Version": "2012-10-17", "Statement": [' }, { code: 2, results: { 'cut.json': 'INVALID_POLICY', 'good.json': 'clean' }, skipped: [] }],
    ['a policy with comments is judged: not JSON, exit 2', { 'c.json': `// prod key\n${GOOD}` }, { code: 2, results: { 'c.json': 'INVALID_POLICY' }, skipped: [] }],
    ['a file that is not even JSON with comments is judged: exit 2', { 'good.json': GOOD, 'junk.json': 'not json at all' }, { code: 2, results: { 'good.json': 'clean', 'junk.json': 'INVALID_POLICY' }, skipped: [] }],
    ['an empty file is judged: exit 2', { 'good.json': GOOD, 'empty.json': '' }, { code: 2, results: { 'empty.json': 'INVALID_POLICY', 'good.json': 'clean' }, skipped: [] }],
    // jsonc-parser recurses per level: 10^5 open brackets once overflowed its stack and ended the whole run.
    ['deeply nested, unclosed arrays are judged, the rest too', { 'good.json': GOOD, 'deep.json': '['.repeat(100_000) }, { code: 2, results: { 'deep.json': 'INVALID_POLICY', 'good.json': 'clean' }, skipped: [] }],
    ['a folder where nothing is a key policy is an error, not clean', { 'package.json': PACKAGE }, { code: 2, results: { '.': 'error' }, skipped: ['package.json'] }],
  ];

  it.each(rows)('%s', async (_name, tree, expected) => {
    const dirs = build(tree);
    const r = await runCli(['check', '--format', 'json', '--account-id', OWN, '--fail-on', 'none', dirs.root]);
    expect(outcome(r, dirs.root)).toEqual({ ...expected, code: expected.code === 1 ? 0 : expected.code });
  });

  it('says why a folder where nothing is a key policy judged nothing, after the other inputs', async () => {
    const empty = build({ 'package.json': PACKAGE, 'tsconfig.json': TSCONFIG });
    const one = build({ 'package.json': PACKAGE });
    const good = build({ 'good.json': GOOD });
    const out = json(await runCli(['check', '--format', 'json', '--account-id', OWN, empty.root, one.root, good.root]));
    expect(out.results.map((r) => [r.file, r.error])).toEqual([
      [join(good.root, 'good.json'), undefined],
      [empty.root, 'no key policy below this folder: the 2 .json files found are not key policies (listed as skipped); name a file on the command line to judge it anyway'],
      [one.root, 'no key policy below this folder: the 1 .json file found is not key policies (listed as skipped); name a file on the command line to judge it anyway'],
    ]);
  });

  it('lists skipped files apart, with a reason, and counts them', async () => {
    const dirs = build({ 'good.json': GOOD, 'package.json': PACKAGE });
    const out = json(await runCli(['check', '--format', 'json', dirs.root]));
    expect(out.skipped).toEqual([{ file: join(dirs.root, 'package.json'), reason: expect.stringMatching(/not a key policy/) }]);
    expect(out.summary).toMatchObject({ inputs: 1, skipped: 1 });
    const text = await runCli(['check', dirs.root]);
    expect(text.stdout).toMatch(/skipped +.*package\.json +not a key policy/);
    expect(text.stdout).toMatch(/1 input, 0 with findings, 1 skipped/);
    const sarif = JSON.parse((await runCli(['check', '--format', 'sarif', dirs.root])).stdout) as Log;
    expect(sarif.runs[0]?.results).toEqual([]);
    const notes = (sarif.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? []).filter((n) => n.descriptor?.id === 'SKIPPED_NOT_A_KEY_POLICY');
    expect(notes.map((n) => n.locations?.[0]?.physicalLocation?.artifactLocation?.uri)).toEqual([join(dirs.root, 'package.json')]);
  });

  it.each([
    ['package.json', JSON.stringify({ name: 'x' })],
    ['tsconfig.json', '{ // comment\n "a": 1 }'],
  ])('judges a file named on the command line whatever it holds (%s)', async (name, text) => {
    const dirs = build({ [name]: text });
    const r = await runCli(['check', '--format', 'json', '--fail-on', 'none', join(dirs.root, name)]);
    expect(json(r).results[0]?.findings.map((f) => f.checkId)).toContain('INVALID_POLICY');
    expect(json(r).skipped).toEqual([]);
    expect(r.code).toBe(2);
  });
});

it('SARIF of a deeply nested policy is written, without a line for what cannot be located', async () => {
  // The policy parses (JSON.parse does not recurse) but the SARIF line locator's parser does.
  const dirs = build({ 'deep.json': `{"Version": "2012-10-17", "Id": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "Statement": ${JSON.stringify([allow({ AWS: APP_ROLE }, ['kms:Decrypt'])])}}` });
  const r = await runCli(['check', '--format', 'sarif', join(dirs.root, 'deep.json')]);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect((JSON.parse(r.stdout) as Log).runs[0]?.results?.map((x) => x.ruleId)).toContain('INVALID_POLICY');
  // Id breaks the grammar below the root: an ordinary finding.
  expect(r.code).toBe(1);
});

describe('check: a folder that cannot be read', () => {
  /** The real file system, except that listing `denied` fails as it would for a folder with mode 000. */
  function denying(denied: string): InputFs {
    return {
      ...NODE_INPUT_FS,
      readdir: async (p: string): Promise<Dirent[]> => {
        if (p === denied) throw Object.assign(new Error(`EACCES: permission denied, scandir '${p}'`), { code: 'EACCES' });
        return readdir(p, { withFileTypes: true });
      },
    };
  }

  it('reports the unreadable subfolder itself and judges everything else', async () => {
    // Tests run as root, where chmod 000 does not deny reads: the file system is injected instead.
    const dirs = build({ 'good.json': GOOD, 'locked/bad.json': ROOT_KMS_ALL, 'z/bad.json': ROOT_KMS_ALL });
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '', isTty: false, env: {} };
    const code = await main(['check', '--format', 'json', '--account-id', OWN, dirs.root], io, { inputFs: denying(join(dirs.root, 'locked')) });
    expect(outcome({ code, stdout, stderr }, dirs.root)).toEqual({ code: 2, results: { 'good.json': 'clean', locked: 'error', 'z/bad.json': 'ACCOUNT_WIDE_FULL_ACCESS' }, skipped: [] });
    expect(json({ code, stdout, stderr }).results.find((x) => x.file.endsWith('locked'))?.error).toBe('cannot read this folder: permission denied');
    expect(readdirSync(join(dirs.root, 'locked'))).toEqual(['bad.json']);
  });
});

describe('exit code 2 for input that cannot be parsed, whatever --fail-on says', () => {
  const BAD_STATEMENT = JSON.stringify(policy({ ...allow({ AWS: APP_ROLE }, 'kms:Decrypt'), Effect: 'Maybe' }));
  it.each([
    ['not JSON', 2, '{"Statement": ['],
    ['JSON, not an object (array)', 2, '[]'],
    ['JSON, not an object (string)', 2, '"policy"'],
    ['an object without Statement', 2, '{"Version": "2012-10-17"}'],
    // No usable Statement grants nothing and KMS rejects it: not parsed, like a missing Statement.
    ['Statement null', 2, '{"Statement": null}'],
    ['Statement an empty array', 2, '{"Version": "2012-10-17", "Statement": []}'],
    ['Statement a string', 2, '{"Version": "2012-10-17", "Statement": "Allow everything"}'],
    ['Statement a number', 2, '{"Version": "2012-10-17", "Statement": 1}'],
    ['Statement a lone object that is not a statement (no Effect)', 2, '{"Version": "2012-10-17", "Statement": {}}'],
    ['Statement null in the get-key-policy shape', 2, JSON.stringify({ Policy: '{"Statement": null}' })],
    ['a list holding one empty statement (an ordinary finding at the statement)', 0, '{"Version": "2012-10-17", "Statement": [{}]}'],
    ['get-key-policy shape holding text that is not JSON', 2, JSON.stringify({ Policy: '{not json' })],
    ['a grammar violation in one statement (an ordinary finding)', 0, BAD_STATEMENT],
  ])('check, %s: exit %d with --fail-on none', async (_name, code, text) => {
    const dirs = build({ 'p.json': text });
    const r = await runCli(['check', '--account-id', OWN, '--fail-on', 'none', join(dirs.root, 'p.json')]);
    expect(r.code).toBe(code);
    expect(r.stdout).toContain('INVALID_POLICY');
  });

  it('check-template: a KeyPolicy string that is not JSON exits 2 with --fail-on none', async () => {
    const dirs = build({ 't.json': JSON.stringify({ Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: '{not json' } } } }) });
    const r = await runCli(['check-template', '--account-id', OWN, '--fail-on', 'none', join(dirs.root, 't.json')]);
    expect(r.stdout).toContain('INVALID_POLICY');
    expect(r.code).toBe(2);
  });

  it('check-template: a KeyPolicy object without Statement (path at the policy, not $) exits 2', async () => {
    const dirs = build({ 't.json': JSON.stringify({ Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17' } } } } }) });
    const r = await runCli(['check-template', '--account-id', OWN, '--fail-on', 'none', join(dirs.root, 't.json')]);
    expect(r.code).toBe(2);
  });

  it('scan: a live key whose policy text is not JSON exits 2 with --fail-on none', async () => {
    const kms = mockClient(KMSClient);
    const sts = mockClient(STSClient);
    try {
      sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/A/s`, UserId: 'AROA:s' });
      const arn = `arn:aws:kms:eu-west-1:${OWN}:key/k1`;
      kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'k1', KeyArn: arn }], Truncated: false });
      kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
      kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k1', Arn: arn, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
      kms.on(GetKeyPolicyCommand).resolves({ Policy: 'not json', PolicyName: 'default' });
      const r = await runCli(['scan', '--regions', 'eu-west-1', '--no-effective-access', '--fail-on', 'none']);
      expect(r.stdout).toContain('INVALID_POLICY');
      expect(r.code).toBe(2);
    } finally {
      kms.restore();
      sts.restore();
    }
  });

  it.each([
    ['none', 'ALLOW_WITH_NEGATION'],
    ['high', 'ALLOW_WITH_NEGATION'],
    ['none', 'PUBLIC_ACCESS'],
  ])('a check that throws leaves the policy not fully judged: exit 2 with --fail-on %s (%s throws)', async (failOn, id) => {
    const check = CHECKS.find((c) => c.meta.id === id);
    if (check === undefined) throw new Error(`no check ${id}`);
    const run = jest.spyOn(check, 'run').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      const dirs = build({ 'p.json': GOOD });
      const r = await runCli(['check', '--format', 'json', '--account-id', OWN, '--fail-on', failOn, join(dirs.root, 'p.json')]);
      expect(json(r).results[0]?.findings).toEqual([expect.objectContaining({ checkId: id, notJudged: true, message: expect.stringContaining('boom') })]);
      expect(r.code).toBe(2);
    } finally {
      run.mockRestore();
    }
  });

  it('is decided centrally from the entry, for any command', () => {
    const entry = (text: string, extra?: Record<string, unknown>): ResultEntry => ({ subject: 'k', findings: analyzePolicy(text, { accountId: OWN }).findings, warnings: [], ...(extra ? { extra } : {}) });
    const report = (e: ResultEntry) => ({ tool: { name: 't', version: '0' }, results: [e], notes: [] });
    expect(exitCode(report(entry('nope', { keyArn: 'arn' })), 'none')).toBe(2);
    expect(exitCode(report(entry(JSON.stringify(policy({ ...allow({ AWS: APP_ROLE }, 'kms:Decrypt'), Effect: 'Maybe' })))), 'none')).toBe(0);
    const low: Finding = { checkId: 'ALLOW_WITH_NEGATION', severity: 'low', title: 't', message: 'm', statementIndexes: [], sids: [], path: '$', principals: [], actions: [] };
    const withFindings = (findings: Finding[]): ResultEntry => ({ subject: 'k', findings, warnings: [] });
    expect(exitCode(report(withFindings([low])), 'none')).toBe(0);
    expect(exitCode(report(withFindings([{ ...low, notJudged: true }])), 'none')).toBe(2);
    expect(exitCode(report(withFindings([{ ...low, notJudged: true }])), 'critical')).toBe(2);
    // Structural, not by message: an INVALID_POLICY at the Statement element itself, or below it.
    const invalid = (path: string, extra?: Record<string, unknown>): ResultEntry => ({ ...withFindings([{ ...low, checkId: 'INVALID_POLICY', severity: 'critical', path }]), ...(extra ? { extra } : {}) });
    expect(exitCode(report(invalid('$.Statement')), 'none')).toBe(2);
    expect(exitCode(report(invalid('$.Statement[0]')), 'none')).toBe(0);
    expect(exitCode(report(invalid('$.Statements')), 'none')).toBe(0);
    expect(exitCode(report(invalid('Resources.K.Properties.KeyPolicy.Statement', { policyPath: 'Resources.K.Properties.KeyPolicy' })), 'none')).toBe(2);
    expect(exitCode(report(invalid('Resources.K.Properties.KeyPolicy.Statement.Effect', { policyPath: 'Resources.K.Properties.KeyPolicy' })), 'none')).toBe(0);
  });
});

describe('policy-controlled strings never reach the terminal raw', () => {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
  it.each([
    ['ESC sequences that erase the previous line', '\u001b[1A\u001b[2K\u001b[32mall clean', '\\u001b[1A\\u001b[2K'],
    ['a C1 control sequence introducer', 'x\u009b2Kx', '\\u009b'],
    ['DEL', 'x\u007fx', '\\u007f'],
    ['a right-to-left override', 'admin\u202e', '\\u202e'],
    ['bidirectional isolates', '\u2066a\u2069\u2067b\u2068', '\\u2066'],
    ['left-to-right and right-to-left marks', 'a\u200eb\u200fc', '\\u200e'],
    ['a newline faking a clean line', 'x\n✔ prod.json  no findings', '\\u000a'],
  ])('%s', async (_name, hostile, shownAs) => {
    const dirs = build({
      [`f${hostile.replace(/\//g, '_')}.json`]: JSON.stringify({
        Version: '2012-10-17',
        [`Extra${hostile}`]: 1,
        Statement: [{ Sid: hostile, ...allow({ AWS: ROOT }, [`kms:Decrypt${hostile}`]) }, { Sid: hostile, ...allow({ AWS: ROOT }, 'kms:*') }],
      }),
    });
    const text = await runCli(['check', '--account-id', OWN, dirs.root]);
    const plainText = text.stdout.replace(/\n/g, '');
    expect(plainText).not.toMatch(RAW);
    expect(text.stdout).toContain(shownAs);
    expect(text.stderr).not.toMatch(RAW);
    // JSON and SARIF keep the value (it parses back exactly) but carry no raw control or override either.
    const j = await runCli(['check', '--format', 'json', '--account-id', OWN, dirs.root]);
    expect(j.stdout.replace(/\n/g, '')).not.toMatch(RAW);
    expect(json(j).results[0]?.findings.some((f) => f.message.includes(hostile))).toBe(true);
    const s = await runCli(['check', '--format', 'sarif', '--account-id', OWN, dirs.root]);
    expect(s.stdout.replace(/\n/g, '')).not.toMatch(RAW);
    const messages = (JSON.parse(s.stdout) as Log).runs[0]?.results?.map((x) => x.message.text ?? '') ?? [];
    expect(messages.join('')).not.toMatch(RAW);
  });

  it('escapes file names and errors written to stderr', async () => {
    const dirs = build({ 'good.json': GOOD, 'e\u001b[2K.json': { link: '../outside/x.json' } }, { 'x.json': GOOD });
    const r = await runCli(['check', dirs.root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('e\\u001b[2K.json');
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(RAW);
  });

  it('HTML shows controls and overrides as visible escapes', async () => {
    const html = renderHtml({ tool: { name: 't', version: '0' }, results: [{ subject: 'k\u202e\u001b[2K', findings: [], warnings: [] }], notes: [] });
    expect(html).toContain('k\\u202e\\u001b[2K');
    expect(html.replace(/[\n\t]/g, '')).not.toMatch(RAW);
  });
});

describe('error messages quote at most a short excerpt of a file', () => {
  it.each([
    ['named on the command line', (root: string) => join(root, 'creds.json')],
    ['found in a walk', (root: string) => root],
  ])('a credentials file %s', async (_name, target) => {
    const dirs = build({ 'creds.json': CREDENTIALS });
    for (const format of ['text', 'json', 'sarif']) {
      const r = await runCli(['check', '--format', format, target(dirs.root)]);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).not.toContain('AKIAEXAMPLEKEY');
      expect(r.stdout + r.stderr).not.toContain('SECRETSECRET');
    }
  });
});
