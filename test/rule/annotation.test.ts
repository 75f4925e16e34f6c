import fc from 'fast-check';
import { clip, describeFinding, findingsAnnotation, joinWithinLimit, MAX_ANNOTATION_LENGTH, mostSevereFirst } from '../../rule/annotation';
import { CHECK_IDS, SEVERITIES } from '../../engine';
import { finding } from './support';

/** True when the text holds a high surrogate not followed by a low one, or a low one not preceded by a high one. */
function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('annotations', () => {
  it('names check id, principal and Sid', () => {
    expect(
      describeFinding(
        finding({
          checkId: 'ACCOUNT_WIDE_FULL_ACCESS',
          severity: 'high',
          principals: ['arn:aws:iam::111122223333:root'],
          sids: ['Enable IAM User Permissions'],
        }),
      ),
    ).toBe('ACCOUNT_WIDE_FULL_ACCESS arn:aws:iam::111122223333:root (Sid "Enable IAM User Permissions")');
    expect(describeFinding(finding({ checkId: 'PUBLIC_ACCESS', severity: 'critical', principals: ['*', 'b', 'c'] }))).toBe(
      'PUBLIC_ACCESS * +2',
    );
  });

  it('lists the most severe findings first', () => {
    const text = findingsAnnotation([
      finding({ checkId: 'ALLOW_WITH_NEGATION', severity: 'low' }),
      finding({ checkId: 'PUBLIC_ACCESS', severity: 'critical', principals: ['*'] }),
      finding({ checkId: 'ACCOUNT_WIDE_USAGE', severity: 'medium' }),
    ]);
    expect(text).toBe('PUBLIC_ACCESS *; ACCOUNT_WIDE_USAGE; ALLOW_WITH_NEGATION');
  });

  it('cuts at 256 characters with a visible count of what was left out', () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      finding({ checkId: 'UNTRUSTED_CROSS_ACCOUNT', severity: 'high', principals: [`arn:aws:iam::${String(444455556600 + i)}:role/partner-integration`] }),
    );
    const text = findingsAnnotation(many);
    expect(text.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    const match = /…\[\+(\d+) more\]$/.exec(text);
    expect(match).not.toBeNull();
    const shown = text.split('; ').length;
    expect(shown + Number(match?.[1])).toBe(12);
  });

  it('clips a single part that is too long on its own', () => {
    const text = joinWithinLimit(['x'.repeat(400), 'y']);
    expect(text.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    expect(text.length).toBe(MAX_ANNOTATION_LENGTH);
    expect(text.endsWith('x… …[+1 more]')).toBe(true);
  });

  it('never cuts a surrogate pair in two', () => {
    // U+2000B is one character, two UTF-16 code units; 252 + 3 × 2 = 258 units, so the cut falls inside the second.
    const text = clip(`${'a'.repeat(252)}${'\u{2000B}'.repeat(3)}`);
    expect(text).toBe(`${'a'.repeat(252)}\u{2000B}…`);
    expect(text.length).toBe(255);
    expect(hasLoneSurrogate(text)).toBe(false);
  });

  it('cuts on a code-point boundary and stays within 256 code units (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 2, max: 300 }), (input, limit) => {
        const text = clip(input, limit);
        expect(text.length).toBeLessThanOrEqual(Math.max(limit, 1));
        if (!hasLoneSurrogate(input)) expect(hasLoneSurrogate(text)).toBe(false);
        if (input.length > limit) expect(input.startsWith(text.slice(0, -1))).toBe(true);
      }),
    );
  });

  it('clip leaves short text alone', () => {
    expect(clip('short')).toBe('short');
    expect(clip('abcdef', 4)).toBe('abc…');
  });

  it('never exceeds 256 characters and never hides findings silently (property)', () => {
    const arbFinding = fc.record({
      checkId: fc.constantFrom(...CHECK_IDS),
      severity: fc.constantFrom(...SEVERITIES),
      principals: fc.array(fc.string({ maxLength: 120 }), { maxLength: 3 }),
      sids: fc.array(fc.option(fc.string({ maxLength: 80 }), { nil: undefined }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(fc.array(arbFinding, { minLength: 1, maxLength: 40 }), (parts) => {
        const findings = parts.map((p) => finding(p));
        const text = findingsAnnotation(findings);
        expect(text.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
        const more = /…\[\+(\d+) more\]$/.exec(text);
        const full = mostSevereFirst(findings).map(describeFinding).join('; ');
        if (more === null) expect(text).toBe(full);
        else expect(Number(more[1])).toBeGreaterThan(0);
      }),
    );
  });
});
