// Lints snippets placed at given paths with the project's eslint config; reads [[file, code], …] on stdin and
// prints, for each, the messages of the layer and purity rules. Run in its own process because the config is
// an ES module, which jest's CommonJS runtime cannot load.
import { ESLint } from 'eslint';
import { join } from 'node:path';

const root = process.argv[2];
const cases = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => (text += chunk)).on('end', () => resolve(text));
}));
const eslint = new ESLint({ cwd: root });
const out = [];
for (const [file, code] of cases) {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  out.push(result.messages.filter((m) => ['layers/only-down', 'no-restricted-imports', 'no-restricted-globals'].includes(m.ruleId) || m.fatal).map((m) => `${m.ruleId}: ${m.message}`));
}
process.stdout.write(JSON.stringify(out));
