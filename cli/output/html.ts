/**
 * One self-contained HTML file: inline CSS and a few lines of inline JS, no network (a Content Security
 * Policy forbids any fetch and runs only the report's own script and style, named by their hashes), every
 * value HTML-escaped. A header (when, what and how the run judged: html-run.ts), a summary (keys by verdict,
 * findings by check), then the keys, worst first, each with its findings (fix, remediation, documentation
 * links), an access matrix (principal classes × action classes, coloured none / conditional /
 * unconditional, each cell linking to the statements behind it) and the statements themselves. When `scan`
 * computed effective access, a principals × keys view (who in the account can use or administer which key,
 * IAM included), and per key its principals with the policies that decide them.
 */
import { createHash } from 'node:crypto';
import { ACTION_CLASSES, ACTION_CLASS_LABELS, CHECKS, SEVERITIES, severityRank, type AccessVia, type CheckId, type CheckMeta, type EffectiveAccess, type EffectiveLevel, type EffectivePrincipal, type Severity } from '../../engine';
import { acceptanceLine, describeSuppression, entryNotJudged, hasAcceptance, type ReportFinding, type Report, type ResultEntry } from '../report';
import { runFacts } from './html-run';
import { htmlSafe } from './safe-text';

export type Verdict = Severity | 'unreadable' | 'unlisted' | 'accepted' | 'clean';
/** The verdicts in the order the report lists keys (see `rankOf`). */
const VERDICTS: readonly Verdict[] = ['critical', 'unlisted', 'unreadable', 'high', 'medium', 'low', 'info', 'accepted', 'clean'];
const VERDICT_LABELS: Record<Verdict, string> = {
  unlisted: 'Not listed',
  unreadable: 'Unreadable',
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
  accepted: 'Only accepted findings',
  clean: 'No findings',
};

/** HTML-escaped, with control characters and bidirectional overrides shown as visible `\uXXXX` (see safe-text.ts). */
export function escapeHtml(value: unknown): string {
  return htmlSafe(String(value)).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The key's verdict: unlisted for a scan entry that is no key (an account and Region, or an account, whose
 * keys could not be listed), unreadable, else its most severe finding not accepted, else accepted when all its
 * findings were (inline, baseline, exemption tag), else clean.
 */
function verdictOf(entry: ResultEntry): Verdict {
  if (entry.unlisted !== undefined) return 'unlisted';
  if (entry.error !== undefined && entry.findings.length === 0) return 'unreadable';
  let worst: Severity | undefined;
  for (const f of entry.findings) {
    if (f.suppression === undefined && (worst === undefined || severityRank(f.severity) > severityRank(worst))) worst = f.severity;
  }
  return worst ?? (entry.findings.length > 0 ? 'accepted' : 'clean');
}

/**
 * Where a key goes in the list, lowest first: critical keys, then every key not judged or judged in part
 * (unlisted, unreadable, grants not read, a policy that could not be parsed), then high … info, keys whose
 * findings were all accepted, and clean keys last. A key nobody could judge may hide anything, a public key
 * included, and the run exits 2 for it whatever its findings say; it must never sink below clean keys, where
 * an auditor reading worst-first would stop. Only a finding known to be critical comes before it.
 */
function rankOf(entry: ResultEntry): number {
  const verdict = verdictOf(entry);
  if (verdict === 'critical') return 0;
  if (entryNotJudged(entry)) return 1;
  return VERDICTS.indexOf(verdict) + 1;
}

/** The entries worst first; ties by title (code-point order, the same in every locale), then input order. */
function worstFirst(results: readonly ResultEntry[]): { entry: ResultEntry; k: number }[] {
  return results
    .map((entry, k) => ({ entry, k, rank: rankOf(entry), title: titleOf(entry) }))
    .sort((a, b) => a.rank - b.rank || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0) || a.k - b.k)
    .map(({ entry, k }) => ({ entry, k }));
}

function titleOf(entry: ResultEntry): string {
  const extra = entry.extra ?? {};
  if (typeof extra.keyArn === 'string') return extra.keyArn;
  if (typeof extra.logicalId === 'string') return `${extra.logicalId} — ${entry.subject}`;
  return entry.subject;
}

