/** `check`: analyse key-policy files, directories of them, or stdin. */
import { analyzePolicy, type AnalysisOptions } from '../../rule/engine';
import { readInputs, unwrapPolicyText } from '../inputs';
import type { CliIo } from '../io';
import type { Report, ResultEntry } from '../report';

export interface CheckCommandOptions {
  analysis: AnalysisOptions;
  paths: string[];
}

export const ACCOUNT_UNKNOWN_NOTE =
  "no --account-id given: the key's own account and other accounts cannot be told apart, so every account principal was judged as the key's own account (account-wide checks apply) and no cross-account finding was made. Pass --account-id to judge cross-account access.";

export async function runCheck(opts: CheckCommandOptions, io: CliIo, tool: Report['tool']): Promise<Report> {
  const inputs = await readInputs(opts.paths, io);
  const results: ResultEntry[] = inputs.map((input) => {
    if ('error' in input) return { file: input.file, findings: [], warnings: [], error: input.error };
    const { text, unwrapped } = unwrapPolicyText(input.text);
    const r = analyzePolicy(text, opts.analysis);
    return {
      file: input.file,
      findings: r.findings,
      warnings: r.warnings,
      // Paths in an unwrapped {"Policy": "..."} document point into the inner string: no line to show.
      ...(unwrapped ? {} : { sourceText: input.text }),
    };
  });
  const notes = opts.analysis.accountId === undefined ? [ACCOUNT_UNKNOWN_NOTE] : [];
  return { tool, results, notes };
}
