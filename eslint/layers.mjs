/**
 * The project's layers, bottom first. A file may import from its own folder and from layers below its own,
 * never from a layer above or beside it. Folders not listed (test/, bench/, scripts/) sit above everything.
 * Outside engine/, the engine is reached only through engine/index.ts.
 */
import path from 'node:path';

export const LAYERS = [
  ['engine'],
  ['runtime'],
  ['aws'],
  ['rule', 'remediation', 'cli'],
  ['infra'],
];

/** Tests of the engine's own parts may import them directly; every other file goes through the index. */
const ENGINE_INTERNALS_ALLOWED = ['test/engine/'];

const layerOf = (folder) => LAYERS.findIndex((layer) => layer.includes(folder));

function topFolder(repoPath) {
  const first = repoPath.split('/')[0];
  return repoPath.includes('/') ? first : '';
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point only down the layers, and reach the engine only through engine/index.ts' },
    schema: [],
    messages: {
      upward: "{{from}}/ may not import {{to}}/ ('{{spec}}'): {{to}}/ is a layer above {{from}}/. Layers, bottom first: {{layers}}.",
      sideways: "{{from}}/ may not import {{to}}/ ('{{spec}}'): both are in the same layer. Move what they share into a layer below ({{layers}}).",
      facade: "Import the engine through engine/index.ts, not '{{spec}}': only the engine's own files and tests under test/engine/ reach inside it.",
    },
  },
  create(context) {
    const root = context.cwd ?? process.cwd();
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const from = topFolder(file);
    const fromLayer = layerOf(from);
    function check(node, spec) {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const to = topFolder(target) || target;
      if (to === 'engine' && from !== 'engine' && target !== 'engine' && target !== 'engine/index' &&
          !ENGINE_INTERNALS_ALLOWED.some((prefix) => file.startsWith(prefix))) {
        context.report({ node, messageId: 'facade', data: { spec } });
      }
      if (to === from || fromLayer === -1) return;
      const toLayer = layerOf(to);
      if (toLayer === -1) {
        // Above every layer (test/, bench/, scripts/): only those folders may import them.
        context.report({ node, messageId: 'upward', data: { from, to, spec, layers: describe() } });
      } else if (toLayer > fromLayer) {
        context.report({ node, messageId: 'upward', data: { from, to, spec, layers: describe() } });
      } else if (toLayer === fromLayer) {
        context.report({ node, messageId: 'sideways', data: { from, to, spec, layers: describe() } });
      }
    }
    const source = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportType: (node) => {
        const arg = node.argument?.literal ?? node.argument;
        if (arg && arg.type === 'Literal') check(node, arg.value);
      },
      CallExpression: (node) => {
        const callee = node.callee;
        const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? callee.property.name : '';
        if (!['require', 'mock', 'requireActual', 'requireMock', 'doMock'].includes(name)) return;
        const arg = node.arguments[0];
        if (arg && arg.type === 'Literal') check(arg, arg.value);
      },
    };
  },
};

function describe() {
  return LAYERS.map((layer) => layer.join(' | ')).join(' < ');
}

export default { rules: { 'only-down': rule } };