function facts(entry: ResultEntry): [string, string][] {
  const extra = entry.extra ?? {};
  const labels: [string, string][] = [
    ['account', 'Account'],
    ['region', 'Region'],
    ['aliases', 'Aliases'],
    ['keyManager', 'Key manager'],
    ['keyState', 'Key state'],
    ['template', 'Template'],
    ['stack', 'Stack'],
    ['logicalId', 'Logical id'],
    ['resourceType', 'Resource type'],
    ['policyPath', 'Policy path'],
    ['cdkPath', 'CDK path'],
  ];
  const out: [string, string][] = [];
  for (const [key, label] of labels) {
    const v = extra[key];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out.push([label, Array.isArray(v) ? v.map(String).join(', ') : String(v)]);
  }
  return out;
}

function statementAnchor(keyIndex: number, statementIndex: number): string {
  return `key-${keyIndex}-s${statementIndex}`;
}

function grantAnchor(keyIndex: number, grantIndex: number): string {
  return `key-${keyIndex}-g${grantIndex}`;
}

/** `grant <id>` per grant behind a cell, linked to the grant when the entry lists it. */
function grantLinks(entry: ResultEntry, keyIndex: number, grantIds: readonly string[]): string {
  const listed = entry.access?.grants ?? [];
  return grantIds
    .map((id) => {
      const at = listed.findIndex((g) => g.grantId === id);
      const label = `grant ${escapeHtml(id.length > 12 ? `${id.slice(0, 12)}…` : id)}`;
      return at < 0 ? `<span class="grant">${label}</span>` : `<a class="grant" href="#${grantAnchor(keyIndex, at)}" title="${escapeHtml(id)}">${label}</a>`;
    })
    .join(' ');
}

function statementLinks(keyIndex: number, indexes: readonly number[]): string {
  return indexes.map((i) => `<a href="#${statementAnchor(keyIndex, i)}">#${i}</a>`).join(' ');
}

const META = new Map<CheckId, CheckMeta>(CHECKS.map((c) => [c.meta.id, c.meta]));

/**
 * A documentation link from the checks' own metadata: https only (never javascript:, data: or a relative
 * path), escaped, opened without giving the page a handle on the report (`noopener`) or its file path (`noreferrer`).
 */
function referenceLink(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '';
  }
  if (parsed.protocol !== 'https:') return '';
  return `<li><a href="${escapeHtml(parsed.href)}" rel="noopener noreferrer" target="_blank">${escapeHtml(parsed.host + parsed.pathname + parsed.hash)}</a></li>`;
}

/** The check's one-line fix, and, folded, its full remediation and documentation. */
function fixOf(f: ReportFinding): string {
  const meta = META.get(f.checkId);
  if (meta === undefined) return '';
  const links = meta.references.map(referenceLink).join('');
  return `<div class="fix"><strong>Fix:</strong> ${escapeHtml(meta.fix)}</div><details class="remediation"><summary>Remediation and documentation</summary><p>${escapeHtml(meta.remediation)}</p>${links ? `<ul class="refs">${links}</ul>` : ''}</details>`;
}

/** Findings most severe first; those of equal severity keep the engine's order (the order of the checks). */
function bySeverity(findings: readonly ReportFinding[]): ReportFinding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

