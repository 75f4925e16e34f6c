import { readFileSync } from 'node:fs';
import { PRESENCE_DOCS_PATH, withPresenceTable } from '../../scripts/generate-presence-docs';

const doc = readFileSync(PRESENCE_DOCS_PATH, 'utf8');

describe('docs/condition-presence.md', () => {
  it('carries the presence table generated from the model (run npm run docs:presence)', () => {
    expect(withPresenceTable(doc)).toBe(doc);
  });

  it('shows the classes the analysis over-reports today', () => {
    expect(doc).toContain('| `kms:GrantOperations` | CreateGrant | present | present | present |');
    expect(doc).toContain('| `kms:GrantOperations` | every other action | absent | absent | absent |');
    expect(doc).toContain('| `aws:SourceArn` | every action | absent | optional | optional |');
    expect(doc).toContain('| `aws:PrincipalOrgID` | every action | optional | absent | optional |');
    expect(doc).toContain('| `aws:PrincipalIsAWSService` | every action | present (`false`) | present (`true`) | present |');
  });

  it('says it documents the model, not yet what the analysis does', () => {
    expect(doc).toContain('The analysis does not consult it yet');
  });
});
