/**
 * The HTML report as an auditor files it: keys by worst severity, a header saying when, what and how the run
 * judged, each finding with its fix and documentation, filters by check and by severity, statements in the
 * key's order, and a Content Security Policy that runs only the report's own script and style. Rendered as
 * text, and in headless Chromium (skipped locally with a reason when missing, required under CI).
 *
 * `KPG_UPDATE_DOCS=1 npx jest test/cli/html-audit` rewrites docs/images/html-report.png from the browser run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHECKS, CHECK } from '../../engine';
import { renderHtml } from '../../cli/output/html';
import type { ResultEntry } from '../../cli/report';
import { describeInChromium, launchChromium, openWatched } from '../support/chromium';
import { POSITIONS, SCAN_RUN, auditReport, finding, keyArn } from '../support/html-audit-report';

const OUTPUT = join(__dirname, '..', 'output');
const DOCS_IMAGE = join(__dirname, '..', '..', 'docs', 'images', 'html-report.png');

/** The key titles in the order the report lists them. */
function keyOrder(html: string): string[] {
  return [...html.matchAll(/<article class="key"[^>]*>\s*<h3>.*?<span class="name">([^<]*)<\/span>/g)].map((m) => m[1] ?? '');
}

/** The 1-based ARN positions the report should list first: critical, then not judged, then high … clean. */
function expectedOrder(): number[] {
  const named = new Set<number>([...POSITIONS.critical, POSITIONS.partial, POSITIONS.unreadable, ...POSITIONS.high, ...POSITIONS.medium, POSITIONS.accepted]);
  const clean = Array.from({ length: 52 }, (_, i) => i + 1).filter((n) => !named.has(n));
  return [...POSITIONS.critical, POSITIONS.partial, POSITIONS.unreadable, ...POSITIONS.high, ...POSITIONS.medium, POSITIONS.accepted, ...clean];
}

/** The header's facts, label → text. */
function headerFacts(html: string): Map<string, string> {
  const header = /<header>([\s\S]*?)<\/header>/.exec(html)?.[1] ?? '';
  return new Map([...header.matchAll(/<dt>([^<]*)<\/dt><dd>([\s\S]*?)<\/dd>/g)].map((m) => [m[1] ?? '', (m[2] ?? '').replace(/<[^>]+>/g, '').replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))]));
}

