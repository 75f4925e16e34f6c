import { createColors } from 'picocolors';
import { CHECKS, type CheckId, type EffectiveAccess, type EffectivePrincipal, type Finding, type Severity } from '../../engine';
import { acceptanceLine, countBySeverity, describeSuppression, hasAcceptance, type Report, type ResultEntry } from '../report';
import { terminalSafe as t } from './safe-text';
import { hangingLines, visibleWidth } from './wrap';

/** How the text report is laid out. */
export interface TextOptions {
  /** ANSI colours (a terminal, NO_COLOR and FORCE_COLOR honoured: cli/main.ts decides). */
  colour: boolean;
  /** The columns messages wrap to (wrap.ts textWidth); unset: one line per message. */
  width?: number;
  /**
   * --quiet: leave out the inputs that have nothing to say (no finding, error or warning) and the files a walk
   * skipped. Errors, warnings, notes and the summary line, which counts everything, always stay.
   */
  quiet?: boolean;
}

/** Where a finding's message starts, under its severity and check id. */
const MESSAGE_INDENT = ' '.repeat(13);

/** Each check's one-line fix, from its metadata. */
const FIX = new Map<CheckId, string>(CHECKS.map((c) => [c.meta.id, c.meta.fix]));

/** Whether --quiet leaves the entry out: nothing found, nothing failed, nothing to warn of. */
function hasNothingToSay(r: ResultEntry): boolean {
  return r.error === undefined && r.findings.length === 0 && r.warnings.every((w) => w.code === 'ACCOUNT_UNKNOWN');
}

/**
 * A readable report; coloured only on a terminal (NO_COLOR and FORCE_COLOR are honoured). Every string that
 * comes from a policy, a file name or AWS is passed through terminalSafe: no control character or
 * bidirectional override of theirs reaches the terminal. Messages wrap to `width` under their first character;
 * the width counts what is visible, never the colour codes.
 */
export function renderText(report: Report, options: TextOptions): string {
  const c = createColors(options.colour);
  const sev: Record<Severity, (s: string) => string> = {
    critical: (s) => c.bold(c.red(s)),
    high: c.red,
    medium: c.yellow,
    low: c.cyan,
    info: c.dim,
  };
  const wrap = (prefix: string, text: string, style?: (s: string) => string): string[] => hangingLines(prefix, text, options.width, style);
  const lines: string[] = [];
  for (const note of report.notes) lines.push(...wrap(c.dim('note: '), t(note), c.dim), '');
  for (const r of report.results) {
    if (options.quiet === true && hasNothingToSay(r)) continue;
    const header = t(
      [r.subject, ...Object.entries(r.extra ?? {}).filter(([k]) => k === 'logicalId' || k === 'aliases').map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)].join('  '),
    );
    if (r.error !== undefined) {
      lines.push(`${c.red('✖')} ${c.bold(header)}`, ...wrap(`    ${c.red('error')}  `, t(r.error)));
    } else if (r.findings.length === 0) {
      lines.push(`${c.green('✔')} ${c.bold(header)}  ${c.green('no findings')}`);
    } else {
      const accepted = r.findings.filter((f) => f.suppression !== undefined).length;
      const mark = accepted === r.findings.length ? c.yellow('◌') : c.red('✖');
      lines.push(`${mark} ${c.bold(header)}  ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}${accepted > 0 ? ` (${accepted} accepted)` : ''}`);
    }
    const accountWide = r.findings.find(isAccountWide);
    for (const f of r.findings) {
      const heading = `    ${sev[f.severity](f.severity.toUpperCase().padEnd(8))} ${c.bold(t(f.checkId))}`;
      const path = c.dim(t(f.path));
      // A path that does not fit beside the check id goes under it.
      if (options.width !== undefined && visibleWidth(`${heading}  ${path}`) > options.width) lines.push(heading, `${MESSAGE_INDENT}${path}`);
      else lines.push(`${heading}  ${path}`);
      lines.push(...wrap(MESSAGE_INDENT, t(f.message)));
      if (f === accountWide && r.effectiveAccess !== undefined) {
        for (const l of effectiveAccessLines(r.effectiveAccess)) {
          const nested = /^ */.exec(l)?.[0] ?? '';
          lines.push(...wrap(MESSAGE_INDENT + nested, t(l.slice(nested.length))));
        }
      }
      if (f.suppression !== undefined) lines.push(...wrap(MESSAGE_INDENT, t(describeSuppression(f.suppression)), c.yellow));
      // What to do last, under what was found, who it concerns and whether it was accepted.
      const fix = FIX.get(f.checkId);
      if (fix !== undefined) lines.push(...wrap(`${MESSAGE_INDENT}${c.green('fix:')} `, t(fix)));
    }
    for (const w of r.warnings) {
      if (w.code === 'ACCOUNT_UNKNOWN') continue; // said once, in the notes
      lines.push(`    ${c.magenta('warning ')} ${t(w.code)}  ${c.dim(t(w.path))}`, ...wrap(MESSAGE_INDENT, t(w.message)));
    }
  }
  const skipped = report.skipped ?? [];
  if (skipped.length > 0 && options.quiet !== true) {
    lines.push('');
    for (const s of skipped) lines.push(`${c.dim('○ skipped')}  ${t(s.file)}  ${c.dim(t(s.reason))}`);
  }
  // By severity, the findings that were not accepted: those that count.
  const counts = countBySeverity(report.results.map((r) => ({ ...r, findings: r.findings.filter((f) => f.suppression === undefined) })));
  const parts = (Object.keys(counts) as Severity[]).filter((s) => counts[s] > 0).map((s) => sev[s](`${counts[s]} ${s}`));
  const unreadable = report.results.filter((r) => r.error !== undefined).length;
  lines.push(
    '',
    `${report.results.length} input${report.results.length === 1 ? '' : 's'}, ${report.results.filter((r) => r.findings.length > 0).length} with findings` +
      (parts.length ? ` (${parts.join(', ')})` : '') +
      (unreadable ? `, ${c.red(`${unreadable} unreadable`)}` : '') +
      (skipped.length ? `, ${skipped.length} skipped (not key policies)` : ''),
  );
  if (hasAcceptance(report)) lines.push(...wrap('', t(acceptanceLine(report))));
  return lines.join('\n') + '\n';
}

