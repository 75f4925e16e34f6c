import type { EffectiveAccess } from '../../engine';
import { terminalSafe as t } from './safe-text';

const SHOWN = 5;

/** Lines naming who can use and administer a key: the count, the first few principals, and whether the answer is complete. */
export function effectiveAccessLines(ea: EffectiveAccess): string[] {
  const users = ea.principals.filter((p) => p.use !== 'none');
  const admins = ea.principals.filter((p) => p.administer !== 'none');
  const name = (p: EffectiveAccess['principals'][number], level: string): string => `${t(p.arn)}${level === 'conditional' ? ' (conditional)' : ''}`;
  const list = (ps: EffectiveAccess['principals'], key: 'use' | 'administer'): string =>
    ps.length === 0 ? '' : `: ${ps.slice(0, SHOWN).map((p) => name(p, p[key])).join(', ')}${ps.length > SHOWN ? `, and ${ps.length - SHOWN} more` : ''}`;
  const lines = [
    `    effective access: ${users.length} principal${users.length === 1 ? '' : 's'} can use the key${list(users, 'use')}`,
    `                      ${admins.length} can administer it${list(admins, 'administer')}`,
  ];
  if (!ea.complete) lines.push(`                      incomplete: ${ea.incompleteReasons.map(t).join('; ')}`);
  return lines;
}
