import { readFileSync } from 'node:fs';
import { CHECKS } from '../../engine';
import { KMS_KEY_POLICY_NO_PUBLIC_ACCESS_MISSING_REGIONS, MANAGED_RULES } from '../../infra/managed-rules';
import { checkTable, PACK_README_PATH, ruleTable, withPackMapping } from '../../scripts/generate-pack-docs';

const doc = readFileSync(PACK_README_PATH, 'utf8');

describe('conformance-pack/README.md', () => {
  it('carries the mapping generated from the checks\' metadata and infra/managed-rules.ts (run npm run docs:pack)', () => {
    expect(withPackMapping(doc)).toBe(doc);
  });

  it('is refused when a mapping changes and the README is not regenerated', () => {
    const stale = doc.replace('| 3.6 | 3.8 | KMS.4 |', '| 3.6 | 3.8 | KMS.9 |');
    expect(stale).not.toBe(doc);
    expect(withPackMapping(stale)).not.toBe(stale);
  });

  it('has one row per rule of the pack and one per check, "none" where nothing maps', () => {
    const rules = ruleTable().split('\n').slice(2);
    expect(rules).toHaveLength(MANAGED_RULES.length + 1);
    expect(rules[0]).toBe(
      '| `kms-policy-guard-key-policy` | `CUSTOM_LAMBDA` (this project) | none | none | KMS.5 | Dangerous key policies and grants, one finding per check (next table). CIS has no key-policy recommendation. |',
    );
    expect(rules).toContain(
      '| `cmk-backing-key-rotation-enabled` | `CMK_BACKING_KEY_ROTATION_ENABLED` | 3.6 | 3.8 | KMS.4 | Customer managed symmetric keys rotate their key material (periodic rule). |',
    );
    const checks = checkTable().split('\n').slice(2);
    expect(checks.map((line) => /\| `([A-Z_]+)` \|/.exec(line)?.[1])).toEqual(CHECKS.map((c) => c.meta.id));
    expect(checks.find((line) => line.includes('`INVALID_POLICY`'))).toBe(
      '| The key policy cannot be parsed or breaks the policy grammar | `INVALID_POLICY` | none | none | none | |',
    );
  });

  it('lists every Region that lacks KMS_KEY_POLICY_NO_PUBLIC_ACCESS, GovCloud, Calgary and Malaysia among them', () => {
    for (const { region } of KMS_KEY_POLICY_NO_PUBLIC_ACCESS_MISSING_REGIONS) expect(doc).toContain(`- \`${region}\`:`);
    for (const region of ['us-gov-west-1', 'us-gov-east-1', 'ca-west-1', 'ap-southeast-5']) expect(doc).toContain(`- \`${region}\`:`);
  });
});
