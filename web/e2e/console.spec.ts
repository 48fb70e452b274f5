import { expect, test, type Page } from '@playwright/test';
import { checkA11y, screenshot, signIn, unique } from './helpers';

// One story, in order: an operator creates an organisation; its admin signs
// in, makes a contract and a program, invites a learner and imports a CSV,
// and finds them in the members view; every screen on the way passes axe.
test.describe.configure({ mode: 'serial' });

const tag = unique('e2e');
const admin = `${tag}@acme-e2e.example.com`;
const learner = `ada.${tag}@learners.example.com`;
let orgPath = '';

async function nav(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
}

test('an operator creates an organisation for its admin', async ({ page }) => {
  await signIn(page, `op-${tag}@platform.example.com`, '/', true);
  await checkA11y(page, 'organisations');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(`Acme ${tag}`);
  await page.getByRole('textbox', { name: 'First org admins', exact: true }).fill(admin);
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page).toHaveURL(/\/orgs\/org_[0-9a-z]+$/);
  orgPath = new URL(page.url()).pathname;
  // The operator is no admin of it: the home screen says so.
  await expect(page.getByRole('alert')).toContainText(/not an admin|forbidden/i);
});

test('the admin signs in, creates a contract and a program, invites a learner and sees them in members', async ({ page }) => {
  await signIn(page, admin, orgPath);
  await expect(page.getByRole('heading', { level: 1, name: `Acme ${tag}` })).toBeVisible();
  await expect(page.getByText('No programs yet')).toBeVisible();

  await nav(page, 'Contracts');
  await expect(page.getByText('No contracts yet')).toBeVisible();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Licences 2026');
  await page.getByRole('textbox', { name: 'Licences', exact: true }).fill('50');
  await page.getByRole('button', { name: 'Create contract' }).click();
  await expect(page.getByRole('cell', { name: 'Licences 2026' })).toBeVisible();
  await checkA11y(page, 'contracts');
  await screenshot(page, 'contracts');

  await nav(page, 'Programs');
  await page.getByRole('button', { name: 'Create program' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a program' });
  // A refused form keeps what was typed and names the field.
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Data Skills');
  await dialog.getByRole('textbox', { name: 'URL slug', exact: true }).fill('Not A Slug');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog.getByRole('textbox', { name: 'URL slug', exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue('Data Skills');
  await checkA11y(page, 'create program (refused)');
  await dialog.getByRole('textbox', { name: 'URL slug', exact: true }).fill(`data-${tag}`);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings: Data Skills' })).toBeVisible();
  await checkA11y(page, 'program settings');
  await screenshot(page, 'program-settings');

  await page.getByRole('tab', { name: 'Invite' }).click();
  await page.getByRole('textbox', { name: 'Full name', exact: true }).fill('Ada Lovelace');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(learner);
  await page.getByRole('combobox', { name: 'Contract', exact: true }).first().click();
  await page.getByRole('option', { name: /Licences 2026/ }).click();
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Invited ${learner}` })).toBeVisible();
  await expect(page.getByRole('cell', { name: learner, exact: true })).toBeVisible();

  // Bulk: preview in the browser, dry run, then the import itself.
  const csv = `Full Name,Email,External ID\nGrace Hopper,grace.${tag}@learners.example.com,E1\nAlan Turing,alan.${tag}@learners.example.com,E2\nNo Email,not-an-email,E3\n`;
  await page.locator('input[type=file]').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const preview = page.getByTestId('csv-preview');
  await expect(preview).toContainText('Grace Hopper');
  await expect(preview).toContainText('Not a valid email address');
  await page.getByRole('combobox', { name: 'Contract', exact: true }).nth(1).click();
  await page.getByRole('option', { name: /Licences 2026/ }).click();
  await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
  const status = page.getByTestId('import-status');
  await expect(status).toContainText('Dry run: done');
  await expect(status.getByTestId('outcome-invited')).toHaveText('2');
  await expect(status.getByTestId('outcome-invalid_email')).toHaveText('1');
  await checkA11y(page, 'invite');
  await screenshot(page, 'invite-bulk');
  await page.getByRole('button', { name: /^Import 3 rows/ }).click();
  await expect(status).toContainText('Import: done');
  await expect(status.getByRole('link', { name: /result file/ })).toBeVisible();

  await page.getByRole('tab', { name: 'Members' }).click();
  await page.getByRole('combobox', { name: 'Status', exact: true }).click();
  await page.getByRole('option', { name: 'Invited, not joined' }).click();
  const table = page.getByTestId('members-table');
  await expect(table.getByRole('cell', { name: learner, exact: true })).toBeVisible();
  await expect(table.getByRole('cell', { name: `grace.${tag}@learners.example.com`, exact: true })).toBeVisible();
  await page.getByRole('textbox', { name: 'Search', exact: true }).fill('ada');
  await expect(page.getByRole('group', { name: 'Active filters' })).toContainText('ada');
  await expect(table.getByRole('row')).toHaveCount(2); // the header and Ada
  await checkA11y(page, 'members');
  await screenshot(page, 'members');

  await nav(page, 'Home');
  await expect(page.getByTestId('funnel-invited')).toContainText('3');
  await checkA11y(page, 'home');
  await screenshot(page, 'home');

  await nav(page, 'Programs');
  await checkA11y(page, 'programs');
  await screenshot(page, 'programs');
  await page.getByRole('link', { name: 'Data Skills', exact: true }).click();
  await page.getByRole('tab', { name: 'Whitelist' }).click();
  await expect(page.getByText('No whitelisted domains')).toBeVisible();
  await checkA11y(page, 'whitelist');

  for (const [section, heading] of [
    ['Messages', 'Messages'],
    ['Reports', 'Reports'],
    ['Admins', 'Admins'],
  ] as const) {
    await nav(page, section);
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expect(page.getByText(/Loading/)).toHaveCount(0);
    await checkA11y(page, section.toLowerCase());
    await screenshot(page, section.toLowerCase());
  }
});
