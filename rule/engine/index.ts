/**
 * The engine's public surface. Everything outside rule/engine imports from here.
 */
export * from './types';
export { analyzePolicy } from './analyze';
export type { AnalysisResult } from './analyze';
