/**
 * Each command's --help shows examples and the exit codes, and the examples use only that command's real
 * options: they are parsed from the help itself, so an example cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli';

const COMMANDS = ['check', 'check-template', 'scan'] as const;
type CommandName = (typeof COMMANDS)[number];

/** The long flags of the Options section of a help text. */
function optionsOf(help: string): Set<string> {
  const section = help.split(/^Options:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return new Set([...section.matchAll(/^ {2}(?:-\w, )?(--[a-z][\w-]*)/gm)].map((m) => m[1] ?? ''));
}

/** The lines of a section (`Examples:`) of a help text, up to the next blank line. */
function section(help: string, title: string): string[] {
  const start = help.indexOf(`\n${title}:\n`);
  if (start < 0) return [];
  const body = help.slice(start + title.length + 3);
  const end = body.indexOf('\n\n');
  return (end < 0 ? body : body.slice(0, end)).split('\n').filter((l) => l.trim() !== '');
}

/** Each example as the command it runs and the long flags it gives, read from the kms-policy-guard call in it. */
function examplesOf(help: string): { line: string; command: string; flags: string[] }[] {
  return section(help, 'Examples')
    .filter((line) => !line.trim().startsWith('#'))
    .map((line) => {
      const call = line.slice(line.indexOf('kms-policy-guard ')).split(/\s+/);
      return { line, command: call[1] ?? '', flags: call.filter((t) => t.startsWith('--')).map((t) => t.split('=')[0] ?? t) };
    });
}

async function help(args: string[]): Promise<string> {
  const r = await runCli([...args, '--help']);
  expect(r.code).toBe(0);
  return r.stdout;
}

async function optionsByCommand(): Promise<Record<CommandName, Set<string>>> {
  const entries = await Promise.all(COMMANDS.map(async (c) => [c, optionsOf(await help([c]))] as const));
  return Object.fromEntries(entries) as Record<CommandName, Set<string>>;
}

describe('--help', () => {
  it.each([[[]], [['check']], [['check-template']], [['scan']]])('of %j shows two or three examples whose flags are options of their command', async (args) => {
    const options = await optionsByCommand();
    const examples = examplesOf(await help(args));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples.length).toBeLessThanOrEqual(3);
    for (const e of examples) {
      if (args[0] !== undefined) expect(e.command).toBe(args[0]);
      expect(COMMANDS).toContain(e.command);
      const known = options[e.command as CommandName];
      expect({ line: e.line, unknown: e.flags.filter((f) => !known.has(f)) }).toEqual({ line: e.line, unknown: [] });
    }
  });

  it.each([
    [[], /an input \(file, template, key, account or Region\) that could not be read/],
    [['check'], /a file or folder that could not be read/],
    [['check-template'], /a template or plan that could not be read or parsed/],
    [['scan'], /a key, account or Region that could not be read/],
  ])('of %j lists exit codes 0, 1 and 2 with what each means', async (args, twoMeans) => {
    const lines = section(await help(args), 'Exit codes');
    expect(lines.filter((l) => /^ {2}\d/.test(l)).map((l) => l.trim().slice(0, 3))).toEqual(['0  ', '1  ', '2  ']);
    expect(lines[0]).toMatch(/nothing at or above --fail-on \(default low\)/);
    expect(lines[1]).toMatch(/a finding at or above --fail-on/);
    const two = lines.slice(2).map((l) => l.trim()).join(' ');
    expect(two).toMatch(/^2 {2}a usage error; or, whatever --fail-on says, something not judged:/);
    expect(two).toMatch(twoMeans);
    expect(two).toMatch(/a policy that could not be parsed or was not fully judged$/);
  });

  it('says that --role-name alone scans every account of the organisation, as the scan does', async () => {
    const text = (await help(['scan'])).replace(/\s+/g, ' ');
    expect(text).not.toMatch(/needs --accounts/);
    expect(text).toMatch(/--role-name <name> organisation scan: role to assume in each account; without --accounts, every account of the organisation/);
    expect(text).toMatch(/--accounts <ids> organisation scan \(needs --role-name\)/);
  });
});

/** Flags of the other tools the docs run: npm run --silent, cdk synth --quiet, cdk deploy --parameters, tsc --noEmit. */
const OTHER_TOOLS_FLAGS = ['--silent', '--quiet', '--parameters', '--noEmit'];

describe('the docs name only real options', () => {
  const docs = ['README.md', join('docs', 'cli.md')].map((f) => [f, readFileSync(join(__dirname, '..', '..', f), 'utf8')] as const);

  it.each(docs)('every --flag in %s is an option of a command', async (_file, text) => {
    const options = await optionsByCommand();
    const known = new Set([...Object.values(options).flatMap((s) => [...s]), '--help', '--version', ...OTHER_TOOLS_FLAGS]);
    const named = new Set([...text.matchAll(/(?<![\w-])--[a-z][A-Za-z-]*[A-Za-z]/g)].map((m) => m[0]));
    expect([...named].filter((f) => !known.has(f))).toEqual([]);
  });

  it.each(COMMANDS)('the synopsis of %s in docs/cli.md lists exactly its options', async (command) => {
    const cliDoc = docs[1]?.[1] ?? '';
    const synopsis = cliDoc.match(new RegExp(`\n\`\`\`\n(${command} \\[[^\`]*)\`\`\``))?.[1] ?? '';
    expect(synopsis).not.toBe('');
    const documented = [...synopsis.matchAll(/--[a-z][a-z-]*[a-z]/g)].map((m) => m[0]).sort();
    const real = [...(await optionsByCommand())[command]].filter((f) => f !== '--help').sort();
    expect(documented).toEqual(real);
  });

  it('README says which options the library, the CLI and the Config rule each take', () => {
    const readme = docs[0]?.[1] ?? '';
    expect(readme).not.toContain('Options (library, CLI, Config rule parameters)');
    expect(readme).toContain('| `keyArn` | no flag; `scan` passes each key\'s ARN |');
    expect(readme).toContain('| `disabledChecks` | `--disable-checks` (every command;');
  });
});
