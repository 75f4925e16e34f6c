/** docs/default-key-policy.md shows the example stack as it is, and names the settings it describes as they are. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_KEY, MIN_REASON_LENGTH } from '../../suppress';
import { RULE_PARAMETER_SPEC } from '../../settings/parameter-spec';

const repo = join(__dirname, '..', '..');
const page = readFileSync(join(repo, 'docs', 'default-key-policy.md'), 'utf8');

/** The fenced blocks that follow an `<!-- example: path -->` marker, by path. */
function examples(text: string): Map<string, string> {
  return new Map([...text.matchAll(/<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

describe('docs/default-key-policy.md', () => {
  it('shows examples/cdk/recommended-key.ts exactly as the file is (the test in test/examples/ judges the file)', () => {
    const shown = examples(page);
    expect([...shown.keys()]).toEqual(['examples/cdk/recommended-key.ts']);
    expect(shown.get('examples/cdk/recommended-key.ts')).toBe(readFileSync(join(repo, 'examples', 'cdk', 'recommended-key.ts'), 'utf8'));
  });

  it('names the inline suppression block, its reason length and the rule parameters as the code does', () => {
    expect(page).toContain(`        ${METADATA_KEY}:\n          suppress:`);
    expect(page).toContain(`addMetadata('${METADATA_KEY}'`);
    expect(page).toContain(`at least ${MIN_REASON_LENGTH} characters`);
    expect(page).toContain(`\`${RULE_PARAMETER_SPEC.exemptionTagKey.name}\``);
    expect(page).toContain(`\`${RULE_PARAMETER_SPEC.nonSuppressibleChecks.name}\` — by default \`${RULE_PARAMETER_SPEC.nonSuppressibleChecks.format([...(RULE_PARAMETER_SPEC.nonSuppressibleChecks.default ?? [])])}\``);
  });
});