function findingsTable(entry: ResultEntry, k: number): string {
  if (entry.findings.length === 0) return entry.error === undefined ? '<p class="none">No findings.</p>' : '';
  const rows = bySeverity(entry.findings)
    .map(
      (f) => `<tr class="finding${f.suppression !== undefined ? ' accepted' : ''}" data-check="${escapeHtml(f.checkId)}" data-severity="${escapeHtml(f.severity)}">
  <td><span class="sev sev-${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span></td>
  <td><code>${escapeHtml(f.checkId)}</code><div class="muted">${escapeHtml(f.title)}</div></td>
  <td>${escapeHtml(f.message)}<div class="muted path"><code>${escapeHtml(f.path)}</code></div>${f.suppression !== undefined ? `<div class="suppression">${escapeHtml(describeSuppression(f.suppression))}</div>` : ''}${fixOf(f)}</td>
  <td class="links">${statementLinks(k, f.statementIndexes)}</td>
</tr>`,
    )
    .join('\n');
  return `<table class="findings"><thead><tr><th>Severity</th><th>Check</th><th>What and where</th><th>Statements</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function matrixTable(entry: ResultEntry, k: number): string {
  const access = entry.access;
  if (access === undefined) return '';
  if (access.matrix.length === 0) return '<p class="none">No principal gets access through this policy (or it could not be read).</p>';
  const head = ACTION_CLASSES.map((c) => `<th scope="col">${escapeHtml(ACTION_CLASS_LABELS[c])}</th>`).join('');
  const rows = access.matrix
    .map((row) => {
      const cells = ACTION_CLASSES.map((c) => {
        const cell = row.cells[c];
        const byGrants = cell.grantIds.length ? ` ${grantLinks(entry, k, cell.grantIds)}` : '';
        const links = cell.statementIndexes.length || cell.grantIds.length ? `<span class="links">${statementLinks(k, cell.statementIndexes)}${byGrants}</span>` : '';
        return `<td class="cell level-${escapeHtml(cell.level)}" data-action-class="${escapeHtml(c)}" title="${escapeHtml(`${row.principal.label}: ${ACTION_CLASS_LABELS[c]} — ${cell.level}`)}"><span class="level">${escapeHtml(cell.level)}</span>${links}</td>`;
      }).join('');
      return `<tr><th scope="row">${escapeHtml(row.principal.label)}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table class="matrix"><thead><tr><th scope="col">Principal</th>${head}</tr></thead><tbody>
${rows}
</tbody></table>`;
}

/**
 * The statements in the policy's own order (index 0 first), whatever order the findings name them in: the
 * analysed statements when the entry has an access matrix (templates, scan), else the statements as written (check).
 */
function statementList(entry: ResultEntry): { index: number; sid?: string; json: unknown }[] {
  const list =
    entry.access?.statements ??
    (entry.statements ?? []).map((json, index) => {
      const sid = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).Sid : undefined;
      return typeof sid === 'string' ? { index, sid, json } : { index, json };
    });
  return [...list].sort((a, b) => a.index - b.index);
}

function statements(entry: ResultEntry, k: number): string {
  const list = statementList(entry);
  if (list.length === 0) return '';
  return list
    .map(
      (s) => `<div class="stmt" id="${statementAnchor(k, s.index)}"><div class="stmt-head">Statement #${s.index}${s.sid !== undefined ? ` · Sid <code>${escapeHtml(s.sid)}</code>` : ''}</div><pre>${escapeHtml(JSON.stringify(s.json, null, 2))}</pre></div>`,
    )
    .join('\n');
}

function grantsList(entry: ResultEntry, k: number): string {
  const list = entry.access?.grants ?? [];
  if (list.length === 0) return '';
  return list
    .map((g, i) => `<div class="stmt" id="${grantAnchor(k, i)}"><div class="stmt-head">Grant <code>${escapeHtml(g.grantId)}</code></div><pre>${escapeHtml(JSON.stringify(g.json, null, 2))}</pre></div>`)
    .join('\n');
}