describe('HTML report for an auditor (no browser)', () => {
  it('lists the keys by worst severity (critical, then not judged, then high … clean), not by ARN', () => {
    const order = keyOrder(renderHtml(auditReport()));
    expect(order).toHaveLength(52);
    expect(order).toEqual(expectedOrder().map(keyArn));
  });

  it('marks a key judged in part, and lists each key\'s findings most severe first', () => {
    const html = renderHtml(auditReport());
    const heading = (n: number) => new RegExp(`<h3>(.*?)<span class="name">${keyArn(n)}</span>`).exec(html)?.[1] ?? '';
    expect(heading(POSITIONS.partial)).toBe('<span class="verdict verdict-medium">Medium</span> <span class="verdict verdict-unreadable">Judged in part</span> ');
    expect(heading(POSITIONS.critical[0])).toBe('<span class="verdict verdict-critical">Critical</span> ');
    const critical = html.slice(html.indexOf(keyArn(POSITIONS.critical[0])), html.indexOf('</article>', html.indexOf(keyArn(POSITIONS.critical[0]))));
    // The input lists ACCOUNT_WIDE_USAGE (medium) before PUBLIC_ACCESS (critical).
    expect([...critical.matchAll(/data-check="(\w+)"/g)].map((m) => m[1])).toEqual(['PUBLIC_ACCESS', 'ACCOUNT_WIDE_USAGE']);
  });

  it('breaks ties by title, whatever the input order', () => {
    const report = auditReport();
    const reversed = renderHtml({ ...report, results: [...report.results].reverse() });
    expect(keyOrder(reversed)).toEqual(expectedOrder().map(keyArn));
  });

  it('links the summary of effective access to the keys it names after sorting', () => {
    const report = auditReport();
    const html = renderHtml(report);
    // Anchors keep the entry's position in the report, so links from elsewhere in the page still land on it.
    const critical = report.results.findIndex((r) => r.subject === keyArn(12));
    expect(html).toMatch(new RegExp(`<article class="key" id="key-${critical}"[^>]*>\\s*<h3>.*?${keyArn(12)}`));
  });

  it('heads the report with when, what and how it was run', () => {
    const facts = headerFacts(renderHtml(auditReport()));
    expect(Object.fromEntries(facts)).toEqual({
      Generated: '2031-06-01T12:00:01.000Z (started 2031-06-01T11:59:48.000Z)',
      Tool: 'kms-policy-guard 1.4.0',
      Command: "kms-policy-guard scan --regions eu-west-1,us-east-1 --trusted-accounts 444455556666 --disable-checks NO_SEPARATION_OF_DUTIES --format html --output 'kms report.html'",
      Accounts: '111122223333',
      Regions: 'eu-west-1, us-east-1',
      'Trusted accounts': '444455556666',
      'Trusted organisations': 'none',
      'Disabled checks': 'NO_SEPARATION_OF_DUTIES',
      'Minimum severity': 'none (every severity reported)',
      Baseline: 'none',
      'Fail on': 'low',
      'Exemption tag key': 'none',
      Grants: 'read',
      'Effective access': 'off',
      'AWS managed keys': 'left out',
    });
  });

  it('says which account and Region check-template was given, or that none was', () => {
    const base = { ...SCAN_RUN, command: 'check-template' as const, arguments: ['check-template', 'stack.yaml'], accounts: undefined, regions: undefined };
    const without = headerFacts(renderHtml({ ...auditReport(), run: { ...base, settings: { trustedAccountIds: [], trustedOrgIds: ['o-abcdef1234'], disabledChecks: [], failOn: 'low', minimumSeverity: 'medium', baseline: 'b.json', exemptionTagKey: 'kpg-exempt' } } }));
    expect(without.get('Accounts')).toBe('not given (--account-id)');
    expect(without.get('Regions')).toBe('not given (--region)');
    expect(without.get('Trusted organisations')).toBe('o-abcdef1234');
    expect(without.get('Disabled checks')).toBe('none');
    expect(without.get('Minimum severity')).toBe('medium');
    expect(without.get('Baseline')).toBe('b.json');
    expect(without.get('Exemption tag key')).toBe('kpg-exempt');
    expect(without.get('Grants')).toBe('not read (scan only)');
    expect(without.has('AWS managed keys')).toBe(false);
    const given = headerFacts(renderHtml({ ...auditReport(), run: { ...base, settings: { accountId: '111122223333', region: 'eu-west-1', trustedAccountIds: [], trustedOrgIds: [], disabledChecks: [], failOn: 'none' } } }));
    expect(given.get('Accounts')).toBe('111122223333');
    expect(given.get('Regions')).toBe('eu-west-1');
  });

  it('says the run details are unknown when the report carries none (built outside the command line)', () => {
    const { run: _run, ...report } = auditReport();
    const html = renderHtml(report);
    expect(headerFacts(html).get('Generated')).toBe('unknown: this report records no run details (it was not made by the command line), so its date, scope and options cannot be told');
    expect(headerFacts(html).get('Tool')).toBe('kms-policy-guard 1.4.0');
  });

  it('gives each finding its fix, its remediation and its documentation links, safely', () => {
    const html = renderHtml(auditReport());
    const meta = CHECKS.find((c) => c.meta.id === CHECK.PUBLIC_ACCESS)?.meta;
    if (meta === undefined) throw new Error('PUBLIC_ACCESS has no metadata');
    const row = /<tr class="finding"[^>]*data-check="PUBLIC_ACCESS"[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(row).toContain(`<div class="fix"><strong>Fix:</strong> ${meta.fix}</div>`);
    expect(row).toContain(meta.remediation.replace(/"/g, '&#34;'));
    for (const url of meta.references) expect(row).toContain(`<a href="${url}" rel="noopener noreferrer" target="_blank">`);
    // Every link out of the page is one of our references, opened without an opener or a referrer.
    const references = new Set<string>(CHECKS.flatMap((c) => c.meta.references));
    const outbound = [...html.matchAll(/<a href="(https?:[^"]*)"([^>]*)>/g)];
    expect(outbound.length).toBeGreaterThan(0);
    for (const [, url, rest] of outbound) {
      expect(references.has(url ?? '')).toBe(true);
      expect(rest).toBe(' rel="noopener noreferrer" target="_blank"');
    }
    expect(html).not.toMatch(/\ssrc="(https?:)?\/\//);
  });

  it('counts findings by check, and tells checks that found nothing from checks that did not run', () => {
    const html = renderHtml(auditReport());
    const table = /<table class="by-check">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    expect([...table.matchAll(/<tr><td><code>(\w+)<\/code>.*?<td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><\/tr>/g)].map((m) => m.slice(1).join(' '))).toEqual([
      'PUBLIC_ACCESS 3 3',
      'UNTRUSTED_CROSS_ACCOUNT 3 3',
      'ACCOUNT_WIDE_USAGE 4 4',
      'UNSCOPED_SERVICE_PRINCIPAL 3 3',
    ]);
    const noFindings = /<p class="muted">No findings: (.*?)<\/p>/.exec(html)?.[1] ?? '';
    expect(noFindings).toContain('<code>INVALID_POLICY</code>');
    expect(noFindings).not.toContain('NO_SEPARATION_OF_DUTIES');
    expect(html).toContain('<p class="muted">Not run (--disable-checks): <code>NO_SEPARATION_OF_DUTIES</code>.</p>');
  });

  it('offers filters by check and by severity, each option with its counts', () => {
    const html = renderHtml(auditReport());
    expect(html).toContain('<option value="PUBLIC_ACCESS">PUBLIC_ACCESS: 3 findings on 3 keys</option>');
    expect(html).toContain('<option value="ACCOUNT_WIDE_USAGE">ACCOUNT_WIDE_USAGE: 4 findings on 4 keys</option>');
    expect(html).toContain('<option value="UNTRUSTED_CROSS_ACCOUNT">UNTRUSTED_CROSS_ACCOUNT: 3 findings on 3 keys</option>');
    expect(html).toContain('<option value="ALLOW_WITH_NEGATION" disabled>ALLOW_WITH_NEGATION: 0 findings</option>');
    expect(html).toContain('<option value="critical">critical: 3 findings on 3 keys</option>');
    expect(html).toContain('<option value="medium">medium: 7 findings on 7 keys</option>');
    expect(html).toContain('<option value="info" disabled>info: 0 findings</option>');
  });

  it('shows the statements in the key policy\'s order, whatever order the findings name them in', () => {
    const statement = (sid: string) => ({ Sid: sid, Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' });
    const findings = [finding(CHECK.PUBLIC_ACCESS, 'critical', 't', 'third first', [2]), finding(CHECK.ACCOUNT_WIDE_USAGE, 'medium', 't', 'then first', [0]), finding(CHECK.ALLOW_WITH_NEGATION, 'low', 't', 'then second', [1])];
    const sids = ['First', 'Second', 'Third'];
    // check: the statements as written (no access matrix); check-template and scan: as analysed.
    const written: ResultEntry = { subject: 'key.json', findings, warnings: [], statements: sids.map(statement) };
    const analysed: ResultEntry = {
      subject: 'stack.yaml',
      findings,
      warnings: [],
      access: { matrix: [], statements: [2, 0, 1].map((index) => ({ index, sid: sids[index] ?? '', json: statement(sids[index] ?? '') })) },
    };
    for (const entry of [written, analysed]) {
      const html = renderHtml({ tool: { name: 'kms-policy-guard', version: '0' }, notes: [], results: [entry] });
      expect([...html.matchAll(/Statement #(\d) · Sid <code>(\w+)<\/code>/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual(['0 First', '1 Second', '2 Third']);
      expect([...html.matchAll(/<div class="stmt" id="key-0-s(\d)">/g)].map((m) => m[1])).toEqual(['0', '1', '2']);
    }
  });

  it('runs only its own script and style: the CSP names their hashes, not unsafe-inline', () => {
    const html = renderHtml(auditReport());
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
    const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    expect(csp).toBe(`default-src 'none'; style-src ${sha256(styles[0] ?? '')}; script-src ${sha256(scripts[0] ?? '')}; img-src data:; base-uri 'none'; form-action 'none'`);
    expect(html).not.toMatch(/\son[a-z]+=|\sstyle=/);
  });
});

describeInChromium('HTML report for an auditor, in headless Chromium', () => {
  let browser: Browser;
  let reportFile: string;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    reportFile = join(OUTPUT, 'html-audit.html');
    writeFileSync(reportFile, renderHtml(auditReport()));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });


  const visibleKeys = (page: Page) => page.locator('article.key:not([hidden]) .name').allTextContents();

  it('shows the header, the keys by worst severity, and filters by check and by severity, with no CSP violation', async () => {
    const { page, errors, requests } = await openWatched(browser, reportFile);
    await expect(page.locator('article.key .name').allTextContents()).resolves.toEqual(expectedOrder().map(keyArn));
    const header = page.locator('header');
    await expect(header.locator('dt', { hasText: 'Generated' }).locator('+ dd').textContent()).resolves.toBe('2031-06-01T12:00:01.000Z (started 2031-06-01T11:59:48.000Z)');
    await expect(header.locator('dt', { hasText: 'Regions' }).locator('+ dd').textContent()).resolves.toBe('eu-west-1, us-east-1');
    await expect(header.locator('dt', { hasText: 'Disabled checks' }).locator('+ dd').textContent()).resolves.toBe('NO_SEPARATION_OF_DUTIES');
    await expect(header.locator('dt', { hasText: 'Trusted accounts' }).locator('+ dd').textContent()).resolves.toBe('444455556666');

    if (process.env.KPG_UPDATE_DOCS === '1') {
      await page.setViewportSize({ width: 1200, height: 1250 });
      await page.screenshot({ path: DOCS_IMAGE });
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(statSync(DOCS_IMAGE).size).toBeLessThan(200 * 1024);
    }
    await page.screenshot({ path: join(OUTPUT, 'html-audit.png') });

    // By check: only the keys with a PUBLIC_ACCESS finding, and in them only that finding.
    await page.locator('#filter-check').selectOption('PUBLIC_ACCESS');
    await expect(visibleKeys(page)).resolves.toEqual(POSITIONS.critical.map(keyArn));
    await expect(page.locator('article.key:not([hidden]) tr.finding:not([hidden])').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-check')))).resolves.toEqual(['PUBLIC_ACCESS', 'PUBLIC_ACCESS', 'PUBLIC_ACCESS']);
    await expect(page.locator('#shown').textContent()).resolves.toBe('3 of 52 keys shown, 3 matching findings');

    // By severity (with the check filter cleared): the medium findings, wherever they sit.
    await page.locator('#filter-check').selectOption('');
    await page.locator('#filter-severity').selectOption('medium');
    await expect(visibleKeys(page)).resolves.toEqual([...POSITIONS.critical, POSITIONS.partial, ...POSITIONS.medium].map(keyArn));
    await expect(page.locator('article.key:not([hidden]) tr.finding:not([hidden])').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-severity')))).resolves.toEqual(Array<string>(7).fill('medium'));

    // Both at once, and with the verdict cards: a medium ACCOUNT_WIDE_USAGE on a key whose verdict is critical.
    await page.locator('#filter-check').selectOption('ACCOUNT_WIDE_USAGE');
    await expect(visibleKeys(page)).resolves.toEqual([...POSITIONS.critical, POSITIONS.partial].map(keyArn));
    await page.locator('.card[data-filter="critical"]').click();
    await expect(visibleKeys(page)).resolves.toEqual(POSITIONS.critical.map(keyArn));

    // Cleared: everything again.
    await page.locator('.card[data-filter="critical"]').click();
    await page.locator('#filter-check').selectOption('');
    await page.locator('#filter-severity').selectOption('');
    await expect(page.locator('article.key:not([hidden])').count()).resolves.toBe(52);
    await expect(page.locator('tr.finding[hidden]').count()).resolves.toBe(0);
    await expect(page.locator('#shown').textContent()).resolves.toBe('52 of 52 keys shown');

    // The documentation links open elsewhere, with no opener and no referrer.
    const link = page.locator('article.key').first().locator('tr.finding details a').first();
    await expect(link.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(link.getAttribute('href')).resolves.toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('refuses a script the report did not ship: the CSP hash holds', async () => {
    const html = renderHtml(auditReport()).replace('</main>', '</main><script>document.title = "injected"</script>');
    const file = join(OUTPUT, 'html-audit-injected.html');
    writeFileSync(file, html);
    const { page, errors } = await openWatched(browser, file);
    await expect(page.title()).resolves.toBe('KMS key policy report');
    expect(errors.join('\n')).toMatch(/Content Security Policy/);
    // The report's own script still ran.
    await expect(page.locator('#shown').textContent()).resolves.toBe('52 of 52 keys shown');
    await page.close();
  });
});
