/**
 * Finding the key policies in infrastructure code: CloudFormation templates (JSON or YAML, and the
 * `*.template.json` files of a cdk.out cloud assembly) and Terraform plans in JSON (`terraform show -json`).
 * Each key becomes a `TemplateKey`: where it is, and its policy as written (or why it has none to read).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonLineLocator, type LineLocator } from '../output/sarif';
import { parseCfnYaml } from '../../templates/cfn-yaml';
import { duplicateKeysInJson, type Segments } from '../../templates/duplicates';
import { isRecord } from '../../templates/own-keys';

const CFN_KEY_TYPES = ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'] as const;
const TF_KEY_TYPES = ['aws_kms_key', 'aws_kms_replica_key', 'aws_kms_key_policy'] as const;

/** A document read from a path, parsed, with what the CDK manifest says of its environment. */
export interface SourceDocument {
  file: string;
  text: string;
  value: unknown;
  locate: LineLocator;
  /** Paths of keys written more than once in one object (the parsed value keeps the last). */
  duplicates: Segments[];
  /** From a cdk.out manifest: the stack's account and Region when the stack is environment-specific. */
  environment?: { account?: string; region?: string; stack: string };
  /** For a nested stack's template: the parent stack's resource and the values it passes as Parameters. */
  nestedIn?: NestedStackReference;
}

export type DocumentKind = 'cloudformation' | 'terraform-plan' | 'other';

export function documentKind(value: unknown): DocumentKind {
  if (!isRecord(value)) return 'other';
  if ('planned_values' in value || ('resource_changes' in value && 'format_version' in value)) return 'terraform-plan';
  if (isRecord(value.Resources)) return 'cloudformation';
  return 'other';
}

/**
 * Why a document that declares itself a CloudFormation template (an AWSTemplateFormatVersion, or a Resources
 * key) cannot be read as one: its Resources is missing or not a map of logical ids to resources. Such a
 * file is a broken template, which CloudFormation rejects; it is reported, never passed over as "not a
 * template", since the keys it was meant to declare were not judged. Undefined for anything else.
 */
export function brokenTemplate(value: unknown): string | undefined {
  if (!isRecord(value) || documentKind(value) !== 'other') return undefined;
  const declared = 'AWSTemplateFormatVersion' in value ? 'AWSTemplateFormatVersion' : 'Resources' in value ? 'a Resources key' : undefined;
  if (declared === undefined) return undefined;
  const r = value.Resources;
  const what = r === undefined ? 'has no Resources' : `its Resources is ${Array.isArray(r) ? 'a list' : r === null ? 'empty (null)' : `a ${typeof r}`}, not a map of logical ids to resources`;
  return `declares itself a CloudFormation template (${declared}) but ${what}: CloudFormation rejects it, and the keys it may declare were not judged`;
}

/** Parse JSON, or YAML with CloudFormation's short-form tags. Throws with a readable message. */
export function parseDocument(file: string, text: string): Pick<SourceDocument, 'value' | 'locate' | 'duplicates'> {
  const yamlName = /\.(ya?ml)$/i.test(file);
  if (!yamlName) {
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (e) {
      // .template files and stdin may be YAML; a .json file must be JSON.
      if (/\.json$/i.test(file)) throw new Error(`not valid JSON: ${(e as Error).message}`);
    }
    if (value !== undefined) {
      // JSON.parse reads any depth; the line locator gives up (no lines) on a document too deep for its
      // recursive parser, and the duplicate-key scan is iterative, so a hostile depth is still judged.
      return { value, locate: jsonLineLocator(text), duplicates: duplicateKeysInJson(text, value) };
    }
  }
  const parsed = parseCfnYaml(text);
  return { value: parsed.value, locate: parsed.locate, duplicates: parsed.duplicates };
}

/** A cdk.out directory: a cloud assembly manifest next to the templates. */
export async function isCloudAssembly(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'manifest.json'))).isFile();
  } catch {
    return false;
  }
}

export interface AssemblyTemplate {
  file: string;
  environment: { account?: string; region?: string; stack: string };
  /** Files of the assembly by S3 object key (`<hash>.json`), from its asset manifests: where nested templates are. */
  assets: Map<string, string>;
}

