/**
 * kms-policy-guard command line. Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage or
 * I/O error.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCheck } from './commands/check';
import { processIo, UsageError, type CliIo } from './io';
import { parseAccountId, parseAccountList, parseFailOn, parseFormat, parseOrgList, type Format } from './options';
import { renderJson } from './output/json';
import { renderSarif } from './output/sarif';
import { renderText } from './output/text';
import { exitCode, type FailOn, type Report } from './report';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; version: string };
const TOOL = { name: pkg.name, version: pkg.version };

export function render(report: Report, format: Format, io: CliIo): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'sarif':
      return renderSarif(report);
    case 'text':
      return renderText(report, io.isTty && !io.env.NO_COLOR ? true : Boolean(io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0'));
    case 'html':
      throw new UsageError('--format html is available for scan and check-template reports only');
  }
}

interface CheckFlags {
  accountId?: string;
  trustedAccounts?: string;
  trustedOrgIds?: string;
  format: string;
  failOn: string;
}

/** Run the CLI; resolves to the exit code. Never calls process.exit, so tests can drive it. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('kms-policy-guard')
    .description('Find dangerous AWS KMS key policies.')
    .version(TOOL.version)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('check')
    .description('Analyse key-policy JSON files, directories (every *.json below) or - for stdin.')
    .argument('<paths...>', 'files, directories or -')
    .option('--account-id <id>', "the key's own account (tells own-account from cross-account principals)")
    .option('--trusted-accounts <ids>', 'comma-separated accounts whose principals may act on keys')
    .option('--trusted-org-ids <ids>', 'comma-separated organisation ids (o-…) whose principals may act on keys')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above: critical, high, medium, low, info, none', 'low')
    .action(async (paths: string[], flags: CheckFlags) => {
      const format = parseFormat(flags.format, ['text', 'json', 'sarif']);
      const failOn: FailOn = parseFailOn(flags.failOn);
      const accountId = parseAccountId(flags.accountId, '--account-id');
      const report = await runCheck(
        {
          paths,
          analysis: {
            ...(accountId ? { accountId } : {}),
            trustedAccountIds: parseAccountList(flags.trustedAccounts, '--trusted-accounts'),
            trustedOrgIds: parseOrgList(flags.trustedOrgIds, '--trusted-org-ids'),
          },
        },
        io,
        TOOL,
      );
      io.stdout(render(report, format, io));
      code = exitCode(report, failOn);
      for (const r of report.results) if (r.error !== undefined) io.stderr(`kms-policy-guard: ${r.file}: ${r.error}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.stderr(`kms-policy-guard: ${e.message}\n`);
      return 2;
    }
    io.stderr(`kms-policy-guard: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
