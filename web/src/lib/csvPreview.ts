// The bulk invitation file, previewed in the browser before anything is
// sent: the header checked as the import checks it (names in any order and
// case, stray spaces, all three once each), and each row's evident faults
// flagged. The server's dry run has the last word (duplicates of existing
// invitations, members, contracts); this only spares a round trip for a
// file that cannot work.
import Papa from 'papaparse';

export const requiredColumns = ['Full Name', 'Email', 'External ID'] as const;
const maxName = 200;
// One address, no blanks, something on each side of one @ and a dot in the domain.
const emailShape = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface PreviewRow {
  /** row is the 1-based number of the data row (the header not counted). */
  row: number;
  fullName: string;
  email: string;
  externalId: string;
  problem?: string;
}

export interface CsvPreview {
  /** fatal says why the whole file cannot be imported, when it cannot. */
  fatal?: string;
  rows: PreviewRow[];
  /** total counts the data rows (blank lines not counted). */
  total: number;
  /** withProblems counts the rows flagged. */
  withProblems: number;
}

const norm = (h: string) => h.trim().toLowerCase().replace(/\s+/g, ' ');

/** previewCsv parses text and returns up to maxRows rows with their evident faults. */
export function previewCsv(text: string, maxRows = 50): CsvPreview {
  if (text.includes('\r') && !text.includes('\r\n')) {
    return { fatal: 'The file uses bare CR line endings; save it with LF or CRLF line endings.', rows: [], total: 0, withProblems: 0 };
  }
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const quoting = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoting) {
    return { fatal: `Malformed quoting near row ${(quoting.row ?? 0) + 1}: ${quoting.message}.`, rows: [], total: 0, withProblems: 0 };
  }
  const [header, ...data] = parsed.data;
  if (!header) return { fatal: 'The file is empty.', rows: [], total: 0, withProblems: 0 };
  const idx: Record<string, number> = {};
  const dupes: string[] = [];
  header.forEach((h, i) => {
    const want = requiredColumns.find((c) => norm(c) === norm(h));
    if (!want) return;
    if (want in idx) dupes.push(want);
    idx[want] = i;
  });
  const missing = requiredColumns.filter((c) => !(c in idx));
  if (missing.length || dupes.length) {
    const parts = [];
    if (missing.length) parts.push(`missing ${missing.map((m) => `“${m}”`).join(', ')}`);
    if (dupes.length) parts.push(`${dupes.map((m) => `“${m}”`).join(', ')} more than once`);
    return { fatal: `The header must name Full Name, Email and External ID once each: ${parts.join('; ')}.`, rows: [], total: data.length, withProblems: 0 };
  }
  const seen = new Map<string, number>();
  let withProblems = 0;
  const rows: PreviewRow[] = [];
  data.forEach((cells, i) => {
    const row: PreviewRow = {
      row: i + 1,
      fullName: (cells[idx['Full Name']] ?? '').trim(),
      email: (cells[idx['Email']] ?? '').trim(),
      externalId: (cells[idx['External ID']] ?? '').trim(),
    };
    const key = row.email.toLowerCase();
    if (!row.fullName) row.problem = 'Full name is empty';
    else if (row.fullName.length > maxName) row.problem = `Full name is longer than ${maxName} characters`;
    else if (!emailShape.test(row.email)) row.problem = 'Not a valid email address';
    else if (row.externalId.length > maxName) row.problem = `External ID is longer than ${maxName} characters`;
    else if (seen.has(key)) row.problem = `Duplicate of row ${seen.get(key)}`;
    if (!seen.has(key)) seen.set(key, row.row);
    if (row.problem) withProblems++;
    if (rows.length < maxRows) rows.push(row);
  });
  return { rows, total: data.length, withProblems };
}
