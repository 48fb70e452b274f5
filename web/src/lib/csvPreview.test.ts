import { describe, expect, it } from 'vitest';
import { previewCsv } from './csvPreview';

describe('previewCsv', () => {
  it('reads the header in any order and case, with stray spaces and a BOM', () => {
    const p = previewCsv('\uFEFF email , EXTERNAL id,full  name\r\nada@example.com,E1,Ada Lovelace\r\n');
    expect(p.fatal).toBeUndefined();
    expect(p.rows).toEqual([{ row: 1, fullName: 'Ada Lovelace', email: 'ada@example.com', externalId: 'E1' }]);
    expect(p.total).toBe(1);
  });

  it('flags each evident fault and counts them', () => {
    const text = [
      'Full Name,Email,External ID',
      'Ada,ada@example.com,',
      ',nobody@example.com,',
      'Bob,not-an-email,',
      'Ada Again,ADA@example.com,',
      `${'x'.repeat(201)},long@example.com,`,
      `Carl,carl@example.com,${'y'.repeat(201)}`,
      '',
      '"Quoted, Name","dee@example.com","E""7"',
    ].join('\n');
    const p = previewCsv(text);
    expect(p.rows.map((r) => r.problem)).toEqual([
      undefined,
      'Full name is empty',
      'Not a valid email address',
      'Duplicate of row 1',
      'Full name is longer than 200 characters',
      'External ID is longer than 200 characters',
      undefined,
    ]);
    expect(p.rows[6]).toMatchObject({ fullName: 'Quoted, Name', externalId: 'E"7' });
    expect(p.total).toBe(7);
    expect(p.withProblems).toBe(5);
  });

  it('refuses a file without the three columns, naming what is missing or repeated', () => {
    expect(previewCsv('Name,Email\nAda,ada@example.com\n').fatal).toMatch(/missing “Full Name”, “External ID”/);
    expect(previewCsv('Full Name,Email,Email,External ID\n').fatal).toMatch(/“Email” more than once/);
    expect(previewCsv('').fatal).toBe('The file is empty.');
  });

  it('refuses bare CR line endings and malformed quoting, as the import does', () => {
    expect(previewCsv('Full Name,Email,External ID\rAda,ada@example.com,\r').fatal).toMatch(/bare CR/);
    expect(previewCsv('Full Name,Email,External ID\n"Ada,ada@example.com,\n').fatal).toMatch(/Malformed quoting/);
  });

  it('shows at most maxRows rows but counts them all', () => {
    const rows = Array.from({ length: 120 }, (_, i) => `P${i},p${i}@example.com,`);
    const p = previewCsv(['Full Name,Email,External ID', ...rows].join('\n'), 50);
    expect(p.rows).toHaveLength(50);
    expect(p.total).toBe(120);
    expect(p.withProblems).toBe(0);
  });
});
