/**
 * Check ids are spelt once, in the engine's check files; everything else names them through the engine's
 * `CHECK` (or takes them from `CHECK_IDS`), so a renamed or misspelt id is a compile error rather than a
 * comparison that silently never matches. Tests, fixtures and docs may spell them: they pin the public contract.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { CHECK_IDS } from '../../engine';

const root = join(__dirname, '..', '..');
const SOURCE_FOLDERS = ['runtime', 'aws', 'templates', 'suppress', 'settings', 'rule', 'remediation', 'hook', 'cli', 'infra', 'scripts', 'bench'];
const idPattern = new RegExp(`\\b(${CHECK_IDS.join('|')})\\b`, 'g');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every check id inside a string or template literal of `file`, with its line. */
function checkIdLiterals(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      for (const match of node.text.matchAll(idPattern)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        found.push(`${relative(root, file)}:${line}: ${match[0]}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('check ids outside the engine', () => {
  it('the scan finds an id in a plain string, a template and a message', () => {
    const text = "const a = 'INVALID_POLICY';\nconst b = `${x} PUBLIC_ACCESS`;\nconst c = \"cannot disable ACCOUNT_WIDE_USAGE here\";\nconst d = CHECK.INVALID_POLICY;\n";
    expect(checkIdLiterals(join(root, 'cli', 'x.ts'), text)).toEqual(['cli/x.ts:1: INVALID_POLICY', 'cli/x.ts:2: PUBLIC_ACCESS', 'cli/x.ts:3: ACCOUNT_WIDE_USAGE']);
  });

  it.each(SOURCE_FOLDERS)('no source file in %s/ spells a check id as a string', (folder) => {
    const found = sourceFiles(folder).flatMap((file) => checkIdLiterals(file, readFileSync(file, 'utf8')));
    expect(found).toEqual([]);
  });
});
