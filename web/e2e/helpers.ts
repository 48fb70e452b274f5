import { expect, type Page } from '@playwright/test';
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

const shots = new URL('../../docs/screens/', import.meta.url).pathname;

/** screenshot saves the page as docs/screens/<name>.png for the README. */
export async function screenshot(page: Page, name: string) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}${name}.png`, fullPage: false });
}

/** unique returns a name no earlier run used, for slugs and emails. */
export function unique(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}
