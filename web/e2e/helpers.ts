import { expect, type APIRequestContext, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';

/**
 * signIn signs in on the local sign-in page as email and lands on path.
 * The console keeps its token in memory, so every full page load signs in
 * again; within a test, navigate by clicking.
 */
export async function signIn(page: Page, email: string, path = '/', operator = false) {
  page.on('pageerror', (err) => console.log(`page error: ${err.message}\n${err.stack ?? ''}`));
  await page.goto(`/_local/sign-in?return=${encodeURIComponent(path)}`);
  await page.getByLabel('Email address').fill(email);
  if (operator) await page.getByLabel(/Platform operator/).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(email);
}

/** checkA11y runs axe-core (WCAG 2.1 A and AA) and fails on any serious or critical violation. */
export async function checkA11y(page: Page, screen: string) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 160)}\n    ${n.failureSummary ?? ''}`).slice(0, 5).join('\n  ')}`).join('\n');
  console.log(`axe ${screen}: ${result.violations.length} violations (${bad.length} serious or critical), ${result.passes.length} rules passed`);
  expect(bad.length, `${screen}:\n${report}`).toBe(0);
}

// Screenshots land in test-results/screens/ so that a test run leaves the
// repository as it was; `make screenshots` sets SCREENSHOTS_DIR to
// docs/screens/ to retake the README's.
const shots = process.env.SCREENSHOTS_DIR
  ? process.env.SCREENSHOTS_DIR.replace(/\/?$/, '/')
  : new URL('../test-results/screens/', import.meta.url).pathname;

/** screenshot saves the page as docs/screens/<name>.png for the README. */
export async function screenshot(page: Page, name: string) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}${name}.png`, fullPage: false });
}

/** unique returns a name no earlier run used, for slugs and emails. */
export function unique(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/** decodeQuotedPrintable undoes an email body's quoted-printable encoding. */
function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * sentMailLink waits for an email to `to` (sent by the system's mailer
 * through the emulator, read back from its /_aws/ses) holding a link that
 * matches `link`, and returns the link's first group. The endpoint is the
 * run's own (playwright.config.ts sets AWS_ENDPOINT_URL).
 */
export async function sentMailLink(request: APIRequestContext, to: string, link: RegExp): Promise<string> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is unset: the tests read the emails back from the emulator');
  let found = '';
  await expect
    .poll(
      async () => {
        const res = await request.get(`${endpoint.replace(/\/+$/, '')}/_aws/ses`);
        if (!res.ok()) return '';
        const { messages } = (await res.json()) as { messages: { RawData?: string }[] };
        for (const m of messages) {
          const raw = decodeQuotedPrintable(m.RawData ?? '');
          if (!raw.toLowerCase().includes(`to: <${to.toLowerCase()}>`)) continue;
          const hit = link.exec(raw);
          if (hit) found = hit[1];
        }
        return found;
      },
      { message: `an email to ${to} with a link like ${link}`, timeout: 120_000, intervals: [500, 1000, 2000] },
    )
    .not.toBe('');
  return found;
}
