import { expect, test, type Locator, type Page } from '@playwright/test';
import { checkA11y, screenshot, sentMailLink, signIn, unique } from './helpers';

// One story, in order: an operator creates an organisation; its admin signs
// in, makes a contract and a program, invites a learner and imports a CSV,
// and finds them in the members view; sets the org's brand and the
// program's banner, and fills the program's catalogue (dragging, copying
// and moving items); the learner follows the emailed link, accepts, sees
// the banner and enrolls; the admin sees the funnel move and the learner's
// page; a program admin sees only their program (and no personal-data
// requests), and another org's admin nothing. Every screen on the way
// passes axe.
test.describe.configure({ mode: 'serial' });

const tag = unique('e2e');
const admin = `${tag}@acme-e2e.example.com`;
const learner = `ada.${tag}@learners.example.com`;
let orgPath = '';
let programPath = '';

async function nav(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
}

// A 1×1 PNG: a banner the browser can draw.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** drag drags from's centre onto the lower half of to with the mouse, in small steps, as a person does. */
async function drag(page: Page, from: Locator, to: Locator) {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2 + 8, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height * 0.7, { steps: 20 });
  await page.mouse.up();
}

/** rowNames lists the course names of a collection's table, in order. */
async function rowNames(col: Locator) {
  return (await col.getByTestId('collection-items').locator('tbody tr td:nth-child(3)').allInnerTexts()).map((t) => t.split('\n')[0].trim());
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
  // Every members-view request the console makes, to hold it to server paging.
  const memberCalls: URL[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (/\/programs\/[^/]+\/members$/.test(u.pathname)) memberCalls.push(u);
  });
  await signIn(page, admin, orgPath);
  // The first load's timing is printed for the README's budget (1 s), not
  // asserted: a test must not fail because the machine is busy.
  const load = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { dom: Math.round(n.domContentLoadedEventEnd - n.startTime), load: Math.round(n.loadEventEnd - n.startTime) };
  });
  console.log(`first load of the console: DOMContentLoaded ${load.dom} ms, load ${load.load} ms (budget 1000 ms)`);
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
  // Server paging: the table asks for one page at a time, never the program.
  expect(memberCalls.length).toBeGreaterThan(0);
  for (const u of memberCalls) {
    const limit = Number(u.searchParams.get('limit'));
    expect(limit, u.search).toBeGreaterThan(0);
    expect(limit, u.search).toBeLessThanOrEqual(100);
  }

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

