/**
 * kms-policy-guard command line. Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage or
 * I/O error, or an input (file, template, key) that could not be read, parsed or judged.
 */
import { Command, CommanderError, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import { CHECK, type AnalysisOptions, type CheckId, type Severity } from '../engine';
import { systemClock, type Clock } from '../runtime/clock';
import { packageInfo } from '../runtime/package-root';
import type { ScanAws, ScanAwsOptions } from './aws/scan-aws';
import { runCheck } from './commands/check';
import { parseKeyArn, readIamDetails } from './iam-details';
import { helpAfterOptions } from './help';
import type { InputFs } from './inputs';
import { processIo, UsageError, type CliIo } from './io';
import { RULE_PARAMETER_SPEC } from '../settings/parameter-spec';
import type { Baseline } from '../suppress';
import { applyBaselineFile, checkRunFiles, fingerprintFindings, leaveOutBelowMinimum, readBaselineFile, writeBaselineFile } from './acceptance';
import { parseAccountId, parseCheckIds, parseFailOn, parseFormat, parsePositiveInt, parseSetting, requireAsffTarget, type Format } from './options';
import { parseTimeout, TIMEOUT_SECONDS } from './options';
import { renderJson } from './output/json';
import { terminalSafe } from './output/safe-text';
import { renderText } from './output/text';
import { textWidth } from './output/wrap';
import type { Progress } from './progress';
import { exitCode, type FailOn, type Report, type RunInfo } from './report';

const TOOL = packageInfo();

/**
 * The report in `format`. What only some runs need (SARIF, HTML, and below the scan's AWS SDK clients and the
 * template reader) is loaded when it is used, so `check` on a file starts without it.
 */
async function render(report: Report, format: Format, io: CliIo, quiet: boolean): Promise<string> {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'sarif':
      return (await import('./output/sarif.js')).renderSarif(report);
    case 'text':
      return renderText(report, { colour: io.isTty && !io.env.NO_COLOR ? true : Boolean(io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0'), width: textWidth(io), quiet });
    case 'html':
      return (await import('./output/html.js')).renderHtml(report);
    case 'asff': {
      const { accountId, region } = report.run?.settings ?? {};
      return (await import('./output/asff.js')).renderAsff(report, { ...(accountId !== undefined ? { accountId } : {}), ...(region !== undefined ? { region } : {}) });
    }
    case 'ocsf':
      return (await import('./output/ocsf.js')).renderOcsf(report);
    case 'csv':
      return (await import('./output/csv.js')).renderCsv(report);
  }
}

/** What main() builds by default; tests replace parts. */
export interface CliDeps {
  /** The arguments main() was given, for the report's run information (set by main()). */
  argv?: readonly string[];
  scanAws?: (options: ScanAwsOptions) => ScanAws;
  clock?: Clock;
  /** Where the scan's progress bar is drawn when the CLI runs in a terminal. @default process.stderr */
  progressStream?: NodeJS.WritableStream;
  /** The file system `check` reads. @default the real one */
  inputFs?: InputFs;
}

/** Print the report, or write it to --output (and say so on stderr). */
async function emit(report: Report, format: Format, output: string | undefined, io: CliIo, quiet = false): Promise<void> {
  const text = await render(report, format, output === undefined ? io : { ...io, isTty: false }, quiet);
  if (output === undefined) {
    io.stdout(text);
    return;
  }
  try {
    await writeFile(output, text, 'utf8');
  } catch (e) {
    throw new UsageError(`--output: cannot write ${output}: ${(e as Error).message}`);
  }
  io.stderr(`kms-policy-guard: report written to ${output}\n`);
}

function reportErrors(report: Report, io: CliIo): void {
  for (const r of report.results) if (r.error !== undefined) io.stderr(`kms-policy-guard: ${terminalSafe(`${r.subject}: ${r.error}`)}\n`);
}

const REPORT_FORMATS: Format[] = ['text', 'json', 'sarif', 'html', 'asff', 'ocsf', 'csv'];

/** The flags every command takes for the analysis itself and for what its findings count for. */
interface AnalysisFlags {
  /** --quiet (text format only). */
  quiet?: boolean;
  trustedAccounts?: string;
  trustedOrgIds?: string;
  disableChecks?: string;
  minSeverity?: string;
  baseline?: string;
  writeBaseline?: string;
}

/** What every command does with its findings after judging them (acceptance.ts). */
interface Acceptance {
  minimumSeverity?: Severity;
  baseline?: { file: string; baseline: Baseline };
  writeBaseline?: string;
}

interface CheckFlags extends AnalysisFlags {
  accountId?: string;
  region?: string;
  iamDetails?: string;
  keyArn?: string;
  format: string;
  output?: string;
  failOn: string;
  followSymlinks?: boolean;
}

interface ScanFlags extends AnalysisFlags {
  profile?: string;
  regions?: string;
  includeAwsManaged?: boolean;
  /** false with --no-grants. */
  grants?: boolean;
  concurrency?: string;
  maxRps?: string;
  timeout?: string;
  roleName?: string;
  accounts?: string;
  exemptionTagKey?: string;
  nonSuppressibleChecks?: string;
  /** False with --no-effective-access. */
  effectiveAccess: boolean;
  securityHub?: boolean;
  format: string;
  output?: string;
  failOn: string;
}

interface CheckTemplateFlags extends AnalysisFlags {
  accountId?: string;
  nonSuppressibleChecks?: string;
  exemptionTagKey?: string;
  region?: string;
  format: string;
  output?: string;
  failOn: string;
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** `--region` of check and check-template. */
function parseRegion(value: string | undefined): string | undefined {
  if (value !== undefined && !REGION_NAME.test(value)) throw new UsageError(`--region: "${value}" is not a Region name such as eu-west-1`);
  return value;
}

function parseRegions(value: string | undefined): string[] | 'all' | 'default' {
  if (value === undefined) return 'default';
  if (value.trim() === 'all') return 'all';
  const regions = value.split(',').map((r) => r.trim());
  for (const r of regions) {
    if (!REGION_NAME.test(r)) throw new UsageError(`--regions: "${r}" is not a Region name such as eu-west-1 (or give all)`);
  }
  return [...new Set(regions)];
}

function parseAccounts(value: string | undefined): string[] | 'all' | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === 'all') return 'all';
  // The same account given twice is scanned once.
  return [...new Set(parseSetting('trustedAccountIds', value, '--accounts'))];
}

const DISABLE_CHECKS_HELP = `comma-separated check ids to leave out (${CHECK.INVALID_POLICY} cannot be); the report names them`;
const MIN_SEVERITY_HELP = `leave out findings below: critical, high, medium, low, info (${CHECK.INVALID_POLICY} and unjudged findings always stay); the report counts them (default: every finding)`;
const BASELINE_HELP = 'a baseline file (--write-baseline): the findings it lists are reported as unchanged and do not count for --fail-on';
const WRITE_BASELINE_HELP = `write the findings of this run to FILE as a baseline (never ${CHECK.INVALID_POLICY} or unjudged findings)`;
const OUTPUT_HELP = 'write the report to this file instead of standard output';
const QUIET_HELP = 'text format only: leave out the inputs without findings, errors or warnings (the summary line still counts them)';

/** --quiet, which only the text report has lines to leave out: with another format it is a usage error, not ignored. */
function parseQuiet(quiet: boolean | undefined, format: Format): boolean {
  if (quiet === true && format !== 'text') throw new UsageError(`--quiet: only --format text leaves out inputs without findings; --format ${format} always lists every input`);
  return quiet === true;
}
const FAIL_ON_HELP = 'exit 1 when a finding is at or above: critical, high, medium, low, info, none';

/** The analysis settings every command takes, parsed in the order the flags are documented. */
function parseAnalysis(flags: AnalysisFlags): Pick<AnalysisOptions, 'trustedAccountIds' | 'trustedOrgIds' | 'disabledChecks'> {
  const trustedAccountIds = parseSetting('trustedAccountIds', flags.trustedAccounts, '--trusted-accounts');
  const trustedOrgIds = parseSetting('trustedOrgIds', flags.trustedOrgIds, '--trusted-org-ids');
  const disabledChecks = parseCheckIds(flags.disableChecks, '--disable-checks');
  return { trustedAccountIds, trustedOrgIds, ...(disabledChecks.length > 0 ? { disabledChecks } : {}) };
}

/**
 * --min-severity, --baseline (read and checked now, before any input is) and --write-baseline, with the files they
 * name checked against --output and the inputs.
 */
async function parseAcceptance(flags: AnalysisFlags & { output?: string }, inputs: readonly string[] = []): Promise<Acceptance> {
  const minimumSeverity = flags.minSeverity === undefined ? undefined : parseSetting('minimumSeverity', flags.minSeverity, '--min-severity');
  await checkRunFiles({ ...flags, inputs }, process.cwd());
  const baseline = flags.baseline === undefined ? undefined : { file: flags.baseline, baseline: await readBaselineFile(flags.baseline) };
  return {
    ...(minimumSeverity !== undefined ? { minimumSeverity } : {}),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(flags.writeBaseline !== undefined ? { writeBaseline: flags.writeBaseline } : {}),
  };
}

/**
 * The judged report as every command ends it: disabled checks named, findings below --min-severity left out
 * and counted, every finding fingerprinted, the baseline's marked, and the baseline written when asked. A
 * baseline that cannot be written loses nothing else: the report is still given, and the run exits 2.
 */
async function concludeFindings(judged: Report, analysis: Pick<AnalysisOptions, 'disabledChecks'>, acceptance: Acceptance, io: CliIo): Promise<{ report: Report; writeError?: string }> {
  const cwd = process.cwd();
  let report = withDisabledChecksNote(judged, analysis);
  if (acceptance.minimumSeverity !== undefined) report = leaveOutBelowMinimum(report, acceptance.minimumSeverity);
  report = fingerprintFindings(report, cwd);
  if (acceptance.baseline !== undefined) report = applyBaselineFile(report, acceptance.baseline.baseline, acceptance.baseline.file, cwd);
  if (acceptance.writeBaseline === undefined) return { report };
  try {
    io.stderr(`kms-policy-guard: ${terminalSafe(await writeBaselineFile(report, acceptance.writeBaseline, cwd))}\n`);
    return { report };
  } catch (e) {
    if (e instanceof UsageError) return { report, writeError: e.message };
    throw e;
  }
}

/** The report, with a note naming the checks --disable-checks left out: a clean result must say what was not asked. */
function withDisabledChecksNote(report: Report, analysis: Pick<AnalysisOptions, 'disabledChecks'>): Report {
  const disabled = analysis.disabledChecks ?? [];
  return disabled.length === 0 ? report : { ...report, notes: [...report.notes, `checks not run (--disable-checks): ${disabled.join(', ')}`] };
}

/** The run's information for the report: what was run, when, and with which settings. */
function runInfo(
  command: RunInfo['command'],
  deps: CliDeps,
  startedAt: number,
  settings: RunInfo['settings'],
  scope?: { accounts: readonly string[]; regions: readonly string[] },
): RunInfo {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    command,
    arguments: [...(deps.argv ?? [])],
    startedAt: iso(startedAt),
    finishedAt: iso((deps.clock ?? systemClock).now()),
    ...(scope !== undefined ? { accounts: [...scope.accounts], regions: [...scope.regions] } : {}),
    settings,
  };
}

/** The settings every command shares, as the run information records them. */
function sharedSettings(analysis: Pick<AnalysisOptions, 'trustedAccountIds' | 'trustedOrgIds' | 'disabledChecks'>, acceptance: Acceptance, failOn: FailOn): RunInfo['settings'] {
  return {
    trustedAccountIds: [...(analysis.trustedAccountIds ?? [])],
    trustedOrgIds: [...(analysis.trustedOrgIds ?? [])],
    disabledChecks: [...(analysis.disabledChecks ?? [])],
    ...(acceptance.minimumSeverity !== undefined ? { minimumSeverity: acceptance.minimumSeverity } : {}),
    ...(acceptance.baseline !== undefined ? { baseline: acceptance.baseline.file } : {}),
    failOn,
  };
}

/** The exit code for the report (2 when the baseline could not be written), after naming on stderr each input that could not be read or judged. */
function concludeReport({ report, writeError }: { report: Report; writeError?: string }, failOn: FailOn, io: CliIo): number {
  const code = exitCode(report, failOn);
  reportErrors(report, io);
  if (writeError === undefined) return code;
  io.stderr(`kms-policy-guard: ${terminalSafe(writeError)}\n`);
  return 2;
}

async function checkAction(paths: string[], flags: CheckFlags, io: CliIo, deps: CliDeps): Promise<number> {
  const startedAt = (deps.clock ?? systemClock).now();
  const format = parseFormat(flags.format, REPORT_FORMATS);
  const quiet = parseQuiet(flags.quiet, format);
  const failOn: FailOn = parseFailOn(flags.failOn);
  const givenAccountId = parseAccountId(flags.accountId, '--account-id');
  const region = parseRegion(flags.region);
  requireAsffTarget(format, givenAccountId, region);
  const keyArn = parseKeyArn(flags.keyArn);
  const analysis = parseAnalysis(flags);
  const acceptance = await parseAcceptance(flags, paths);
  const iam = flags.iamDetails === undefined ? undefined : await readIamDetails(flags.iamDetails, givenAccountId, keyArn);
  // The details say which account the keys are of; a concrete key ARN lets Resource elements be matched exactly.
  const accountId = givenAccountId ?? iam?.account.accountId;
  const checked = await runCheck(
    {
      paths,
      followSymlinks: flags.followSymlinks === true,
      ...(deps.inputFs ? { fs: deps.inputFs } : {}),
      analysis: { ...(accountId ? { accountId } : {}), ...(keyArn ? { keyArn } : {}), ...analysis },
      ...(iam ? { iam } : {}),
    },
    io,
    TOOL,
  );
  const settings = { ...(accountId !== undefined ? { accountId } : {}), ...(region !== undefined ? { region } : {}), ...sharedSettings(analysis, acceptance, failOn) };
  const concluded = await concludeFindings({ ...checked, run: runInfo('check', deps, startedAt, settings) }, analysis, acceptance, io);
  await emit(concluded.report, format, flags.output, io, quiet);
  return concludeReport(concluded, failOn, io);
}

/** The scan's settings from its flags; a flag in error throws a UsageError before any AWS call. */
function scanSettings(flags: ScanFlags): { accounts: string[] | 'all' | undefined; timeouts: ReturnType<typeof parseTimeout>; exemptionTagKey: string | undefined; nonSuppressibleChecks: CheckId[] } {
  const accounts = parseAccounts(flags.accounts);
  if (accounts !== undefined && flags.roleName === undefined) {
    throw new UsageError('--accounts needs --role-name: the role to assume in each account');
  }
  if (flags.roleName !== undefined && !/^[\w+=,.@/-]{1,64}$/.test(flags.roleName)) {
    throw new UsageError(`--role-name: "${flags.roleName}" is not an IAM role name`);
  }
  const exemptionTagKey = flags.exemptionTagKey === undefined ? undefined : parseSetting('exemptionTagKey', flags.exemptionTagKey, '--exemption-tag-key');
  const nonSuppressibleChecks = parseSetting('nonSuppressibleChecks', flags.nonSuppressibleChecks, '--non-suppressible-checks');
  return { accounts, timeouts: parseTimeout(flags.timeout, '--timeout'), exemptionTagKey, nonSuppressibleChecks };
}

async function scanAction(flags: ScanFlags, io: CliIo, deps: CliDeps): Promise<number> {
  const startedAt = (deps.clock ?? systemClock).now();
  const format = parseFormat(flags.format, REPORT_FORMATS);
  const quiet = parseQuiet(flags.quiet, format);
  const failOn = parseFailOn(flags.failOn);
  const { accounts, timeouts, exemptionTagKey, nonSuppressibleChecks } = scanSettings(flags);
  const { effectiveAccessSummary, runScan, scanReport, scanSummary, ScanSetupError } = await import('./commands/scan.js');
  const createScanAws = deps.scanAws ?? (await import('./aws/scan-aws.js')).createScanAws;
  const aws = createScanAws({ ...(flags.profile === undefined ? {} : { profile: flags.profile }), settings: { timeouts } });
  // A progress bar only in a terminal: piped or redirected output stays clean for scripts.
  const { NO_PROGRESS, terminalProgress } = await import('./progress.js');
  const progress: Progress = io.isTty ? terminalProgress('scanning', deps.progressStream) : NO_PROGRESS;
  const regions = parseRegions(flags.regions);
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', 10, 256);
  const maxRps = parsePositiveInt(flags.maxRps, '--max-rps', 100, 100000);
  const analysis = parseAnalysis(flags);
  const acceptance = await parseAcceptance(flags);
  let scan;
  try {
    scan = await runScan(
      {
        regions,
        ...(flags.roleName !== undefined ? { roleName: flags.roleName, accounts: accounts ?? 'all' } : {}),
        includeAwsManaged: flags.includeAwsManaged === true,
        grants: flags.grants !== false,
        concurrency,
        maxRps,
        analysis,
        ...(exemptionTagKey !== undefined ? { exemptionTagKey } : {}),
        nonSuppressibleChecks,
        ...(acceptance.minimumSeverity !== undefined ? { minimumSeverity: acceptance.minimumSeverity } : {}),
        effectiveAccess: flags.effectiveAccess,
      },
      { aws, clock: deps.clock ?? systemClock, progress },
    );
  } catch (e) {
    if (e instanceof ScanSetupError) throw new UsageError(`scan: ${e.message}`);
    throw e;
  }
  const settings: RunInfo['settings'] = {
    ...sharedSettings(analysis, acceptance, failOn),
    ...(exemptionTagKey !== undefined ? { exemptionTagKey } : {}),
    grants: flags.grants !== false,
    effectiveAccess: flags.effectiveAccess,
    includeAwsManaged: flags.includeAwsManaged === true,
  };
  const concluded = await concludeFindings({ ...scanReport(scan, TOOL), run: runInfo('scan', deps, startedAt, settings, scan.scope) }, analysis, acceptance, io);
  // --security-hub: sent before the report is written, so that its notes say how the import went.
  let hub: { complete: boolean; summary: string[] } | undefined;
  if (flags.securityHub === true) {
    const { sendScanToSecurityHub } = await import('./commands/scan-security-hub.js');
    const hubSettings = { disabledChecks: analysis.disabledChecks ?? [], grantsRead: flags.grants !== false, ...(acceptance.minimumSeverity !== undefined ? { minimumSeverity: acceptance.minimumSeverity } : {}) };
    const sent = await sendScanToSecurityHub(concluded.report, scan, hubSettings, { aws, clock: deps.clock ?? systemClock, concurrency, ...(flags.roleName !== undefined ? { roleName: flags.roleName } : {}) });
    concluded.report = { ...concluded.report, notes: [...concluded.report.notes, ...sent.notes] };
    hub = { complete: sent.outcome.complete, summary: sent.summary };
  }
  await emit(concluded.report, format, flags.output, io, quiet);
  io.stderr(`kms-policy-guard: ${scanSummary(scan.stats)}\n`);
  const incomplete = effectiveAccessSummary(scan.stats);
  if (incomplete !== undefined) io.stderr(`kms-policy-guard: ${incomplete}\n`);
  for (const line of hub?.summary ?? []) io.stderr(`kms-policy-guard: ${terminalSafe(line)}\n`);
  const code = concludeReport(concluded, failOn, io);
  // An import that did not fully succeed fails the run, whatever the findings: Security Hub is not up to date.
  return hub !== undefined && !hub.complete ? 2 : code;
}

async function checkTemplateAction(paths: string[], flags: CheckTemplateFlags, io: CliIo, deps: CliDeps): Promise<number> {
  const startedAt = (deps.clock ?? systemClock).now();
  const format = parseFormat(flags.format, REPORT_FORMATS);
  const quiet = parseQuiet(flags.quiet, format);
  const failOn = parseFailOn(flags.failOn);
  const accountId = parseAccountId(flags.accountId, '--account-id');
  parseRegion(flags.region);
  requireAsffTarget(format, accountId, flags.region);
  const analysis = parseAnalysis(flags);
  const nonSuppressibleChecks = parseSetting('nonSuppressibleChecks', flags.nonSuppressibleChecks, '--non-suppressible-checks');
  const exemptionTagKey = flags.exemptionTagKey === undefined ? undefined : parseSetting('exemptionTagKey', flags.exemptionTagKey, '--exemption-tag-key');
  const acceptance = await parseAcceptance(flags, paths);
  const { runCheckTemplate } = await import('./commands/check-template.js');
  const checked = await runCheckTemplate(
    {
      paths,
      ...(flags.region !== undefined ? { region: flags.region } : {}),
      ...(accountId !== undefined ? { accountId } : {}),
      analysis,
      nonSuppressibleChecks,
      ...(exemptionTagKey !== undefined ? { exemptionTagKey } : {}),
      ...(acceptance.minimumSeverity !== undefined ? { minimumSeverity: acceptance.minimumSeverity } : {}),
    },
    io,
    TOOL,
  );
  const settings: RunInfo['settings'] = {
    ...(accountId !== undefined ? { accountId } : {}),
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...sharedSettings(analysis, acceptance, failOn),
    ...(exemptionTagKey !== undefined ? { exemptionTagKey } : {}),
  };
  const concluded = await concludeFindings({ ...checked, run: runInfo('check-template', deps, startedAt, settings) }, analysis, acceptance, io);
  await emit(concluded.report, format, flags.output, io, quiet);
  return concludeReport(concluded, failOn, io);
}

const NON_SUPPRESSIBLE_DEFAULT = (RULE_PARAMETER_SPEC.nonSuppressibleChecks.default ?? []).join(',');

/** The commands and their options; each action hands its exit code to `setCode`. */
function buildProgram(io: CliIo, deps: CliDeps, setCode: (code: number) => void): Command {
  const program = new Command()
    .name('kms-policy-guard')
    .description('Find dangerous AWS KMS key policies.')
    .version(TOOL.version)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', helpAfterOptions('program'));

  program
    .command('check')
    .description('Analyse key-policy JSON files, directories (every *.json key policy below, dot-folders included, not .git or node_modules) or - for stdin.')
    .argument('<paths...>', 'files, directories or -')
    .option('--account-id <id>', "the key's own account (tells own-account from cross-account principals)")
    .option('--iam-details <file>', "the JSON of `aws iam get-account-authorization-details` for the key's account: each result names the roles, users and root user that can use and administer the key (offline: no grants, no SCPs or RCPs, so the answer says it is incomplete)")
    .option('--key-arn <arn>', 'the ARN of the key the policies belong to (with --iam-details: identity policies naming particular keys are matched against it)')
    .option('--region <region>', 'the Region the findings belong to (recorded in the report; --format asff needs it, with --account-id)')
    .option('--trusted-accounts <ids>', 'comma-separated accounts whose principals may act on keys')
    .option('--trusted-org-ids <ids>', 'comma-separated organisation ids (o-…) whose principals may act on keys')
    .option('--disable-checks <ids>', DISABLE_CHECKS_HELP)
    .option('--min-severity <severity>', MIN_SEVERITY_HELP)
    .option('--baseline <file>', BASELINE_HELP)
    .option('--write-baseline <file>', WRITE_BASELINE_HELP)
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .option('--output <file>', OUTPUT_HELP)
    .option('--quiet', QUIET_HELP)
    .option('--fail-on <severity>', FAIL_ON_HELP, 'low')
    .option('--follow-symlinks', 'in a directory, also read symbolic links that lead outside it (not read by default, and reported)')
    .addHelpText('after', helpAfterOptions('check'))
    .action(async (paths: string[], flags: CheckFlags) => setCode(await checkAction(paths, flags, io, deps)));

  program
    .command('scan')
    .description("Read the KMS keys of live accounts (the AWS SDK's credential chain) and judge their key policies.")
    .option('--profile <name>', 'named profile from the shared AWS config files')
    .option('--regions <list>', 'comma-separated Regions, or all (every Region enabled for the account; in an organisation scan, for each account); default: the profile or AWS_REGION Region')
    .option('--include-aws-managed', 'also judge AWS-managed keys and keys pending deletion (skipped by default)')
    .option('--no-grants', "do not read the keys' grants (kms:ListGrants: one request per 100 grants of each key); read and judged by default")
    .option('--concurrency <n>', 'keys read at once, across accounts and Regions', '10')
    .option('--max-rps <n>', 'KMS requests per second, per account and Region, after a starting burst of up to min(n, 10) requests', '100')
    .option(
      '--timeout <seconds>',
      'give up on an AWS request that has not answered after this many seconds (tried twice, then the key, Region or account is reported unreadable)',
      String(TIMEOUT_SECONDS.default),
    )
    .option('--role-name <name>', 'organisation scan: role to assume in each account; without --accounts, every account of the organisation')
    .option('--accounts <ids>', 'organisation scan (needs --role-name): comma-separated account ids, or all (Organizations ListAccounts; the default)')
    .option('--exemption-tag-key <key>', "a key carrying this tag with a non-empty value has its findings accepted, the value as justification (the rule's ExemptionTagKey; needs kms:ListResourceTags)")
    .option('--non-suppressible-checks <ids>', `comma-separated check ids the exemption tag can never accept on a key, or NONE (the rule's NonSuppressibleChecks; default ${NON_SUPPRESSIBLE_DEFAULT})`)
    .option(
      '--no-effective-access',
      "do not compute who in each key's account can use or administer it (computed by default: reads IAM once per account with iam:GetAccountAuthorizationDetails, and the organisation's SCPs and RCPs where readable)",
    )
    .option(
      '--security-hub',
      "also import the findings into AWS Security Hub, in each key's account and Region (securityhub:BatchImportFindings and securityhub:GetFindings; through --role-name in an organisation scan), and resolve those of an earlier scan no longer found (ARCHIVED, compliance PASSED) where this run judged their key; with any --format. Exit 2 if the import is incomplete",
    )
    .option('--trusted-accounts <ids>', 'comma-separated accounts whose principals may act on keys')
    .option('--trusted-org-ids <ids>', 'comma-separated organisation ids (o-…) whose principals may act on keys')
    .option('--disable-checks <ids>', DISABLE_CHECKS_HELP)
    .option('--min-severity <severity>', MIN_SEVERITY_HELP)
    .option('--baseline <file>', BASELINE_HELP)
    .option('--write-baseline <file>', WRITE_BASELINE_HELP)
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .option('--output <file>', OUTPUT_HELP)
    .option('--quiet', QUIET_HELP)
    .option('--fail-on <severity>', FAIL_ON_HELP, 'low')
    .addHelpText('after', helpAfterOptions('scan'))
    .action(async (flags: ScanFlags) => setCode(await scanAction(flags, io, deps)));

  program
    .command('check-template')
    .description('Judge the key policies of CloudFormation templates (JSON, YAML), cdk.out directories and Terraform plan JSON.')
    .argument('<paths...>', 'template files, directories (cdk.out or a folder of templates) or -')
    .option('--account-id <id>', "the account the stack deploys to (AWS::AccountId); without it a placeholder account is used")
    .option('--region <region>', 'the Region the stack deploys to (AWS::Region); default: the CDK stack\'s Region, else unknown')
    .option('--exemption-tag-key <key>', "a key resource whose Tags give this tag a non-empty value has its findings accepted, the value as justification (the rule's and the hook's ExemptionTagKey)")
    .option('--non-suppressible-checks <ids>', `comma-separated check ids no inline Metadata suppression or exemption tag can accept, or NONE (the rule's NonSuppressibleChecks; default ${NON_SUPPRESSIBLE_DEFAULT})`)
    .option('--trusted-accounts <ids>', 'comma-separated accounts whose principals may act on keys')
    .option('--trusted-org-ids <ids>', 'comma-separated organisation ids (o-…) whose principals may act on keys')
    .option('--disable-checks <ids>', DISABLE_CHECKS_HELP)
    .option('--min-severity <severity>', MIN_SEVERITY_HELP)
    .option('--baseline <file>', BASELINE_HELP)
    .option('--write-baseline <file>', WRITE_BASELINE_HELP)
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .option('--output <file>', OUTPUT_HELP)
    .option('--quiet', QUIET_HELP)
    .option('--fail-on <severity>', FAIL_ON_HELP, 'low')
    .addHelpText('after', helpAfterOptions('check-template'))
    .action(async (paths: string[], flags: CheckTemplateFlags) => setCode(await checkTemplateAction(paths, flags, io, deps)));

  return program;
}

/** Exit code 2 for an error that ended the run, said on stderr (commander has printed its own already). */
function errorExitCode(e: unknown, io: CliIo): number {
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

/** Run the CLI; resolves to the exit code. Never calls process.exit, so tests can drive it. */
export async function main(argv: readonly string[], io: CliIo = processIo(), deps: CliDeps = {}): Promise<number> {
  let code = 0;
  const program = buildProgram(io, { ...deps, argv }, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    return errorExitCode(e, io);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
