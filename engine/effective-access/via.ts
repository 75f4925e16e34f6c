/**
 * The policy elements named in `via`: each made once (per statement, per grant) and numbered, so that the
 * answer for thousands of principals shares one AccessVia per element and per decision rather than building
 * one per principal.
 */
import type { AccessVia } from './types';

export type ViaElement = Omit<AccessVia, 'decides'>;

export interface ViaSource {
  readonly element: ViaElement;
  /** The AccessVia for each decision (1 use, 2 administer, 3 both), made once and frozen: answers share them. */
  readonly made: (AccessVia | undefined)[];
  /** The last principal's answer this element was listed in (see viaList). */
  stamp: number;
}

export function viaSource(source: AccessVia['source'], effect: AccessVia['effect'], fields: { policy?: string; statementIndex?: number; sid?: string; grantId?: string } = {}): ViaSource {
  const element: ViaElement = { source, effect };
  if (fields.policy !== undefined) element.policy = fields.policy;
  if (fields.statementIndex !== undefined) element.statementIndex = fields.statementIndex;
  if (fields.sid !== undefined) element.sid = fields.sid;
  if (fields.grantId !== undefined) element.grantId = fields.grantId;
  return { element, made: [undefined, undefined, undefined, undefined], stamp: 0 };
}

const DECIDES: readonly (readonly ('use' | 'administer')[])[] = [[], Object.freeze(['use']), Object.freeze(['administer']), Object.freeze(['use', 'administer'])];

/** The frozen AccessVia of an element for a decision mask (1 use, 2 administer, 3 both). */
export function accessVia(src: ViaSource, mask: 1 | 2 | 3): AccessVia {
  let via = src.made[mask];
  if (!via) {
    via = Object.freeze({ ...src.element, decides: DECIDES[mask] as readonly ('use' | 'administer')[] });
    src.made[mask] = via;
  }
  return via;
}

let stamps = 0;

/** A number no answer has used yet, to list each element once per answer. */
export function nextStamp(): number {
  return ++stamps;
}
