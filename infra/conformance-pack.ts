/**
 * Reads the conformance pack template from conformance-pack/ (the single source of truth) and builds the
 * input parameters for it, refusing any parameter the template does not declare.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { ParameterSpec } from '../settings/parameter-spec';
import { PACKAGE_ROOT } from '../runtime/package-root';

export const CONFORMANCE_PACK_TEMPLATE_PATH = path.join(PACKAGE_ROOT, 'conformance-pack', 'kms-policy-guard-pack.yaml');

/** AWS Config rejects conformance pack templates larger than this (TemplateBody, bytes). */
export const CONFORMANCE_PACK_MAX_BYTES = 51_200;

export interface ConformancePackTemplate {
  /** The template text, passed to Config unchanged. */
  readonly body: string;
  /** Names of the template's Parameters. */
  readonly parameterNames: readonly string[];
  /** Parsed template, for inspection. */
  readonly document: { Parameters?: Record<string, unknown>; Resources?: Record<string, { Type?: string }> };
}

export function loadConformancePackTemplate(file = CONFORMANCE_PACK_TEMPLATE_PATH): ConformancePackTemplate {
  const body = readFileSync(file, 'utf8');
  const size = Buffer.byteLength(body, 'utf8');
  if (size > CONFORMANCE_PACK_MAX_BYTES) {
    throw new Error(`${file} is ${size} bytes; AWS Config accepts at most ${CONFORMANCE_PACK_MAX_BYTES}`);
  }
  const document = parse(body) as ConformancePackTemplate['document'];
  return { body, parameterNames: Object.keys(document.Parameters ?? {}), document };
}

export interface PackInputParameter {
  readonly parameterName: string;
  readonly parameterValue: string;
}

/** Input parameters for the pack, leaving out undefined values; throws on a name the template lacks. */
export function packInputParameters(
  template: ConformancePackTemplate,
  values: Record<string, string | undefined>,
): PackInputParameter[] {
  const out: PackInputParameter[] = [];
  for (const [parameterName, parameterValue] of Object.entries(values)) {
    if (!template.parameterNames.includes(parameterName)) {
      throw new Error(`the conformance pack template has no parameter ${parameterName}`);
    }
    if (parameterValue !== undefined) out.push({ parameterName, parameterValue });
  }
  return out;
}

/** A rule parameter as the pack declares it: a String, empty by default (the rule's own default applies). */
export interface PackParameterDefinition {
  readonly Type: 'String';
  readonly Default: '';
  readonly AllowedValues?: readonly string[];
  readonly AllowedPattern?: string;
  readonly Description: string;
}

/** The pack's declaration of a rule parameter, derived from the rule's spec (a test holds the YAML to it). */
export function packParameterDefinition(spec: ParameterSpec<unknown>): PackParameterDefinition {
  const constraint =
    'allowedValues' in spec.constraint ? { AllowedValues: spec.constraint.allowedValues } : { AllowedPattern: spec.constraint.allowedPattern };
  return { Type: 'String', Default: '', ...constraint, Description: spec.description };
}
