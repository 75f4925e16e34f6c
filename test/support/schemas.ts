/** Validates output against the minimal JSON Schemas kept in test/fixtures/schemas (ASFF, OCSF, the JSON report). */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SCHEMAS = join(__dirname, '..', 'fixtures', 'schemas');

function compile(file: string): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as object);
}

const validators = new Map<string, ValidateFunction>();

/** The schema's errors for `value` (empty when valid), each as `path message`. */
export function schemaErrors(file: 'asff-batch-import.schema.json' | 'ocsf-detection-finding.schema.json' | 'json-report.schema.json', value: unknown): string[] {
  let validate = validators.get(file);
  if (validate === undefined) {
    validate = compile(file);
    validators.set(file, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
