import type { Report } from '../report';
import { countBySeverity } from '../report';

/** `{"results":[{"file": …, "findings": […]}], …}`: stable field names for scripts. */
export function renderJson(report: Report): string {
  const results = report.results.map((r) => ({
    file: r.file,
    ...(r.extra ?? {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    findings: r.findings,
    warnings: r.warnings,
  }));
  return (
    JSON.stringify(
      {
        tool: report.tool,
        results,
        summary: {
          inputs: report.results.length,
          withFindings: report.results.filter((r) => r.findings.length > 0).length,
          unreadable: report.results.filter((r) => r.error !== undefined).length,
          findingsBySeverity: countBySeverity(report.results),
        },
        notes: report.notes,
      },
      null,
      2,
    ) + '\n'
  );
}