/** The principals shown by name under an account-wide finding; the rest are counted. */
export const PRINCIPALS_NAMED = 5;

/** ACCOUNT_WIDE_FULL_ACCESS, _USAGE, _ADMINISTRATION: the key policy hands the decision to IAM. */
function isAccountWide(f: Pick<Finding, 'checkId'>): boolean {
  return f.checkId.startsWith('ACCOUNT_WIDE_');
}

/** `arn:aws:iam::111122223333:role/App (use unconditional, administer conditional; assumable by …)`. */
function describePrincipal(p: EffectivePrincipal): string {
  const levels = [p.use !== 'none' ? `use ${p.use}` : undefined, p.administer !== 'none' ? `administer ${p.administer}` : undefined].filter((x) => x !== undefined);
  const assumable = p.assumableBy !== undefined && p.assumableBy.length > 0 ? `; assumable by ${p.assumableBy.join(', ')}` : '';
  return `${p.arn} (${levels.join(', ')}${assumable})`;
}

/**
 * Who in the account can act on the key today, under the account-wide finding that handed the decision to IAM:
 * how many principals, the first few by name, and, when the answer is incomplete, that it is a lower bound and why.
 */
function effectiveAccessLines(ea: EffectiveAccess): string[] {
  const n = ea.principals.length;
  const lines: string[] = [];
  if (!ea.complete && n === 0) lines.push('effective access: unknown, nothing could be judged (see below)');
  else {
    const count = `${ea.complete ? '' : 'at least '}${n} principal${n === 1 ? '' : 's'}`;
    lines.push(`effective access (key policy, grants and IAM): ${count} of the account can use or administer the key${n > 0 ? ':' : ''}`);
    for (const p of ea.principals.slice(0, PRINCIPALS_NAMED)) lines.push(`  ${describePrincipal(p)}`);
    if (n > PRINCIPALS_NAMED) lines.push(`  … and ${n - PRINCIPALS_NAMED} more (the JSON and HTML reports list them all)`);
  }
  for (const reason of ea.incompleteReasons) lines.push(`incomplete: ${reason}`);
  return lines;
}
