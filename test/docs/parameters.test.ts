import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARAMETER_DOCS_PATH, withParameterTable } from '../../scripts/generate-parameter-docs';
import { RULE_PARAMETER_ENTRIES } from '../../settings/parameter-spec';
import { PARAMETER_NAMES } from '../../rule/parameters';

const doc = readFileSync(PARAMETER_DOCS_PATH, 'utf8');

describe('docs/config-rule.md', () => {
  it('carries the parameter table generated from the rule parameter spec (run npm run docs:parameters)', () => {
    expect(withParameterTable(doc)).toBe(doc);
  });

  it('lists every parameter of the rule, once', () => {
    for (const name of PARAMETER_NAMES) expect(doc.split(`| \`${name}\` |`)).toHaveLength(2);
  });
});

describe('docs/deployment.md', () => {
  const deployment = readFileSync(join(__dirname, '..', '..', 'docs', 'deployment.md'), 'utf8');
  /** The context keys in the first cell of each settings-table row. */
  const rows = deployment
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => [...(line.split(' | ')[0] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]));

  it('names every rule parameter by its context key, in the spec\'s order (the key is the prop name)', () => {
    const ruleKeys = RULE_PARAMETER_ENTRIES.map(([key]) => key);
    const rowOf = (key: string) => rows.find((keys) => keys.includes(key));
    expect(rowOf('minimumSeverity')).toEqual(ruleKeys.filter((key) => key !== 'executionRoleName'));
    expect(rowOf('executionRoleName')).toEqual(['executionRoleName']);
  });
});
