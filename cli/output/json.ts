import type { Report } from '../report';
import { countBySeverity } from '../report';
import { jsonSafe } from './safe-text';

/**
 * `{"results":[{"file": …, "findings": […]}], …}`: stable field names for scripts. `file` is the entry's
 * subject: a path, a key ARN or an account/Region. Files a folder walk passed over (not key policies) are
 * listed apart, under `skipped`, never as results without findings.
 */
export function renderJson(report: Report): string {
  const results = report.results.map((r) => ({
    file: r.subject,
    ...(r.extra ?? {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    findings: r.findings,
    warnings: r.warnings,
  }));
  return (
    jsonSafe(
      JSON.stringify(
        {
          tool: report.tool,
          results,
          ...(report.skipped !== undefined ? { skipped: report.skipped.map((s) => ({ file: s.file, reason: s.reason })) } : {}),
          summary: {
            inputs: report.results.length,
            withFindings: report.results.filter((r) => r.findings.length > 0).length,
            unreadable: report.results.filter((r) => r.error !== undefined).length,
            ...(report.skipped !== undefined ? { skipped: report.skipped.length } : {}),
            findingsBySeverity: countBySeverity(report.results),
          },
          notes: report.notes,
        },
        null,
        2,
      ),
    ) + '\n'
  );
}
