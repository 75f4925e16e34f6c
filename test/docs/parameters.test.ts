import { readFileSync } from 'node:fs';
import { PARAMETER_DOCS_PATH, withParameterTable } from '../../scripts/generate-parameter-docs';
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
