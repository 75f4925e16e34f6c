import type { Report } from '../report';
import { acceptanceCounts, countBySeverity } from '../report';
import { jsonSafe } from './safe-text';

/**
 * `{"results":[{"file": …, "findings": […]}], …}`: stable field names for scripts. `file` is the entry's
 * subject: a path, a key ARN or an account/Region. Files a folder walk passed over (not key policies) are
 * listed apart, under `skipped`, never as results without findings. Each finding carries its `fingerprint`, and
 * `suppression` when it was accepted (inline, by the baseline, by an exemption tag); `summary.findingsBySeverity`
 * counts every finding, accepted or not, `summary.findings` how many are new, unchanged, suppressed and fixed.
 * A scanned key carries `effectiveAccess` (who in its account can use or administer it) when it was computed.
 * `run` says what was run, when, over which accounts and Regions, and with which settings.
 */
export function renderJson(report: Report): string {
  const results = report.results.map((r) => ({
    file: r.subject,
    ...(r.extra ?? {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.effectiveAccess !== undefined ? { effectiveAccess: r.effectiveAccess } : {}),
    findings: r.findings,
    warnings: r.warnings,
  }));
  return (
    jsonSafe(
      JSON.stringify(
        {
          tool: report.tool,
          ...(report.run !== undefined ? { run: report.run } : {}),
          results,
          ...(report.skipped !== undefined ? { skipped: report.skipped.map((s) => ({ file: s.file, reason: s.reason })) } : {}),
          summary: {
            inputs: report.results.length,
            withFindings: report.results.filter((r) => r.findings.length > 0).length,
            unreadable: report.results.filter((r) => r.error !== undefined).length,
            ...(report.skipped !== undefined ? { skipped: report.skipped.length } : {}),
            findingsBySeverity: countBySeverity(report.results),
            findings: acceptanceCounts(report),
            ...(report.belowMinimum !== undefined ? { belowMinimumSeverity: report.belowMinimum } : {}),
          },
          ...(report.baseline !== undefined ? { baseline: report.baseline } : {}),
          notes: report.notes,
        },
        null,
        2,
      ),
    ) + '\n'
  );
}
