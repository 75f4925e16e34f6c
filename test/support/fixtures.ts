/** Loading the policy fixture corpus (test/fixtures/policies/*.json). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCheckId, keyGrantsFromListGrants, type AnalysisOptions, type CheckId } from '../../engine';

/**
 * One finding a fixture expects: its check, the statements it points at (each by Sid, or by index where the
 * statement has none), and the principals it names (none for a whole-policy finding).
 */
export interface ExpectedFinding {
  check: CheckId;
  statements: (string | number)[];
  principals: string[];
}

export interface PolicyFixture {
  name: string;
  description: string;
  source: string;
  options: AnalysisOptions;
  /** The findings expected, one entry per finding. */
  expectedFindings: ExpectedFinding[];
  /** The check ids of those findings, each once. */
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

function expectedFindings(value: unknown, where: string): ExpectedFinding[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array of {check, statements, principals}`);
  return value.map((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (typeof item !== 'object' || item === null) throw new Error(`${at}: expected {check, statements, principals}`);
    const { check, statements, principals, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new Error(`${at}: unknown members ${Object.keys(rest).join(', ')}`);
    if (!isCheckId(check)) throw new Error(`${at}.check: not a check id`);
    if (!Array.isArray(statements) || !statements.every((s) => typeof s === 'string' || (typeof s === 'number' && Number.isInteger(s)))) {
      throw new Error(`${at}.statements: expected an array of Sids and statement indexes`);
    }
    if (!Array.isArray(principals) || !principals.every((p) => typeof p === 'string')) throw new Error(`${at}.principals: expected an array of strings`);
    return { check, statements, principals };
  });
}

/**
 * The fixture's options; its `grants` (the key's grants as `aws kms list-grants` prints them) become the
 * options' grants, read as every caller reads them (keyGrantsFromListGrants). A fixture's grants must read
 * without problems: a fixture about unreadable grants belongs in the converter's tests.
 */
function fixtureOptions(doc: Record<string, unknown>, file: string): AnalysisOptions {
  const options = { ...((doc.options ?? {}) as AnalysisOptions) };
  if (doc.grants !== undefined) {
    const reading = keyGrantsFromListGrants(doc.grants);
    if (reading.problems.length > 0) throw new Error(`${file} grants: ${reading.problems.map((p) => `[${p.index}] ${p.message}`).join('; ')}`);
    options.grants = reading.grants;
  }
  return options;
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
      const findings = expectedFindings(doc.expected, `${file} expected`);
      return {
        name,
        description: doc.description,
        source: doc.source,
        options: fixtureOptions(doc, file),
        expectedFindings: findings,
        expected: [...new Set(findings.map((f) => f.check))],
        nearMissFor: checkIds(doc.nearMissFor ?? [], `${file} nearMissFor`),
        input: 'policy' in doc ? doc.policy : doc.policyText,
      };
    });
}
