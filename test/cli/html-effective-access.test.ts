/**
 * The HTML report's principals × keys view (scan's effective access): rendered as text, and in headless
 * Chromium (Debian's, through playwright-core; skipped locally with a reason when missing, required under CI).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describeInChromium, launchChromium, openWatched } from '../support/chromium';
import type { EffectiveAccess, EffectivePrincipal } from '../../engine';
import { renderHtml } from '../../cli/output/html';
import type { Report, ResultEntry } from '../../cli/report';

const OUTPUT = join(__dirname, '..', 'output');
const ACCOUNT = '111122223333';
const key = (id: string) => `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${id}`;

const principal = (name: string, use: EffectivePrincipal['use'], administer: EffectivePrincipal['administer'], extra: Partial<EffectivePrincipal> = {}): EffectivePrincipal => ({
  arn: `arn:aws:iam::${ACCOUNT}:${name}`,
  type: name.startsWith('user/') ? 'user' : name === 'root' ? 'root' : 'role',
  use,
  administer,
  via: [{ source: 'identity-policy', effect: 'Allow', policy: `inline:${name}/kms`, statementIndex: 0, decides: ['use'] }],
  ...extra,
});

const NOT_COVERED = ['session policies'];
const entry = (id: string, alias: string | undefined, effectiveAccess: EffectiveAccess): ResultEntry => ({
  subject: key(id),
  findings: [],
  warnings: [],
  extra: { keyArn: key(id), account: ACCOUNT, region: 'eu-west-1', aliases: alias === undefined ? [] : [alias] },
  effectiveAccess,
});

/** Two keys: one complete (three principals), one whose IAM could not be read; and an unreadable key with no answer. */
function report(): Report {
  return {
    tool: { name: 'kms-policy-guard', version: '0.0.0' },
    notes: [],
    results: [
      entry('orders', 'alias/orders', {
        complete: true,
        incompleteReasons: [],
        notCovered: NOT_COVERED,
        principals: [
          principal('role/Ops', 'unconditional', 'unconditional'),
          principal('role/Partner', 'conditional', 'none', { assumableBy: ['arn:aws:iam::444455556666:root'] }),
          principal('root', 'unconditional', 'unconditional'),
        ],
      }),
      entry('billing', undefined, {
        complete: false,
        incompleteReasons: ['the IAM of account 111122223333 could not be read: iam:GetAccountAuthorizationDetails failed (AccessDenied: <script>x</script>)'],
        notCovered: NOT_COVERED,
        principals: [],
      }),
      { subject: key('gone'), findings: [], warnings: [], error: 'unreadable: kms:GetKeyPolicy failed with AccessDeniedException', extra: { keyArn: key('gone') } },
    ],
  };
}

describe('HTML principals × keys (no browser)', () => {
  it('has one row per principal and one column per key with an answer, the incomplete key marked', () => {
    const html = renderHtml(report());
    const view = html.slice(html.indexOf('<section id="effective-access">'), html.indexOf('</section>', html.indexOf('<section id="effective-access">')));
    expect(view).toContain('3 principals can use or administer 2 keys (key policy, grants and IAM together); the answer is incomplete for 1 key: the principals shown are a lower bound.');
    expect(view.match(/<tr><th scope="row">/g)).toHaveLength(3);
    expect(view).toContain('>alias/orders</a>');
    expect(view).toContain('>billing</a> <span class="incomplete-mark">incomplete</span>');
    expect(view).not.toContain('key/gone');
    expect(view).not.toContain('<script>x');
    expect(view).toContain('assumable by arn:aws:iam::444455556666:root');
  });

  it('says when the answers name nobody, and never shows a view without any answer', () => {
    const none = report();
    none.results = none.results.slice(1);
    expect(renderHtml(none)).toContain('No principal of the scanned accounts can use or administer any of these keys');
    expect(renderHtml({ ...none, results: none.results.slice(1) })).not.toContain('id="effective-access"');
  });
});

describeInChromium('HTML principals × keys in headless Chromium', () => {
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    file = join(OUTPUT, 'html-effective-access.html');
    writeFileSync(file, renderHtml(report()));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows each principal’s levels per key, links a column to its key, with no console error and no network', async () => {
    const { page, errors, requests } = await openWatched(browser, file);

    const table = page.locator('table.principals-keys');
    await expect(table.locator('thead th').allTextContents()).resolves.toEqual(['Principal', 'alias/orders', 'billing incomplete']);
    const partner = table.locator('tr', { hasText: 'role/Partner' });
    await expect(partner.locator('td').nth(0).getAttribute('class')).resolves.toBe('cell level-conditional');
    await expect(partner.locator('td').nth(0).textContent()).resolves.toBe('use (conditional)');
    await expect(partner.locator('td').nth(1).getAttribute('class')).resolves.toBe('cell level-none');
    const ops = table.locator('tr', { hasText: 'role/Ops' }).locator('td').nth(0);
    await expect(ops.getAttribute('data-administer')).resolves.toBe('unconditional');
    await expect(ops.locator('.level').allTextContents()).resolves.toEqual(['use', 'administer']);

    // A column heading leads to its key, which lists the principals with what decides them, or why it cannot.
    await table.locator('thead a', { hasText: 'billing' }).click();
    const hash = await page.evaluate<string>('location.hash');
    await expect(page.locator(`article${hash} .incomplete`).textContent()).resolves.toContain('iam:GetAccountAuthorizationDetails failed (AccessDenied: <script>x</script>)');
    await expect(page.locator('article', { hasText: 'alias/orders' }).locator('table.effective tbody tr').count()).resolves.toBe(3);

    await page.screenshot({ path: join(OUTPUT, 'html-effective-access.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});
