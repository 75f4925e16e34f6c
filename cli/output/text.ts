import { createColors } from 'picocolors';
import type { Severity } from '../../engine';
import { acceptanceLine, countBySeverity, describeSuppression, hasAcceptance, type Report } from '../report';
import { terminalSafe as t } from './safe-text';
import { effectiveAccessLines } from './effective-access-text';
import type { EffectiveAccess } from '../../engine';

/**
 * A readable report; coloured only on a terminal (NO_COLOR and FORCE_COLOR are honoured). Every string that
 * comes from a policy, a file name or AWS is passed through terminalSafe: no control character or
 * bidirectional override of theirs reaches the terminal.
 */
export function renderText(report: Report, colour: boolean): string {
  const c = createColors(colour);
  const sev: Record<Severity, (s: string) => string> = {
    critical: (s) => c.bold(c.red(s)),
    high: c.red,
    medium: c.yellow,
    low: c.cyan,
    info: c.dim,
  };
  const lines: string[] = [];
  for (const note of report.notes) lines.push(c.dim(`note: ${t(note)}`), '');
  for (const r of report.results) {
    const header = t(
      [r.subject, ...Object.entries(r.extra ?? {}).filter(([k]) => k === 'logicalId' || k === 'aliases').map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)].join('  '),
    );
    if (r.error !== undefined) {
      lines.push(`${c.red('✖')} ${c.bold(header)}`, `    ${c.red('error')}  ${t(r.error)}`);
    } else if (r.findings.length === 0) {
      lines.push(`${c.green('✔')} ${c.bold(header)}  ${c.green('no findings')}`);
    } else {
      const accepted = r.findings.filter((f) => f.suppression !== undefined).length;
      const mark = accepted === r.findings.length ? c.yellow('◌') : c.red('✖');
      lines.push(`${mark} ${c.bold(header)}  ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}${accepted > 0 ? ` (${accepted} accepted)` : ''}`);
    }
    for (const f of r.findings) {
      lines.push(`    ${sev[f.severity](f.severity.toUpperCase().padEnd(8))} ${c.bold(t(f.checkId))}  ${c.dim(t(f.path))}`);
      lines.push(`             ${t(f.message)}`);
      if (f.suppression !== undefined) lines.push(`             ${c.yellow(t(describeSuppression(f.suppression)))}`);
    }
    const ea = r.extra?.effectiveAccess as EffectiveAccess | undefined;
    if (ea !== undefined) lines.push(...effectiveAccessLines(ea));
    for (const w of r.warnings) {
      if (w.code === 'ACCOUNT_UNKNOWN') continue; // said once, in the notes
      lines.push(`    ${c.magenta('warning ')} ${t(w.code)}  ${c.dim(t(w.path))}`, `             ${t(w.message)}`);
    }
  }
  const skipped = report.skipped ?? [];
  if (skipped.length > 0) lines.push('');
  for (const s of skipped) lines.push(`${c.dim('○ skipped')}  ${t(s.file)}  ${c.dim(t(s.reason))}`);
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
  if (hasAcceptance(report)) lines.push(t(acceptanceLine(report)));
  return lines.join('\n') + '\n';
}
