/** Reading and building objects from template data. */

/**
 * Template keys are data, and one named `__proto__` is as real as any other: IAM reads a condition key or
 * operator of that name literally. Assigned with `out[key] = value`, such a key sets the copy's prototype (or is
 * dropped) instead, so a condition would vanish from the policy judged. Every object built from a template's own
 * keys is filled through this.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `record[key]` when the template wrote that key: never a property every object inherits (`constructor`, `__proto__`). */
export function getOwn(record: Record<string, unknown> | undefined, key: string): unknown {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A JSON object (not null, not a list). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
