/** The access details the HTML report shows for one analysed key policy. */
import { accessMatrix, type AnalysisResult, type KeyGrant } from '../engine';
import type { AccessDetails } from './report';

/** The statements of a policy (JSON text or an object), in order; none when it has none or cannot be read. */
export function statementsOf(document: unknown): unknown[] {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return [];
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return [];
  const statement = (doc as Record<string, unknown>).Statement;
  if (Array.isArray(statement)) return statement;
  // A single statement object is valid IAM grammar.
  return statement === undefined ? [] : [statement];
}

/** `document` is the policy as analysed: JSON text or an already-resolved object; `grants`, the key's grants when read. */
export function accessDetails(result: AnalysisResult, document: unknown, grants?: readonly KeyGrant[]): AccessDetails {
  const sids = new Map(result.policy?.statements.map((s) => [s.index, s.sid]) ?? []);
  return {
    ...(grants === undefined ? {} : { grants: grants.map((g) => ({ grantId: g.grantId, json: g })) }),
    matrix: accessMatrix(result.summary),
    statements: statementsOf(document).map((json, index) => {
      const sid = sids.get(index);
      return sid === undefined ? { index, json } : { index, sid, json };
    }),
  };
}
