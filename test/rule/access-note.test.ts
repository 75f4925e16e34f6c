/** The note of who can use a key, and its place after the findings within Config's 256 characters (pure). */
import type { EffectiveAccess, EffectivePrincipal } from '../../engine';
import { accessAsked, accessNoteText, shortPrincipalName } from '../../rule/access-note';
import { joinWithTail, MAX_ANNOTATION_LENGTH } from '../../rule/annotation';

const principal = (arn: string, type: EffectivePrincipal['type'], use: EffectivePrincipal['use'], administer: EffectivePrincipal['administer'] = 'none'): EffectivePrincipal => ({ arn, type, use, administer, via: [] });
const answer = (principals: EffectivePrincipal[]): EffectiveAccess => ({ complete: true, incompleteReasons: [], notCovered: [], principals });

describe('accessAsked', () => {
  it.each([
    [['ACCOUNT_WIDE_FULL_ACCESS'], 'use'],
    [['PUBLIC_ACCESS', 'ACCOUNT_WIDE_USAGE'], 'use'],
    [['ACCOUNT_WIDE_ADMINISTRATION'], 'administer'],
    [['ACCOUNT_WIDE_ADMINISTRATION', 'ACCOUNT_WIDE_USAGE'], 'use'],
    [['PUBLIC_ACCESS'], undefined],
  ] as const)('%j → %s', (ids, level) => expect(accessAsked(ids)).toBe(level));
});

describe('shortPrincipalName', () => {
  it.each([
    [principal('arn:aws:iam::111122223333:role/service-role/team/app', 'role', 'unconditional'), 'role/app'],
    [principal('arn:aws:iam::111122223333:user/bob', 'user', 'unconditional'), 'user/bob'],
    [principal('arn:aws:iam::111122223333:root', 'root', 'unconditional'), 'root'],
  ])('%s', (p, name) => expect(shortPrincipalName(p)).toBe(name));
});

describe('accessNoteText', () => {
  const principals = [
    principal('arn:aws:iam::111122223333:role/admin', 'role', 'conditional', 'unconditional'),
    principal('arn:aws:iam::111122223333:role/app', 'role', 'unconditional'),
    principal('arn:aws:iam::111122223333:role/ops', 'role', 'none', 'unconditional'),
    principal('arn:aws:iam::111122223333:root', 'root', 'unconditional', 'unconditional'),
  ];

  it('counts who can use, conditional ones said, unconditional names first; those who can only administer are not counted', () => {
    const text = accessNoteText({ kind: 'answered', level: 'use', access: answer(principals), incomplete: [] });
    expect(text.shortest).toBe('usable by 3 principals (1 under conditions)');
    expect(text.within(256)).toBe('usable by 3 principals (1 under conditions): role/app, root, role/admin');
  });

  it('speaks of administration when that is what the key policy hands over', () => {
    const text = accessNoteText({ kind: 'answered', level: 'administer', access: answer(principals), incomplete: [] });
    expect(text.within(256)).toBe('administrable by 3 principals: role/admin, role/ops, root');
  });

  it('says when nobody can, and when the answer is incomplete, whatever the room', () => {
    const text = accessNoteText({ kind: 'answered', level: 'use', access: answer([]), incomplete: ['SCPs not readable', 'grants not read'] });
    expect(text.within(10)).toBe('usable by no principal of the account; effective access incomplete: SCPs not readable, grants not read');
    expect(accessNoteText({ kind: 'unanswered', reason: 'IAM not readable (AccessDeniedException)' }).within(256)).toBe(
      'effective access incomplete: IAM not readable (AccessDeniedException)',
    );
  });

  it('names only whole names, the others counted, within the room given', () => {
    const text = accessNoteText({ kind: 'answered', level: 'use', access: answer(principals), incomplete: [] });
    expect(text.within(64)).toBe('usable by 3 principals (1 under conditions): role/app …[+2 more]');
    expect(text.within(63)).toBe('usable by 3 principals (1 under conditions)');
  });
});

describe('joinWithTail', () => {
  const tail = accessNoteText({ kind: 'unanswered', reason: 'IAM not read in time' });

  it('keeps the tail whole and cuts the parts, counting those left out', () => {
    const parts = Array.from({ length: 10 }, (_, i) => `ACCOUNT_WIDE_FULL_ACCESS arn:aws:iam::11112222333${i}:root`);
    const text = joinWithTail(parts, tail);
    expect(text.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    expect(text.endsWith('; effective access incomplete: IAM not read in time')).toBe(true);
    expect(text).toMatch(/…\[\+\d+ more\]; effective access/);
  });

  it('is the parts then the tail when both fit', () => {
    expect(joinWithTail(['A', 'B'], tail)).toBe('A; B; effective access incomplete: IAM not read in time');
  });
});
