/**
 * The HTML report in a real browser: Debian's chromium (installed by .ci/install-chromium.sh), driven by
 * playwright-core. Locally the browser part is skipped with a reason when chromium is missing; under CI it fails.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describeInChromium, launchChromium, openWatched } from '../support/chromium';
import { escapeHtml, renderHtml } from '../../cli/output/html';
import type { Report } from '../../cli/report';
import { runCli } from '../support/cli';

const FIXTURES = join(__dirname, '..', 'fixtures', 'templates');
const OUTPUT = join(__dirname, '..', 'output');

describe('HTML report (no browser)', () => {
  it('escapes every value and stays self-contained', () => {
    const hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
    const report: Report = {
      tool: { name: 'kms-policy-guard', version: '0.0.0' },
      notes: [hostile],
      results: [{ subject: hostile, findings: [], warnings: [{ code: 'UNKNOWN_ACTION', path: hostile, message: hostile }], error: hostile, extra: { aliases: [hostile], account: hostile } }],
    };
    const html = renderHtml(report);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain(escapeHtml(hostile));
    // Nothing is loaded from anywhere: no src/href to another origin, and a CSP that forbids it.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain(`default-src 'none'`);
  });

  it('counts keys judged, unreadable keys and what a scan could not list apart', () => {
    const failed = (subject: string, region: string | null, unlisted: 'account-region' | 'account') => ({
      subject,
      findings: [],
      warnings: [],
      error: `${subject} failed`,
      extra: { keyArn: null, account: '222222222222', region, aliases: [] },
      unlisted,
    });
    const report: Report = {
      tool: { name: 'kms-policy-guard', version: '0.0.0' },
      notes: [],
      results: [
        { subject: 'arn:aws:kms:eu-west-1:111122223333:key/a', findings: [], warnings: [], extra: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/a' } },
        { subject: 'arn:aws:kms:eu-west-1:111122223333:key/b', findings: [], warnings: [], error: 'unreadable: kms:GetKeyPolicy failed', extra: {} },
        failed('222222222222/eu-west-1', 'eu-west-1', 'account-region'),
        failed('222222222222/us-east-1', 'us-east-1', 'account-region'),
        failed('333333333333', null, 'account'),
      ],
    };
    const html = renderHtml(report);
    expect(html).toContain('<p>1 key judged, 1 unreadable key, 2 account/Region pairs could not be listed, 1 account whose Regions could not be listed. ');
    expect(html).toContain('data-filter="unlisted" aria-pressed="false"><span class="count">3</span><span>Not listed</span>');
    expect(html).toContain('data-filter="unreadable" aria-pressed="false"><span class="count">1</span>');
    // An account whose Regions are unknown shows no Region (not "null").
    expect(html).not.toContain('<dd>null</dd>');
    // Reports without such entries (check-template) show no "Not listed" card.
    expect(renderHtml({ ...report, results: report.results.slice(0, 2) })).not.toContain('data-filter="unlisted"');
  });
});

describeInChromium('HTML report in headless Chromium', () => {
  let browser: Browser;
  let reportFile: string;

  beforeAll(async () => {
    // A template whose file name would be markup if it were not escaped, and one that cannot be judged.
    const dir = mkdtempSync(join(tmpdir(), 'kpg-html-'));
    const hostileName = join(dir, 'x"><img src=y onerror=alert(1)>.yaml');
    writeFileSync(hostileName, readFileSync(join(FIXTURES, 'cloudformation', 'kms-key-for-service.yaml')));
    writeFileSync(join(dir, 'imported.yaml'), 'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: !ImportValue shared-policy\n');
    mkdirSync(OUTPUT, { recursive: true });
    reportFile = join(OUTPUT, 'html-report.html');
    const r = await runCli([
      'check-template',
      '--account-id',
      '111122223333',
      '--format',
      'html',
      '--output',
      reportFile,
      join(FIXTURES, 'cloudformation'),
      join(FIXTURES, 'cdk-assembly'),
      hostileName,
      join(dir, 'imported.yaml'),
    ]);
    expect(r.code).toBe(2);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders the summary, the matrices and the statements, with no console errors and no network', async () => {
    const { page, errors, requests, dialogs } = await openWatched(browser, reportFile);

    await expect(page.locator('h1').textContent()).resolves.toBe('KMS key policy report');
    // The header: the command as run, the account given, the Region not given.
    const fact = (label: string) => page.locator('header dt', { hasText: new RegExp(`^${label}$`) }).locator('+ dd').textContent();
    await expect(fact('Command')).resolves.toMatch(/^kms-policy-guard check-template --account-id 111122223333 --format html --output \S+html-report\.html /);
    await expect(fact('Accounts')).resolves.toBe('111122223333');
    await expect(fact('Regions')).resolves.toBe('not given (--region)');
    await expect(fact('Generated')).resolves.toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(started \d{4}-/);
    const keys = page.locator('article.key');
    await expect(keys.count()).resolves.toBe(9);
    // Worst first: the critical keys, then the one that could not be judged, then the high ones.
    await expect(keys.evaluateAll((all) => all.map((k) => k.getAttribute('data-verdict')))).resolves.toEqual(['critical', 'critical', 'unreadable', 'high', 'high', 'high', 'high', 'high', 'high']);
    // The statements of a key in its policy's order.
    await expect(page.locator('article.key', { hasText: 'myReplicaKey' }).locator('.stmt-head').allTextContents()).resolves.toEqual(['Statement #0 · Sid Key administrators', 'Statement #1 · Sid Analytics reads in this Region']);
    const indexes = await page.locator('article.key .stmt').evaluateAll((all) => all.map((s) => s.id));
    for (const key of new Set(indexes.map((id) => id.replace(/-s\d+$/, '')))) {
      const own = indexes.filter((id) => id.startsWith(`${key}-s`)).map((id) => Number(id.slice(key.length + 2)));
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
    // kms-key-for-service.yaml (read twice, once under the hostile name) is critical: its Service=S3_PUBLIC_ACCESS variant is public.
    await expect(page.locator('.card[data-filter="high"] .count').textContent()).resolves.toBe('6');
    await expect(page.locator('.card[data-filter="unreadable"] .count').textContent()).resolves.toBe('1');
    await expect(page.locator('table.by-check tr', { hasText: 'UNTRUSTED_CROSS_ACCOUNT' }).locator('td.num').first().textContent()).resolves.toBe('4');

    // myReplicaKey: the unresolved Fn::ImportValue principal is an unknown account that may use, not administer, the key.
    const replica = page.locator('article.key', { hasText: 'myReplicaKey' });
    const unknownRow = replica.locator('table.matrix tr', { hasText: 'every principal of account 999999999999' });
    await expect(unknownRow.locator('td[data-action-class="cryptographic"]').getAttribute('class')).resolves.toBe('cell level-unconditional');
    await expect(unknownRow.locator('td[data-action-class="administration"]').getAttribute('class')).resolves.toBe('cell level-none');
    // AppKey: CloudWatch Logs may use the key only under its encryption-context condition.
    const logsRow = page.locator('article.key', { hasText: 'AppKey' }).locator('table.matrix tr', { hasText: 'logs.' });
    await expect(logsRow.locator('td[data-action-class="cryptographic"]').getAttribute('class')).resolves.toBe('cell level-conditional');
    const classes = await page.locator('td.cell').evaluateAll((cells) => [...new Set(cells.map((c) => c.className))].sort());
    expect(classes).toEqual(['cell level-conditional', 'cell level-none', 'cell level-unconditional']);

    // A cell links to the statement behind it.
    await unknownRow.locator('td[data-action-class="cryptographic"] a').first().click();
    const hash = await page.evaluate<string>('location.hash');
    expect(hash).toMatch(/^#key-\d+-s1$/);
    await expect(page.locator(`${hash} .stmt-head`).textContent()).resolves.toContain('Statement #1 · Sid Analytics reads in this Region');
    await expect(page.locator(`${hash} pre`).textContent()).resolves.toContain(`"arn:aws:iam::999999999999:root"`);

    // The hostile file name is shown as text.
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.getByText('x"><img src=y onerror=alert(1)>.yaml', { exact: false }).first().isVisible()).resolves.toBe(true);

    // The summary cards filter the keys.
    await page.locator('.card[data-filter="unreadable"]').click();
    await expect(page.locator('article.key:not([hidden])').count()).resolves.toBe(1);
    await expect(page.locator('#shown').textContent()).resolves.toBe('1 of 9 keys shown');
    await page.locator('.card[data-filter="unreadable"]').click();
    await page.locator('#filter').fill('sharedstack');
    await expect(page.locator('article.key:not([hidden])').count()).resolves.toBe(1);
    await page.locator('#filter').fill('');
    // The check and severity filters: the four keys with an UNTRUSTED_CROSS_ACCOUNT finding, and only those findings.
    await page.locator('#filter-check').selectOption('UNTRUSTED_CROSS_ACCOUNT');
    await expect(page.locator('article.key:not([hidden])').count()).resolves.toBe(4);
    await expect(page.locator('article.key:not([hidden]) tr.finding:not([hidden])').evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-check')))])).resolves.toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
    await page.locator('#filter-severity').selectOption('critical');
    await expect(page.locator('article.key:not([hidden])').count()).resolves.toBe(0);
    await page.locator('#filter-check').selectOption('');
    await expect(page.locator('article.key:not([hidden])').evaluateAll((all) => all.map((k) => k.getAttribute('data-verdict')))).resolves.toEqual(['critical', 'critical']);
    await page.locator('#filter-severity').selectOption('');

    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(OUTPUT, 'html-report.png') });
    await page.screenshot({ path: join(OUTPUT, 'html-report-full.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
