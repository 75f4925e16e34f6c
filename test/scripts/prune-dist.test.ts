import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pruneDist, reachableFiles } from '../../scripts/prune-dist';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kpg-prune-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('pruneDist', () => {
  const dist = tree({
    'engine/index.js': 'const a = require("./analyze");\nconst d = require("./data/actions.json");',
    'engine/index.d.ts': "export * from './analyze';\nexport type { T } from \"./types\";",
    'engine/analyze.js': "exports.x = 1;",
    'engine/analyze.d.ts': "export declare const x: import('./types').T;",
    'engine/types.d.ts': 'export type T = number;',
    'engine/types.js': '"use strict";',
    'engine/data/actions.json': '{}',
    'cli/main.js': "async function f() { return import('./commands/scan.js'); }\nrequire('../engine');",
    'cli/main.d.ts': 'export {};',
    'cli/commands/scan.js': "require('../../aws/clients');",
    'aws/clients.js': "require('@aws-sdk/client-kms');",
    'rule/handler.js': "require('@aws-lambda-powertools/logger');",
    'rule/handler.d.ts': 'export {};',
    'lambda/rule/index.js': 'bundle',
    'lambda/rule/THIRD-PARTY-NOTICES.txt': 'notices',
    'sbom.cdx.json': '{}',
  });
  const removed = pruneDist(dist, { js: ['engine/index.js', 'cli/main.js'], dts: ['engine/index.d.ts'] });

  it('removes what no entry point reaches: Lambda-only modules, type-only JavaScript, undeclared declarations', () => {
    expect(removed).toEqual(['cli/main.d.ts', 'engine/types.js', 'rule/handler.d.ts', 'rule/handler.js']);
  });

  it('keeps what require, lazy import(), JSON data and declaration imports (from, import types) reach; dist/lambda and top-level files stay', () => {
    for (const f of ['engine/analyze.js', 'engine/data/actions.json', 'cli/commands/scan.js', 'aws/clients.js', 'engine/types.d.ts', 'engine/analyze.d.ts', 'lambda/rule/index.js', 'lambda/rule/THIRD-PARTY-NOTICES.txt', 'sbom.cdx.json']) {
      expect(existsSync(join(dist, f))).toBe(true);
    }
  });

  it('a specifier that resolves to no file is an error naming it, never a silently broken package', () => {
    const broken = tree({ 'index.js': 'require("./gone");' });
    expect(() => reachableFiles([join(broken, 'index.js')], '.js')).toThrow('imports ./gone, which is not in the build');
  });
});