function keySection(entry: ResultEntry, k: number): string {
  const verdict = verdictOf(entry);
  const title = titleOf(entry);
  const dl = facts(entry)
    .map(([label, v]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');
  const warnings = entry.warnings.length
    ? `<details class="warnings"${entry.warnings.some((w) => w.code === 'UNRESOLVED_VALUE' || w.code === 'DEFAULT_KEY_POLICY') ? ' open' : ''}><summary>${entry.warnings.length} warning${entry.warnings.length === 1 ? '' : 's'}</summary><ul>${entry.warnings
        .map((w) => `<li><code>${escapeHtml(w.code)}</code> <code class="path">${escapeHtml(w.path)}</code> ${escapeHtml(w.message)}</li>`)
        .join('')}</ul></details>`
    : '';
  const stmts = statements(entry, k);
  // A key judged in part (its grants unread, say) keeps the verdict of what was judged, and says it is partial.
  const partly = entryNotJudged(entry) && verdict !== 'unreadable' && verdict !== 'unlisted' ? ' <span class="verdict verdict-unreadable">Judged in part</span>' : '';
  return `<article class="key" id="key-${k}" data-verdict="${escapeHtml(verdict)}" data-search="${escapeHtml(`${title} ${entry.subject} ${JSON.stringify(entry.extra ?? {})}`.toLowerCase())}">
<h3><span class="verdict verdict-${escapeHtml(verdict)}">${escapeHtml(VERDICT_LABELS[verdict])}</span>${partly} <span class="name">${escapeHtml(title)}</span></h3>
${dl ? `<dl>${dl}</dl>` : ''}
${entry.error !== undefined ? `<p class="error">${escapeHtml(entry.error)}</p>` : ''}
${findingsTable(entry, k)}
${entry.access ? `<h4>Access matrix</h4>${matrixTable(entry, k)}` : ''}
${entry.effectiveAccess ? `<h4>Effective access (key policy, grants and IAM)</h4>${effectiveAccessOfKey(entry.effectiveAccess, k)}` : ''}
${stmts ? `<details class="statements" open><summary>Statements</summary>${stmts}</details>` : ''}
${grantsList(entry, k) ? `<details class="grants"><summary>Grants (${entry.access?.grants?.length ?? 0})</summary>${grantsList(entry, k)}</details>` : ''}
${warnings}
</article>`;
}

const LEVEL_RANK: Record<EffectiveLevel, number> = { none: 0, conditional: 1, unconditional: 2 };

function strongest(a: EffectiveLevel, b: EffectiveLevel): EffectiveLevel {
  return LEVEL_RANK[a] >= LEVEL_RANK[b] ? a : b;
}

/** `identity-policy arn:…:policy/KmsAll #0 (Allow)`: one policy element that decides a principal's access. */
function describeVia(v: AccessVia): string {
  const where = [v.source, v.policy, v.grantId !== undefined ? `grant ${v.grantId}` : undefined, v.statementIndex !== undefined ? `#${v.statementIndex}` : undefined, v.sid !== undefined ? `Sid ${v.sid}` : undefined];
  return `${where.filter((x) => x !== undefined).join(' ')} (${v.effect}: ${v.decides.join(', ')})`;
}

function levelCell(level: EffectiveLevel, what: 'use' | 'administer'): string {
  return `<td class="cell level-${escapeHtml(level)}" data-what="${what}"><span class="level">${escapeHtml(level)}</span></td>`;
}

function incompleteNote(ea: EffectiveAccess): string {
  if (ea.complete) return '';
  return `<div class="incomplete"><strong>Incomplete</strong>: the principals below are a lower bound.<ul>${ea.incompleteReasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul></div>`;
}

/** One key's principals: use and administer levels, who can assume a role from outside, and the policies that decide them. */
function effectiveAccessOfKey(ea: EffectiveAccess, k: number): string {
  const notCovered = ea.notCovered.length > 0 ? `<p class="muted">Not covered by this answer: ${escapeHtml(ea.notCovered.join(', '))}.</p>` : '';
  if (ea.principals.length === 0) {
    return `${incompleteNote(ea)}<p class="none">${ea.complete ? 'No principal of the account can use or administer this key.' : 'No principal could be judged.'}</p>${notCovered}`;
  }
  const rows = ea.principals
    .map((p) => {
      const assumable = p.assumableBy !== undefined && p.assumableBy.length > 0 ? `<div class="muted">assumable by ${escapeHtml(p.assumableBy.join(', '))}</div>` : '';
      const via = p.via.map((v) => `<li>${escapeHtml(describeVia(v))}</li>`).join('');
      return `<tr><th scope="row"><code>${escapeHtml(p.arn)}</code> <span class="muted">${escapeHtml(p.type)}</span>${assumable}</th>${levelCell(p.use, 'use')}${levelCell(p.administer, 'administer')}<td><ul class="via">${via}</ul></td></tr>`;
    })
    .join('\n');
  return `${incompleteNote(ea)}<table class="effective" id="key-${k}-effective"><thead><tr><th scope="col">Principal</th><th scope="col">Use</th><th scope="col">Administer</th><th scope="col">Decided by</th></tr></thead><tbody>
${rows}
</tbody></table>${notCovered}`;
}

/** `alias/app` when the key has an alias, else the key id: a column heading that fits. */
function shortKeyName(entry: ResultEntry): string {
  const aliases = entry.extra?.aliases;
  if (Array.isArray(aliases) && typeof aliases[0] === 'string') return aliases[0];
  const arn = titleOf(entry);
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/**
 * Principals × keys: one row per principal that can use or administer any key, one column per key whose
 * effective access was computed; a cell shows the principal's use and administer levels on that key. A key
 * whose answer is incomplete is marked in its heading.
 */
function principalsByKeys(report: Report): string {
  const keys = report.results.map((entry, k) => ({ entry, k, ea: entry.effectiveAccess })).filter((x): x is { entry: ResultEntry; k: number; ea: EffectiveAccess } => x.ea !== undefined);
  if (keys.length === 0) return '';
  const principals = new Map<string, { principal: EffectivePrincipal; byKey: Map<number, EffectivePrincipal> }>();
  for (const { k, ea } of keys) {
    for (const p of ea.principals) {
      const row = principals.get(p.arn) ?? { principal: p, byKey: new Map() };
      row.byKey.set(k, p);
      principals.set(p.arn, row);
    }
  }
  const head = keys
    .map(({ entry, k, ea }) => `<th scope="col" class="key-col${ea.complete ? '' : ' incomplete-col'}" title="${escapeHtml(titleOf(entry) + (ea.complete ? '' : ` — incomplete: ${ea.incompleteReasons.join('; ')}`))}"><a href="#key-${k}">${escapeHtml(shortKeyName(entry))}</a>${ea.complete ? '' : ' <span class="incomplete-mark">incomplete</span>'}</th>`)
    .join('');
  const rows = [...principals.values()]
    .sort((a, b) => (a.principal.arn < b.principal.arn ? -1 : a.principal.arn > b.principal.arn ? 1 : 0))
    .map(({ principal, byKey }) => {
      const cells = keys
        .map(({ k }) => {
          const p = byKey.get(k);
          const use = p?.use ?? 'none';
          const administer = p?.administer ?? 'none';
          const shown = [use !== 'none' ? `use${use === 'conditional' ? ' (conditional)' : ''}` : '', administer !== 'none' ? `administer${administer === 'conditional' ? ' (conditional)' : ''}` : ''].filter((x) => x !== '');
          return `<td class="cell level-${strongest(use, administer)}" data-key="${k}" data-use="${use}" data-administer="${administer}">${shown.map((x) => `<span class="level">${x}</span>`).join('')}</td>`;
        })
        .join('');
      const assumable = principal.assumableBy !== undefined && principal.assumableBy.length > 0 ? `<div class="muted">assumable by ${escapeHtml(principal.assumableBy.join(', '))}</div>` : '';
      return `<tr><th scope="row"><code>${escapeHtml(principal.arn)}</code>${assumable}</th>${cells}</tr>`;
    })
    .join('\n');
  const incomplete = keys.filter(({ ea }) => !ea.complete).length;
  const body =
    principals.size === 0
      ? '<p class="none">No principal of the scanned accounts can use or administer any of these keys (as far as could be read: see incomplete keys).</p>'
      : `<div class="scroll"><table class="principals-keys"><thead><tr><th scope="col">Principal</th>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>`;
  return `<section id="effective-access"><h2>Who can use the keys</h2>
<p>${escapeHtml(`${count(principals.size, 'principal')} can use or administer ${count(keys.length, 'key')} (key policy, grants and IAM together)${incomplete > 0 ? `; the answer is incomplete for ${count(incomplete, 'key')}: the principals shown are a lower bound` : ''}.`)}</p>
${body}
</section>`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * "N keys judged, M unreadable keys, K account/Region pairs could not be listed": only keys whose policy was
 * judged count as judged; failures are counted apart, and pairs or accounts that could not be listed apart
 * from keys.
 */
function countsLine(report: Report): string {
  let judged = 0;
  let unreadable = 0;
  let pairs = 0;
  let accounts = 0;
  for (const r of report.results) {
    if (r.unlisted === 'account-region') pairs += 1;
    else if (r.unlisted === 'account') accounts += 1;
    else if (verdictOf(r) === 'unreadable') unreadable += 1;
    else judged += 1;
  }
  const parts = [`${count(judged, 'key')} judged`];
  if (unreadable > 0) parts.push(count(unreadable, 'unreadable key'));
  if (pairs > 0) parts.push(`${count(pairs, 'account/Region pair')} could not be listed`);
  if (accounts > 0) parts.push(`${count(accounts, 'account')} whose Regions could not be listed`);
  return `${parts.join(', ')}.`;
}

function summary(report: Report): string {
  const byVerdict = new Map<Verdict, number>(VERDICTS.map((v) => [v, 0]));
  for (const r of report.results) byVerdict.set(verdictOf(r), (byVerdict.get(verdictOf(r)) ?? 0) + 1);
  // "Not listed" only shows when a scan could not list an account or Region; other reports have no such entries.
  const cards = VERDICTS.filter((v) => v !== 'unlisted' || (byVerdict.get(v) ?? 0) > 0).map(
    (v) => `<button type="button" class="card verdict-${v}" data-filter="${v}" aria-pressed="false"><span class="count">${byVerdict.get(v) ?? 0}</span><span>${escapeHtml(VERDICT_LABELS[v])}</span></button>`,
  ).join('');
  const counted = CHECKS.map((c) => ({
    meta: c.meta,
    keys: report.results.filter((r) => r.findings.some((f) => f.checkId === c.meta.id)).length,
    findings: report.results.reduce((n, r) => n + r.findings.filter((f) => f.checkId === c.meta.id).length, 0),
  }));
  const rows = counted
    .filter((c) => c.findings > 0)
    .map(({ meta, keys, findings }) => `<tr><td><code>${escapeHtml(meta.id)}</code></td><td>${escapeHtml(meta.title)}</td><td><span class="sev sev-${escapeHtml(meta.severity)}">${escapeHtml(meta.severity)}</span></td><td class="num">${keys}</td><td class="num">${findings}</td></tr>`)
    .join('\n');
  // A check left out by --disable-checks found nothing because it did not run: never listed as if it had.
  const disabled = new Set<string>(report.run?.settings.disabledChecks ?? []);
  const quiet = counted.filter((c) => c.findings === 0);
  const quietLine = (label: string, list: typeof quiet) => (list.length ? `<p class="muted">${escapeHtml(label)}: ${list.map((c) => `<code>${escapeHtml(c.meta.id)}</code>`).join(', ')}.</p>` : '');
  const byCheck = `${rows ? `<table class="by-check"><thead><tr><th>Check</th><th>Title</th><th>Severity</th><th>Keys</th><th>Findings</th></tr></thead><tbody>
${rows}
</tbody></table>` : '<p class="none">No check found anything.</p>'}
${quietLine('No findings', quiet.filter((c) => !disabled.has(c.meta.id)))}${quietLine('Not run (--disable-checks)', quiet.filter((c) => disabled.has(c.meta.id)))}`;
  const notes = report.notes.length ? `<ul class="notes">${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  const skipped = report.skipped ?? [];
  const skippedList = skipped.length
    ? `<details class="skipped"><summary>${count(skipped.length, 'file')} skipped (not key policies)</summary><ul>${skipped.map((s) => `<li><code>${escapeHtml(s.file)}</code> ${escapeHtml(s.reason)}</li>`).join('')}</ul></details>`
    : '';
  return `<section id="summary"><h2>Summary</h2>
<p>${escapeHtml(countsLine(report))} Select a verdict to show only those entries.</p>
${hasAcceptance(report) ? `<p class="acceptance">${escapeHtml(acceptanceLine(report))}</p>` : ''}
<div class="cards">${cards}</div>
${notes}
${skippedList}
<h3>By check</h3>
${byCheck}</section>`;
}

const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--none:#eef1f4;--cond:#fff1c2;--cond-b:#d4a72c;--uncond:#ffd5d5;--uncond-b:#cf222e}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1200px;margin:0 auto;padding:16px 24px}header{border-bottom:1px solid var(--line)}h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:24px 0 8px}h3{font-size:15px;margin:0 0 8px}h4{font-size:14px;margin:16px 0 6px}.muted{color:var(--muted);font-size:12px}
code,pre{font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}table{border-collapse:collapse;width:100%;margin:4px 0 8px}
th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}thead th{background:var(--soft)}td.num{text-align:right}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.card{display:flex;flex-direction:column;align-items:flex-start;min-width:110px;padding:8px 12px;border:1px solid var(--line);border-radius:8px;background:var(--soft);cursor:pointer;font:inherit;color:inherit}
.card .count{font-size:22px;font-weight:600}.card[aria-pressed="true"]{outline:2px solid #0969da}
.verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid var(--line)}
.verdict-critical,.sev-critical{background:#8b0000;color:#fff}.verdict-high,.sev-high{background:#cf222e;color:#fff}.verdict-medium,.sev-medium{background:#d4a72c;color:#1f2328}
.verdict-low,.sev-low{background:#54aeff;color:#1f2328}.verdict-accepted{background:#fff1c2;color:#1f2328}tr.accepted td{opacity:.75}.suppression{margin-top:4px;font-weight:600;color:#7d4e00}.verdict-info,.sev-info{background:#d1d9e0;color:#1f2328}.verdict-clean{background:#1a7f37;color:#fff}.verdict-unreadable{background:#6e40c9;color:#fff}.verdict-unlisted{background:#57606a;color:#fff}
.card.verdict-critical .count,.card.verdict-high .count{color:inherit}
.sev{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;font-weight:600;text-transform:uppercase}
.controls{position:sticky;top:0;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--line);z-index:1}
.controls input{width:100%;max-width:480px;padding:6px 8px;border:1px solid var(--line);border-radius:6px;font:inherit}
article.key{border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:12px 0}article.key[hidden]{display:none}
.name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0 8px}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
.error{background:#fbefff;border:1px solid #6e40c9;padding:6px 10px;border-radius:6px}.none{color:var(--muted)}
table.matrix th[scope=row]{font-weight:normal;max-width:360px;word-break:break-all}
td.cell{min-width:120px}td.cell .level{font-weight:600;display:block}td.cell .links a{margin-right:4px}
.level-none{background:var(--none);color:var(--muted)}.level-conditional{background:var(--cond);border-left:4px solid var(--cond-b)}.level-unconditional{background:var(--uncond);border-left:4px solid var(--uncond-b)}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px;border-radius:4px}
.stmt{margin:8px 0;border:1px solid var(--line);border-radius:6px;scroll-margin-top:110px}article.key{scroll-margin-top:110px}.stmt-head{background:var(--soft);padding:4px 8px;border-bottom:1px solid var(--line)}
.stmt pre{margin:0;padding:8px;overflow:auto;max-height:360px}.stmt:target{outline:3px solid #0969da}
.scroll{overflow:auto;max-height:70vh}table.principals-keys th[scope=row]{font-weight:normal;max-width:420px;word-break:break-all;position:sticky;left:0;background:var(--bg)}
table.principals-keys th.key-col{white-space:nowrap}td.cell .level+.level{margin-top:2px}.incomplete-mark{color:#6e40c9;font-size:11px;font-weight:600}
.incomplete{background:#fbefff;border:1px solid #6e40c9;padding:6px 10px;border-radius:6px;margin:4px 0}.incomplete ul{margin:4px 0 0 16px;padding:0}ul.via{margin:0;padding-left:16px}
details summary{cursor:pointer;margin:8px 0 4px;font-weight:600}ul.notes li{color:var(--muted)}a{color:#0969da}
dl.run{grid-template-columns:max-content 1fr max-content 1fr;gap:2px 12px;margin:8px 0 0;font-size:13px}dl.run dd{word-break:break-word}
.command{white-space:pre-wrap;word-break:break-all}tr.finding[hidden]{display:none}
.fix{margin-top:6px}details.remediation summary{font-weight:normal;font-size:12px;color:#0969da;margin:4px 0 0}details.remediation p{margin:4px 0}
ul.refs{margin:0;padding-left:16px;font-size:12px}.filters{margin-top:6px}.filters label{margin-right:12px}.filters select{font:inherit;padding:4px 6px;border:1px solid var(--line);border-radius:6px;max-width:420px}
`;

/**
 * Filters keys by verdict (summary cards), by text, and by check and severity: with either of the last two
 * set, a key shows only when one of its findings matches both, and only its matching findings show. No
 * network, no external code; the CSP allows this script by its hash and nothing else.
 */
const SCRIPT = `
(function(){
  var keys=[].slice.call(document.querySelectorAll('article.key'));
  var cards=[].slice.call(document.querySelectorAll('.card[data-filter]'));
  var input=document.getElementById('filter');var byCheck=document.getElementById('filter-check');var bySeverity=document.getElementById('filter-severity');var verdict=null;
  function apply(){var q=(input.value||'').toLowerCase();var check=byCheck.value;var sev=bySeverity.value;var shown=0;var matching=0;
    keys.forEach(function(k){var hits=0;
      [].forEach.call(k.querySelectorAll('tr.finding'),function(r){var hit=(!check||r.getAttribute('data-check')===check)&&(!sev||r.getAttribute('data-severity')===sev);r.hidden=!hit;if(hit)hits++;});
      var ok=(!verdict||k.getAttribute('data-verdict')===verdict)&&(!q||k.getAttribute('data-search').indexOf(q)>=0)&&(!(check||sev)||hits>0);
      k.hidden=!ok;if(ok){shown++;matching+=hits;}});
    document.getElementById('shown').textContent=shown+' of '+keys.length+' keys shown'+(check||sev?', '+matching+' matching finding'+(matching===1?'':'s'):'');}
  cards.forEach(function(c){c.addEventListener('click',function(){var v=c.getAttribute('data-filter');verdict=verdict===v?null:v;
    cards.forEach(function(o){o.setAttribute('aria-pressed',String(o.getAttribute('data-filter')===verdict));});apply();});});
  input.addEventListener('input',apply);byCheck.addEventListener('change',apply);bySeverity.addEventListener('change',apply);apply();
})();
`;

/** `'sha256-…'`: a CSP source that allows exactly this inline script or style, and no other. */
function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * No fetch of any kind (default-src 'none'), only the report's own style and script (by hash, so a script
 * smuggled into the file by a value that escaped escaping would still not run), no <base> or form to redirect.
 */
const CSP = `default-src 'none'; style-src ${cspHash(CSS)}; script-src ${cspHash(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;

/** `label: 3 findings on 2 keys`, or a disabled option when nothing matches. */
function filterOption(value: string, label: string, matches: (f: ReportFinding) => boolean, results: readonly ResultEntry[]): string {
  let findings = 0;
  let keys = 0;
  for (const r of results) {
    const n = r.findings.filter(matches).length;
    findings += n;
    if (n > 0) keys += 1;
  }
  if (findings === 0) return `<option value="${escapeHtml(value)}" disabled>${escapeHtml(`${label}: 0 findings`)}</option>`;
  return `<option value="${escapeHtml(value)}">${escapeHtml(`${label}: ${count(findings, 'finding')} on ${count(keys, 'key')}`)}</option>`;
}

function filterControls(report: Report): string {
  const checks = CHECKS.map((c) => filterOption(c.meta.id, c.meta.id, (f) => f.checkId === c.meta.id, report.results)).join('');
  const severities = SEVERITIES.map((s) => filterOption(s, s, (f) => f.severity === s, report.results)).join('');
  return `<div class="filters"><label>Check <select id="filter-check"><option value="">All checks</option>${checks}</select></label> <label>Severity <select id="filter-severity"><option value="">All severities</option>${severities}</select></label></div>`;
}

function runHeader(report: Report): string {
  const dl = runFacts(report)
    .map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${label === 'Command' ? `<code class="command">${escapeHtml(value)}</code>` : escapeHtml(value)}</dd>`)
    .join('');
  return `<header><h1>KMS key policy report</h1><dl class="run">${dl}</dl></header>`;
}

export function renderHtml(report: Report): string {
  // Each key keeps its position in report.results as its anchor (`key-<k>`), which the principals × keys view links to.
  const sections = worstFirst(report.results)
    .map(({ entry, k }) => keySection(entry, k))
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<link rel="icon" href="data:,">
<title>KMS key policy report</title>
<style>${CSS}</style>
</head>
<body>
${runHeader(report)}
<main>
${summary(report)}
${principalsByKeys(report)}
<h2>Keys, worst first</h2>
<div class="controls"><input id="filter" type="search" placeholder="Filter by ARN, alias, account, template, logical id…" aria-label="Filter keys"> <span id="shown" class="muted"></span>
${filterControls(report)}
<div class="legend muted">Access: <span class="level-none">none</span><span class="level-conditional">conditional</span><span class="level-unconditional">unconditional</span> · a cell's #n links to statement n, its grant links to the grant</div></div>
${sections || '<p class="none">Nothing was judged.</p>'}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