test('the admin brands the organisation and fills the program catalogue', async ({ page }) => {
  await signIn(page, admin, orgPath);
  await nav(page, 'Settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Organisation settings' })).toBeVisible();
  // A refused form keeps what was typed and names the field.
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(`Acme ${tag} Learning`);
  await page.getByRole('textbox', { name: 'Brand colour', exact: true }).fill('blue');
  await page.getByRole('textbox', { name: 'Default invitation message', exact: true }).fill('Welcome to the Acme academy.');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('textbox', { name: 'Brand colour', exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue(`Acme ${tag} Learning`);
  await expect(page.getByRole('textbox', { name: 'Default invitation message', exact: true })).toHaveValue('Welcome to the Acme academy.');
  await checkA11y(page, 'org settings (refused)');
  await page.getByRole('textbox', { name: 'Brand colour', exact: true }).fill('#0b7285');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Brand colour', exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  await checkA11y(page, 'org settings');
  await screenshot(page, 'org-settings');

  await nav(page, 'Programs');
  await page.getByRole('link', { name: 'Data Skills', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings: Data Skills' })).toBeVisible();
  programPath = new URL(page.url()).pathname;
  // The banner: uploaded, shown, and (below) on the learner's page.
  const banner = page.getByRole('region', { name: 'Banner' });
  await expect(banner).toContainText('No banner');
  await banner.locator('input[type="file"]').setInputFiles({ name: 'banner.png', mimeType: 'image/png', buffer: png });
  await banner.getByRole('button', { name: 'Upload banner' }).click();
  await expect(banner.getByRole('status')).toContainText('Banner saved.');
  await expect(banner.getByRole('img', { name: 'Current banner of Data Skills' })).toBeVisible();
  await expect(banner.getByRole('button', { name: 'Remove banner' })).toBeVisible();
  await checkA11y(page, 'program settings (banner)');
  await page.getByRole('tab', { name: 'Catalogue' }).click();
  await expect(page.getByText('No collections yet')).toBeVisible();
  await checkA11y(page, 'catalogue (empty)');
  await page.getByRole('textbox', { name: 'Collection name', exact: true }).fill('Core skills');
  await page.getByRole('button', { name: 'Create collection' }).click();
  const col = page.getByRole('region', { name: 'Core skills' });
  await expect(col).toContainText('No courses in this collection yet');
  await col.getByRole('button', { name: /Add from the library/ }).click();
  const search = col.getByRole('textbox', { name: 'Search the library', exact: true });
  for (const [q, name] of [
    ['python', 'Python for Data Analysis'],
    ['sql', 'SQL for Analysts'],
    ['northgate', 'Introduction to Machine Learning'], // by university
  ]) {
    await search.fill(q);
    await col.getByRole('button', { name: `Add ${name}`, exact: true }).click();
    await expect(col.getByTestId('collection-items')).toContainText(name);
  }
  await checkA11y(page, 'catalogue (library search)');
  await col.getByRole('button', { name: 'Done' }).click();
  // Keyboard reorder: SQL moves to the top.
  await col.getByRole('button', { name: 'Move SQL for Analysts up' }).focus();
  await page.keyboard.press('Enter');
  await expect(col.getByRole('status')).toContainText('SQL for Analysts moved to position 1 of 3');
  await expect(col.getByRole('row').nth(1)).toContainText('SQL for Analysts');
  await expect(col.getByRole('row').nth(2)).toContainText('Python for Data Analysis');
  // Drag and drop: Python, by its handle, onto Machine Learning's place;
  // the order holds after a reload.
  await drag(page, col.getByRole('button', { name: 'Drag Python for Data Analysis' }), col.getByRole('row').filter({ hasText: 'Introduction to Machine Learning' }));
  await expect(page.getByTestId('catalogue-status')).toContainText('Python for Data Analysis (in Core skills) moved to position 3 of 3 in Core skills');
  await expect.poll(() => rowNames(col)).toEqual(['SQL for Analysts', 'Introduction to Machine Learning', 'Python for Data Analysis']);
  await signIn(page, admin, `${programPath}/catalogue`);
  await expect.poll(() => rowNames(col)).toEqual(['SQL for Analysts', 'Introduction to Machine Learning', 'Python for Data Analysis']);
  // Copy and move between collections, from an item's menu.
  await page.getByRole('textbox', { name: 'Collection name', exact: true }).fill('Electives');
  await page.getByRole('button', { name: 'Create collection' }).click();
  const electives = page.getByRole('region', { name: 'Electives' });
  await expect(electives).toContainText('No courses in this collection yet');
  await col.getByRole('button', { name: 'Move or copy Introduction to Machine Learning to another collection' }).click();
  await checkA11y(page, 'catalogue (move or copy menu)');
  await page.getByRole('menuitem', { name: 'Copy to Electives' }).click();
  await expect(col.getByRole('status')).toContainText('Introduction to Machine Learning copied to Electives.');
  await expect.poll(() => rowNames(electives)).toEqual(['Introduction to Machine Learning']);
  await col.getByRole('button', { name: 'Move or copy Python for Data Analysis to another collection' }).click();
  await page.getByRole('menuitem', { name: 'Move to Electives' }).click();
  await expect(col.getByRole('status')).toContainText('Python for Data Analysis moved to Electives.');
  await expect.poll(() => rowNames(electives)).toEqual(['Introduction to Machine Learning', 'Python for Data Analysis']);
  await expect.poll(() => rowNames(col)).toEqual(['SQL for Analysts', 'Introduction to Machine Learning']);
  await checkA11y(page, 'catalogue');
  await screenshot(page, 'catalogue');
});

test('the invited learner accepts from the emailed link and enrolls', async ({ page, request }) => {
  const token = await sentMailLink(request, learner, /\/invitations\/([A-Za-z0-9_-]{43})/);
  await signIn(page, learner, `/invitations/${token}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Data Skills' })).toBeVisible();
  await expect(page.getByText(`Acme ${tag} Learning invites you to`)).toBeVisible();
  await checkA11y(page, 'learner invitation');
  await screenshot(page, 'learner-invitation');
  await page.getByRole('button', { name: 'Accept and join Data Skills' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'You are a member of Data Skills' })).toBeVisible();
  await expect(page.getByTestId('program-banner')).toBeVisible();
  const sql = page.getByTestId('learner-item-sql-for-analysts');
  await sql.getByRole('button', { name: 'Enroll in SQL for Analysts' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Enrolled in SQL for Analysts.' })).toBeVisible();
  await expect(sql.getByRole('button', { name: 'Unenroll from SQL for Analysts' })).toBeVisible();
  await checkA11y(page, 'learner program');
  await screenshot(page, 'learner-program');
});

test('the admin sees the funnel move, the learner, the users and the lists', async ({ page, request }) => {
  page.on('dialog', (d) => void d.accept());
  await signIn(page, admin, orgPath);
  await expect(page.getByTestId('funnel-joined')).toContainText('1');
  await expect(page.getByTestId('funnel-enrolled')).toContainText('1');
  await expect(page.getByTestId('trend-totals')).toContainText('1 enrollments');
  await expect(page.getByTestId('trend-chart')).toBeVisible();
  // The segmented control's radios are visually hidden: click the label, as a user does.
  await page.locator('label').filter({ hasText: /^Days$/ }).click();
  await expect(page.getByRole('radio', { name: 'Days' })).toBeChecked();
  await expect(page.getByTestId('trend-totals')).toContainText('1 joins');
  await checkA11y(page, 'home');
  await screenshot(page, 'home');

  await nav(page, 'Programs');
  await page.getByRole('link', { name: 'Data Skills', exact: true }).click();
  await page.getByRole('tab', { name: 'Catalogue' }).click();
  await expect(page.getByTestId('item-sql-for-analysts').getByTestId('enrolled')).toHaveText('1');
  await page.getByRole('tab', { name: 'Members' }).click();
  await page.getByTestId('members-table').getByRole('link', { name: 'Ada Lovelace' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Ada Lovelace' })).toBeVisible();
  await expect(page.getByTestId('member-enrollments')).toContainText('SQL for Analysts');
  await checkA11y(page, 'member detail');
  await screenshot(page, 'member-detail');

  // Their personal data: the export runs in the background and ends with a link to a zip.
  const personal = page.getByRole('region', { name: 'Personal data' });
  await personal.getByRole('button', { name: 'Export personal data' }).click();
  await expect(personal.getByTestId('export-status')).toHaveText('Ready.', { timeout: 180_000 });
  const zip = await page.request.get((await personal.getByTestId('export-download').getAttribute('href'))!);
  expect(zip.ok()).toBe(true);
  expect((await zip.body()).subarray(0, 2).toString()).toBe('PK');
  await checkA11y(page, 'member detail (personal data export)');

  await nav(page, 'Users');
  await page.getByRole('textbox', { name: 'Search', exact: true }).fill('ada.');
  await expect(page.getByTestId('users-table').getByRole('row')).toHaveCount(2);
  await expect(page.getByTestId('users-table')).toContainText('Data Skills (member)');
  await checkA11y(page, 'users');
  await screenshot(page, 'users');

  // A draft appears in the list and can be discarded.
  await nav(page, 'Messages');
  await page.getByRole('button', { name: 'Next: compose' }).click();
  await expect(page.getByRole('textbox', { name: 'Subject' })).toBeVisible();
  const list = page.getByRole('region', { name: 'Your organisation’s messages' });
  await expect(list.getByTestId('message-list')).toContainText('Draft');
  await checkA11y(page, 'messages');
  await screenshot(page, 'messages');
  await list.getByRole('button', { name: /^Discard/ }).first().click();
  await expect(list.getByText('No messages yet')).toBeVisible();
  // A message to the joined learners reaches Ada's mailbox (a fresh wizard:
  // the discarded draft stays in the one on screen).
  await nav(page, 'Reports');
  await nav(page, 'Messages');
  await page.getByRole('button', { name: 'Next: compose' }).click();
  await page.getByRole('textbox', { name: 'Subject' }).fill('News from the academy');
  await page.getByRole('textbox', { name: 'Message' }).fill(`Hello {{learnerName}}, the code word is word-${tag}.`);
  await page.getByRole('button', { name: 'Next: preview' }).click();
  await expect(page.getByTestId('audience-count')).toContainText('Audience: 1 learners');
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await page.getByRole('button', { name: 'Send message' }).click();
  expect(await sentMailLink(request, learner, new RegExp(`code word is (word-${tag})`))).toBe(`word-${tag}`);

  await nav(page, 'Reports');
  await expect(page.getByText('No reports yet')).toBeVisible();
  await page.getByRole('button', { name: 'Request report' }).click();
  const reports = page.getByTestId('report-list');
  await expect(reports.getByRole('link', { name: /^Download/ })).toBeVisible({ timeout: 180_000 });
  const report = await page.request.get((await reports.getByRole('link', { name: /^Download/ }).first().getAttribute('href'))!);
  expect(report.ok()).toBe(true);
  expect((await report.body()).subarray(0, 2).toString()).toBe('PK');
  await checkA11y(page, 'reports');
  await screenshot(page, 'reports');
});

test('a program admin sees only their program', async ({ page }) => {
  const programAdmin = `pa-${tag}@acme-e2e.example.com`;
  await signIn(page, admin, orgPath);
  await nav(page, 'Programs');
  await page.getByRole('button', { name: 'Create program' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a program' });
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Leadership');
  await dialog.getByRole('textbox', { name: 'URL slug', exact: true }).fill(`lead-${tag}`);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings: Leadership' })).toBeVisible();
  await nav(page, 'Admins');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(programAdmin);
  await page.getByRole('combobox', { name: 'Role', exact: true }).click();
  await page.getByRole('option', { name: /Program admin/ }).click();
  // The picker's input lies under its pills box, which takes the click (as a user's).
  await page.getByRole('combobox', { name: 'Programs' }).click({ force: true });
  await page.getByRole('option', { name: 'Data Skills' }).click();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Add admin' }).click();
  await expect(page.getByRole('cell', { name: programAdmin, exact: true })).toBeVisible();

  await signIn(page, programAdmin, orgPath);
  await expect(page.getByRole('link', { name: 'Data Skills', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Leadership', exact: true })).toHaveCount(0);
  // The org's trend is refused to them: the home shows their program's.
  await expect(page.getByRole('combobox', { name: 'Trend of' })).toHaveValue('Data Skills');
  await checkA11y(page, 'home (program admin)');
  await nav(page, 'Users');
  await expect(page.getByTestId('users-table')).toContainText(learner);
  await expect(page.getByTestId('users-table')).not.toContainText('Leadership');
  await nav(page, 'Programs');
  await expect(page.getByRole('link', { name: 'Data Skills', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Leadership', exact: true })).toHaveCount(0);
  // A learner's page: personal-data requests are for org admins, so not offered.
  await page.getByRole('link', { name: 'Data Skills', exact: true }).click();
  await page.getByRole('tab', { name: 'Members' }).click();
  await page.getByTestId('members-table').getByRole('link', { name: 'Ada Lovelace' }).click();
  await expect(page.getByTestId('member-enrollments')).toContainText('SQL for Analysts');
  await expect(page.getByRole('region', { name: 'Personal data' })).toHaveCount(0);
  await checkA11y(page, 'member detail (program admin)');
});

test('the admin reads the audit log of what they did and erases a learner', async ({ page }) => {
  await signIn(page, admin, orgPath);
  await nav(page, 'Audit log');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  const records = page.getByTestId('audit-records');
  for (const action of ['contract.create', 'program.create', 'invitation.create', 'invitation_import.start', 'admin.add', 'report.request']) {
    await expect(records.getByRole('row').filter({ hasText: admin }).filter({ hasText: action }).first()).toBeVisible();
  }
  await checkA11y(page, 'audit');
  await screenshot(page, 'audit');

  await page.getByRole('textbox', { name: 'Action', exact: true }).fill('contract.create');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/action=contract\.create/);
  await expect(records.getByRole('row')).toHaveCount(2); // the header and the contract
  await expect(records).toContainText('Licences 2026');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download CSV/ }).click()]);
  expect(download.suggestedFilename()).toBe('audit.csv');
  const csv = await (await download.createReadStream()).toArray();
  expect(Buffer.concat(csv).toString()).toContain('contract.create');
  await checkA11y(page, 'audit (filtered)');

  // Erasure: a typed confirmation, then the job runs to its end.
  const grace = `grace.${tag}@learners.example.com`;
  await signIn(page, admin, `${programPath}/members/${encodeURIComponent(grace)}`);
  const personal = page.getByRole('region', { name: 'Personal data' });
  const erase = personal.getByRole('button', { name: `Erase ${grace}` });
  await expect(erase).toBeDisabled();
  await personal.getByRole('textbox', { name: 'Type their email address to confirm' }).fill(grace.toUpperCase());
  await erase.click();
  await expect(personal.getByTestId('erasure-status')).toHaveText('Done.', { timeout: 180_000 });
  await expect(personal).toContainText('@erased.invalid');
  await checkA11y(page, 'member detail (erased)');
});

test('an admin of another organisation sees nothing of this one', async ({ page }) => {
  const other = `other-${tag}@globex-e2e.example.com`;
  await signIn(page, `op2-${tag}@platform.example.com`, '/', true);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(`Globex ${tag}`);
  await page.getByRole('textbox', { name: 'First org admins', exact: true }).fill(other);
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page).toHaveURL(/\/orgs\/org_[0-9a-z]+$/);

  for (const path of [orgPath, `${orgPath}/users`, `${orgPath}/messages`, `${programPath}/catalogue`, `${programPath}/members/${encodeURIComponent(learner)}`]) {
    await signIn(page, other, path);
    await expect(page.getByRole('alert').first()).toBeVisible();
    await expect(page.getByText(/Loading/)).toHaveCount(0);
    for (const secret of ['Ada Lovelace', 'Data Skills', `Acme ${tag}`, `grace.${tag}`]) await expect(page.getByText(secret)).toHaveCount(0);
  }
  await checkA11y(page, 'another org (refused)');
});
