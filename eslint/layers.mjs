/**
 * The project's layers, bottom first. A file may import from its own folder and from layers below its own,
 * never from a layer above or beside it. Folders not listed (test/, bench/, scripts/) sit above everything.
 * Outside engine/, the engine is reached only through engine/index.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file's folder's parent, whatever directory eslint runs from. */
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export const LAYERS = [
  ['engine'],
  ['runtime'],
  ['aws'],
  ['templates', 'suppress', 'settings'],
  ['rule', 'remediation', 'hook', 'cli'],
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
      computed: 'Import with a plain string so the layers can be checked: a computed module name could point anywhere.',
      impure: "engine/ is pure and imports only its own files, not '{{spec}}': do the I/O in the caller (cli/, rule/, remediation/).",
    },
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const from = topFolder(file);
    const fromLayer = layerOf(from);
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        if (from === 'engine') context.report({ node, messageId: 'impure', data: { spec } });
        return;
      }
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
    /** A module name written as a string (or a template without expressions); undefined when computed. */
    const literal = (node) => {
      if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
      if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked;
      return undefined;
    };
    const checkArgument = (node, arg) => {
      const spec = literal(arg);
      // test/, bench/ and scripts/ sit above every layer: what they load by a computed name cannot break one.
      if (spec === undefined) {
        if (fromLayer !== -1) context.report({ node, messageId: 'computed' });
      } else check(arg, spec);
    };
    const source = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression: (node) => checkArgument(node, node.source),
      TSImportType: (node) => {
        const arg = node.argument?.literal ?? node.argument;
        checkArgument(node, arg);
      },
      TSImportEqualsDeclaration: (node) => {
        if (node.moduleReference.type === 'TSExternalModuleReference') checkArgument(node, node.moduleReference.expression);
      },
      CallExpression: (node) => {
        const callee = node.callee;
        const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? callee.property.name : '';
        const isRequire = callee.type === 'Identifier' && callee.name === 'require';
        const isJest = callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.object.name === 'jest';
        if (!isRequire && !(isJest && ['mock', 'requireActual', 'requireMock', 'doMock', 'unmock'].includes(name))) return;
        checkArgument(node, node.arguments[0]);
      },
    };
  },
};

function describe() {
  return LAYERS.map((layer) => layer.join(' | ')).join(' < ');
}

export default { rules: { 'only-down': rule } };
