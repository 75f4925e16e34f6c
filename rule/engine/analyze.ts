import type { AnalysisOptions, Finding, Warning } from './types';

export interface AnalysisResult {
  /** Findings, most severe first. */
  findings: Finding[];
  warnings: Warning[];
}

/** Analyse one key policy, given as JSON text or an already-parsed value. Never throws. */
export function analyzePolicy(_policy: unknown, _options: AnalysisOptions = {}): AnalysisResult {
  throw new Error('not implemented yet');
}