/** What a nested stack's template is given by its parent. */
export interface NestedStackReference {
  /**
   * The parent template as read for this reference, and the logical id of its AWS::CloudFormation::Stack
   * resource. A template nested by several stacks is one document per reference, each with its parent's values.
   */
  parent: SourceDocument;
  logicalId: string;
  /** The `Parameters` property of that resource, as written (the parent resolves them). */
  parameters: Record<string, unknown>;
}

/** A nested stack of a template, and the file its template is in when that can be told. */
export interface NestedStack {
  logicalId: string;
  /** The construct path of the nested stack (`Parent/Storage`), else `<parent stack>/<logical id>`. */
  stack: string;
  parameters: Record<string, unknown>;
  /** The local file holding its template, or why there is none to read. */
  template: { file: string } | { remote: string };
}

/** Asset manifests list each file asset with its source path and the S3 object key it is published under. */
async function assetFiles(dir: string, artifacts: Record<string, unknown>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const artifact of Object.values(artifacts)) {
    if (!isRecord(artifact) || artifact.type !== 'cdk:asset-manifest' || !isRecord(artifact.properties) || typeof artifact.properties.file !== 'string') continue;
    let manifest: unknown;
    try {
      manifest = JSON.parse(await readFile(join(dir, artifact.properties.file), 'utf8')) as unknown;
    } catch {
      // An asset manifest that cannot be read only matters if a nested template is looked up in it; that
      // lookup then fails and says so.
      continue;
    }
    const files = isRecord(manifest) && isRecord(manifest.files) ? manifest.files : {};
    for (const asset of Object.values(files)) {
      if (!isRecord(asset) || !isRecord(asset.source) || typeof asset.source.path !== 'string' || !isRecord(asset.destinations)) continue;
      for (const d of Object.values(asset.destinations)) {
        if (isRecord(d) && typeof d.objectKey === 'string') out.set(d.objectKey, join(dir, asset.source.path));
      }
    }
  }
  return out;
}

/**
 * The AWS::CloudFormation::Stack resources of a template. In a cloud assembly, `cdk synth` writes each nested
 * stack's template next to its parent (`*.nested.template.json`); the resource's `aws:asset:path` metadata
 * names it when asset metadata is on (the CDK CLI's default), and otherwise its TemplateURL ends in the S3
 * object key the asset manifest publishes that file under. Outside an assembly, a TemplateURL that is a
 * local path (as `aws cloudformation package` takes it) is read relative to the template.
 */
export function nestedStacks(template: Record<string, unknown>, dir: string, parentStack: string, assets: Map<string, string> | undefined): NestedStack[] {
  const resources = isRecord(template.Resources) ? template.Resources : {};
  const out: NestedStack[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isRecord(resource) || resource.Type !== 'AWS::CloudFormation::Stack') continue;
    const properties = isRecord(resource.Properties) ? resource.Properties : {};
    const metadata = isRecord(resource.Metadata) ? resource.Metadata : {};
    const cdkPath = typeof metadata['aws:cdk:path'] === 'string' ? metadata['aws:cdk:path'] : undefined;
    // `Parent/Storage.NestedStack/Storage.NestedStackResource` is the resource of the nested stack `Parent/Storage`.
    const stack = cdkPath !== undefined && /\.NestedStack\/[^/]*\.NestedStackResource$/.test(cdkPath) ? cdkPath.replace(/\.NestedStack\/[^/]*\.NestedStackResource$/, '') : `${parentStack}/${logicalId}`;
    const parameters = isRecord(properties.Parameters) ? properties.Parameters : {};
    const url = properties.TemplateURL;
    let templateRef: NestedStack['template'];
    const assetPath = metadata['aws:asset:path'];
    const objectKey = [...JSON.stringify(url ?? '').matchAll(/[0-9a-f]{64}\.json/g)].pop()?.[0];
    if (typeof assetPath === 'string') templateRef = { file: join(dir, assetPath) };
    else if (assets !== undefined && objectKey !== undefined && assets.has(objectKey)) templateRef = { file: assets.get(objectKey) as string };
    else if (typeof url === 'string' && !/^(https?|s3):\/\//i.test(url)) templateRef = { file: join(dir, url) };
    else templateRef = { remote: typeof url === 'string' ? url : objectKey !== undefined ? `the asset ${objectKey}` : 'a TemplateURL computed at deployment' };
    out.push({ logicalId, stack, parameters, template: templateRef });
  }
  return out;
}

