/** Every link between the docs, and every .md file they name, leads somewhere that exists. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const repo = join(__dirname, '..', '..');
const DOCS = ['README.md', 'conformance-pack/README.md', ...readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(join(repo, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')));
}

describe.each(DOCS)('%s', (doc) => {
  const text = readFileSync(join(repo, doc), 'utf8');

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? doc : relative(repo, join(repo, dirname(doc), path));
      if (!existsSync(join(repo, file))) broken.push(`${target}: no file ${file}`);
      else if (anchor !== undefined && file.endsWith('.md') && !anchors(file).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${file}`);
    }
    expect(broken).toEqual([]);
  });

  it('names only .md files that exist', () => {
    const named = [...text.matchAll(/`([\w./-]+\.md)`/g)].map((m) => m[1] ?? '');
    expect(named.filter((f) => !existsSync(join(repo, f)) && !existsSync(join(repo, dirname(doc), f)))).toEqual([]);
    expect(text).not.toMatch(/the rule's README/i);
  });
});
