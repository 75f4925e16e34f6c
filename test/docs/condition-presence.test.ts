import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRESENCE_DOCS_PATH, withPresenceTable } from '../../scripts/generate-presence-docs';

const doc = readFileSync(PRESENCE_DOCS_PATH, 'utf8');

describe('docs/condition-presence.md', () => {
  it('carries the presence table generated from the model (run npm run docs:presence)', () => {
    expect(withPresenceTable(doc)).toBe(doc);
  });

  it('shows the classes the analysis now reads per request', () => {
    expect(doc).toContain('| `kms:GrantOperations` | CreateGrant | present | present | present |');
    expect(doc).toContain('| `kms:GrantOperations` | every other action | absent | absent | absent |');
    expect(doc).toContain('| `aws:SourceArn` | every action | absent | optional | optional |');
    expect(doc).toContain('| `aws:PrincipalOrgID` | every action | optional | absent | optional |');
    expect(doc).toContain('| `aws:PrincipalIsAWSService` | every action | present (`false`) | present (`true`) | present |');
  });

  it('says how the analysis uses the model, and that optional, unknown and later actions remove nothing', () => {
    expect(doc).not.toContain('does not consult it yet');
    expect(doc).toContain('`optional` and `unknown` never\n> remove anything, and neither do actions AWS adds after the data was generated');
  });

  it('is linked from the README where the engine reads conditions', () => {
    expect(readFileSync(join(__dirname, '../../README.md'), 'utf8')).toContain('[which requests carry which keys](docs/condition-presence.md)');
  });
});