/**
 * The stack templates a cloud assembly lists (nested assemblies of CDK stages included), with each stack's
 * environment (`aws://account/region`, where `unknown-account` means environment-agnostic).
 */
export async function assemblyTemplates(dir: string, depth = 0): Promise<AssemblyTemplate[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as unknown;
  const artifacts = isRecord(manifest) && isRecord(manifest.artifacts) ? manifest.artifacts : {};
  const out: AssemblyTemplate[] = [];
  const assets = await assetFiles(dir, artifacts);
  for (const [name, artifact] of Object.entries(artifacts)) {
    if (!isRecord(artifact) || !isRecord(artifact.properties)) continue;
    if (artifact.type === 'aws:cloudformation:stack' && typeof artifact.properties.templateFile === 'string') {
      const env = typeof artifact.environment === 'string' ? /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment) : null;
      const account = env?.[1];
      const region = env?.[2];
      out.push({
        file: join(dir, artifact.properties.templateFile),
        environment: {
          stack: typeof artifact.displayName === 'string' ? artifact.displayName : name,
          ...(account !== undefined && /^\d{12}$/.test(account) ? { account } : {}),
          ...(region !== undefined && region !== 'unknown-region' ? { region } : {}),
        },
        assets,
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && typeof artifact.properties.directoryName === 'string' && depth < 10) {
      out.push(...(await assemblyTemplates(join(dir, artifact.properties.directoryName), depth + 1)));
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Where a key policy sits and what is known of it. */
export interface TemplateKey {
  /** CloudFormation logical id, or the Terraform resource address. */
  logicalId: string;
  resourceType: string;
  /** Path from the document root to the policy (or to the resource, when it has none). */
  policyPath: (string | number)[];
  policy: { kind: 'written'; value: unknown } | { kind: 'default' } | { kind: 'unknown'; reason: string };
  /** The CDK construct path, when the template says (aws:cdk:path metadata). */
  cdkPath?: string;
}

export function cloudFormationKeys(template: Record<string, unknown>): TemplateKey[] {
  const resources = isRecord(template.Resources) ? template.Resources : {};
  const keys: TemplateKey[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isRecord(resource) || !(CFN_KEY_TYPES as readonly unknown[]).includes(resource.Type)) continue;
    const properties = isRecord(resource.Properties) ? resource.Properties : {};
    const cdkPath = isRecord(resource.Metadata) && typeof resource.Metadata['aws:cdk:path'] === 'string' ? resource.Metadata['aws:cdk:path'] : undefined;
    const written = 'KeyPolicy' in properties;
    keys.push({
      logicalId,
      resourceType: resource.Type as string,
      policyPath: written ? ['Resources', logicalId, 'Properties', 'KeyPolicy'] : ['Resources', logicalId],
      policy: written ? { kind: 'written', value: properties.KeyPolicy } : { kind: 'default' },
      ...(cdkPath !== undefined ? { cdkPath } : {}),
    });
  }
  return keys;
}

interface TfResource {
  address: string;
  type: string;
  values: Record<string, unknown> | undefined;
  path: (string | number)[];
}

function moduleResources(module: unknown, path: (string | number)[], out: TfResource[], depth = 0): void {
  if (!isRecord(module) || depth > 50) return;
  if (Array.isArray(module.resources)) {
    module.resources.forEach((r, i) => {
      if (isRecord(r) && typeof r.address === 'string' && typeof r.type === 'string' && r.mode !== 'data') {
        out.push({ address: r.address, type: r.type, values: isRecord(r.values) ? r.values : undefined, path: [...path, 'resources', i, 'values'] });
      }
    });
  }
  if (Array.isArray(module.child_modules)) module.child_modules.forEach((m, i) => moduleResources(m, [...path, 'child_modules', i], out, depth + 1));
}

/**
 * Key policies of a Terraform plan: `planned_values` (root and child modules) first, then any
 * `resource_changes[].change.after` not already seen. A policy Terraform only learns at apply time is
 * reported as unknown, never as clean.
 */
export function terraformKeys(plan: Record<string, unknown>): TemplateKey[] {
  const found: TfResource[] = [];
  moduleResources(isRecord(plan.planned_values) ? plan.planned_values.root_module : undefined, ['planned_values', 'root_module'], found);
  const unknownPolicy = new Set<string>();
  if (Array.isArray(plan.resource_changes)) {
    const seen = new Set(found.map((r) => r.address));
    plan.resource_changes.forEach((rc, i) => {
      if (!isRecord(rc) || typeof rc.address !== 'string' || typeof rc.type !== 'string' || !isRecord(rc.change)) return;
      const afterUnknown = rc.change.after_unknown;
      if (isRecord(afterUnknown) && afterUnknown.policy === true) unknownPolicy.add(rc.address);
      const actions = Array.isArray(rc.change.actions) ? rc.change.actions : [];
      if (seen.has(rc.address) || rc.mode === 'data' || (actions.length === 1 && actions[0] === 'delete')) return;
      found.push({ address: rc.address, type: rc.type, values: isRecord(rc.change.after) ? rc.change.after : undefined, path: ['resource_changes', i, 'change', 'after'] });
    });
  }
  return found
    .filter((r) => (TF_KEY_TYPES as readonly string[]).includes(r.type))
    .map((r): TemplateKey => {
      const policy = r.values?.policy;
      const base = { logicalId: r.address, resourceType: r.type };
      if (typeof policy === 'string' && policy !== '') return { ...base, policyPath: [...r.path, 'policy'], policy: { kind: 'written', value: policy } };
      // `policy` is optional and computed on aws_kms_key, so an omitted argument also shows as unknown in the
      // plan; the configuration tells the two apart. Only a key whose configuration sets no policy gets KMS's
      // default policy; one whose policy is computed at apply is unknown.
      const configured = policyConfigured(plan, r.address);
      if (r.type === 'aws_kms_key_policy' || configured === true || (configured === undefined && unknownPolicy.has(r.address))) {
        return { ...base, policyPath: r.path, policy: { kind: 'unknown', reason: 'the policy is known only after terraform apply (it is computed from values Terraform reads or creates during apply)' } };
      }
      return { ...base, policyPath: r.path, policy: { kind: 'default' } };
    });
}

/**
 * Whether the configuration sets `policy` on the resource at `address` (module.a.module.b.type.name[index]):
 * true / false, or undefined when the plan carries no configuration for it.
 */
function policyConfigured(plan: Record<string, unknown>, address: string): boolean | undefined {
  const parts = address.replace(/\[[^\]]*\]/g, '').split('.');
  let module: unknown = isRecord(plan.configuration) ? plan.configuration.root_module : undefined;
  while (parts[0] === 'module' && parts.length > 2) {
    const name = parts[1] as string;
    parts.splice(0, 2);
    const call = isRecord(module) && isRecord(module.module_calls) ? module.module_calls[name] : undefined;
    module = isRecord(call) ? call.module : undefined;
  }
  if (!isRecord(module) || !Array.isArray(module.resources)) return undefined;
  const local = parts.join('.');
  const resource = module.resources.find((r) => isRecord(r) && r.address === local);
  if (!isRecord(resource) || !isRecord(resource.expressions)) return undefined;
  return 'policy' in resource.expressions;
}

/** The account of `data.aws_caller_identity` when the plan read it, i.e. the account Terraform deploys to. */
export function terraformAccount(plan: Record<string, unknown>): string | undefined {
  const found: TfResource[] = [];
  const collect = (module: unknown) => {
    if (!isRecord(module)) return;
    for (const r of Array.isArray(module.resources) ? module.resources : []) {
      if (isRecord(r) && r.type === 'aws_caller_identity' && isRecord(r.values)) found.push({ address: String(r.address), type: r.type, values: r.values, path: [] });
    }
    for (const m of Array.isArray(module.child_modules) ? module.child_modules : []) collect(m);
  };
  for (const state of [plan.prior_state, plan.planned_values]) {
    if (!isRecord(state)) continue;
    collect(isRecord(state.values) ? state.values.root_module : state.root_module);
  }
  const account = found.map((r) => r.values?.account_id).find((a): a is string => typeof a === 'string' && /^\d{12}$/.test(a));
  return account;
}
