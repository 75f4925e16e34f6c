/**
 * A key resource's `Tags` property ([{Key, Value}]) resolved as far as the template allows, for the exemption
 * tag. What cannot be known before deployment fails closed: a tag key or a value of the exemption tag that stays
 * unknown could be the exemption tag written twice, or an empty one, so it accepts nothing.
 */
import { isRecord } from './own-keys';
import { resolveValue, Unresolved, type TemplateContext } from './resolve';

export type TemplateTagValues =
  /** Every value the resource gives the tag, in order (none, one, or several when written twice). */
  | { readonly known: true; readonly values: unknown[] }
  /** What stays unknown, for a person. */
  | { readonly known: false; readonly reason: string };

/** The values the resource's `Tags` give `tagKey`, intrinsics resolved; unknown when anything that could matter is. */
export function templateTagValues(tags: unknown, tagKey: string, ctx: TemplateContext): TemplateTagValues {
  if (tags === undefined) return { known: true, values: [] };
  const resolved = resolveValue(tags, ctx);
  if (resolved instanceof Unresolved) return { known: false, reason: `the Tags list is known only at deployment (${resolved.reason})` };
  if (!Array.isArray(resolved)) return { known: true, values: [] };
  const values: unknown[] = [];
  for (const [i, tag] of resolved.entries()) {
    if (tag instanceof Unresolved) return { known: false, reason: `Tags[${i}] is known only at deployment (${tag.reason})` };
    if (!isRecord(tag)) continue;
    if (tag.Key instanceof Unresolved) return { known: false, reason: `a tag key (Tags[${i}].Key) is known only at deployment (${tag.Key.reason}) and may be ${tagKey}` };
    // CloudFormation reads a number or boolean key as its text (YAML `Key: 2024` is the tag "2024"); a key of any
    // other shape is no tag key the template could deploy, and is not ours.
    const key = typeof tag.Key === 'number' || typeof tag.Key === 'boolean' ? String(tag.Key) : tag.Key;
    if (key !== tagKey) continue;
    if (tag.Value instanceof Unresolved) return { known: false, reason: `its value (Tags[${i}].Value) is known only at deployment (${tag.Value.reason})` };
    values.push(tag.Value);
  }
  return { known: true, values };
}
