import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withCatalogue } from '../../scripts/generate-check-docs';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it('carries the check catalogue generated from the registry (run npm run docs:checks)', () => {
    expect(withCatalogue(readme)).toBe(readme);
  });

  it('names the quickstart and test commands that CI runs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
    const ci = readFileSync(join(__dirname, '..', '..', '.ci', 'run'), 'utf8');
    expect(ci).toContain('npm ci');
    expect(ci).toContain('npm test');
  });
});
