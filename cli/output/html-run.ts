/**
 * The HTML report's header: when the report was made, by which tool and command, what it covered and which
 * options shaped its verdicts. A report is evidence only with these; one without run details (built by the
 * library, not the command line) says so instead of leaving them out.
 */
import type { Report, RunInfo } from '../report';

/** One header line: a label and its value, as plain text (escaped by the caller). */
export type RunFact = [label: string, value: string];

const UNKNOWN_RUN = 'unknown: this report records no run details (it was not made by the command line), so its date, scope and options cannot be told';

/** An argument as a POSIX shell would need it typed: bare when it is plain, else single-quoted. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function listOrNone(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

/** `scan` records what it set out to read; `check` and `check-template` only what they were told. */
function scope(run: RunInfo): RunFact[] {
  if (run.command === 'scan') return [['Accounts', listOrNone(run.accounts ?? [])], ['Regions', listOrNone(run.regions ?? [])]];
  return [
    ['Accounts', run.settings.accountId ?? 'not given (--account-id)'],
    ['Regions', run.settings.region ?? 'not given (--region)'],
  ];
}

function onOff(value: boolean | undefined, on: string, off: string, unset: string): string {
  return value === undefined ? unset : value ? on : off;
}

/**
 * Effective access is a scan setting; `check` computes it only from --iam-details, which the settings do not
 * record, so there it is on exactly when a result carries it.
 */
function effectiveAccess(report: Report, run: RunInfo): string {
  const on = run.settings.effectiveAccess ?? report.results.some((r) => r.effectiveAccess !== undefined);
  return on ? 'on' : 'off';
}

export function runFacts(report: Report): RunFact[] {
  const tool: RunFact = ['Tool', `${report.tool.name} ${report.tool.version}`];
  const run = report.run;
  if (run === undefined) return [['Generated', UNKNOWN_RUN], tool];
  const s = run.settings;
  const facts: RunFact[] = [
    ['Generated', `${run.finishedAt} (started ${run.startedAt})`],
    tool,
    ['Command', [report.tool.name, ...run.arguments].map(shellWord).join(' ')],
    ...scope(run),
    ['Trusted accounts', listOrNone(s.trustedAccountIds)],
    ['Trusted organisations', listOrNone(s.trustedOrgIds)],
    ['Disabled checks', listOrNone(s.disabledChecks)],
    ['Minimum severity', s.minimumSeverity ?? 'none (every severity reported)'],
    ['Baseline', s.baseline ?? 'none'],
    ['Fail on', s.failOn],
    ['Exemption tag key', s.exemptionTagKey ?? 'none'],
    ['Grants', onOff(s.grants, 'read', 'not read (--no-grants)', 'not read (scan only)')],
    ['Effective access', effectiveAccess(report, run)],
  ];
  if (s.includeAwsManaged !== undefined) facts.push(['AWS managed keys', s.includeAwsManaged ? 'judged' : 'left out']);
  return facts;
}
