/** Loading the policy fixture corpus (test/fixtures/policies/*.json). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCheckId, type AnalysisOptions, type CheckId } from '../../engine';

export interface PolicyFixture {
  name: string;
  description: string;
  source: string;
  options: AnalysisOptions;
  expected: CheckId[];
  nearMissFor: CheckId[];
  /** The policy as an object, or as text for malformed-JSON fixtures. */
  input: unknown;
}

export const POLICY_FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'policies');

function checkIds(value: unknown, where: string): CheckId[] {
  if (!Array.isArray(value) || !value.every(isCheckId)) throw new Error(`${where}: expected an array of check ids`);
  return value;
}

export function loadPolicyFixtures(): PolicyFixture[] {
  return readdirSync(POLICY_FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const doc = JSON.parse(readFileSync(join(POLICY_FIXTURE_DIR, file), 'utf8')) as Record<string, unknown>;
      const name = file.replace(/\.json$/, '');
      if (typeof doc.description !== 'string' || typeof doc.source !== 'string') throw new Error(`${file}: description and source are required`);
      if (!('policy' in doc) && typeof doc.policyText !== 'string') throw new Error(`${file}: needs "policy" or "policyText"`);
      return {
        name,
        description: doc.description,
        source: doc.source,
        options: (doc.options ?? {}) as AnalysisOptions,
        expected: checkIds(doc.expected, `${file} expected`),
        nearMissFor: checkIds(doc.nearMissFor ?? [], `${file} nearMissFor`),
        input: 'policy' in doc ? doc.policy : doc.policyText,
      };
    });
}
