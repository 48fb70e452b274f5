import { describe, expect, it } from 'vitest';
import { chipsOf, defaultFilters, exportQuery, filtersFromSearch, filtersToQuery, filtersToSearch, sortNote, type MemberFilters } from './membersQuery';

const f = (over: Partial<MemberFilters>): MemberFilters => ({ ...defaultFilters, ...over });

describe('filters and the URL', () => {
  it('leaves defaults out of the URL and reads them back', () => {
    expect(filtersToSearch(defaultFilters).toString()).toBe('');
    const custom = f({ status: 'removed', sort: 'activity', order: 'desc', search: 'ad', contractId: 'con_1', limit: 50 });
    const search = filtersToSearch(custom);
    expect(search.toString()).toBe('status=removed&sort=activity&order=desc&search=ad&contractId=con_1&limit=50');
    expect(filtersFromSearch(search)).toEqual(custom);
  });

  it('keeps the sorts by enrollments and by completions', () => {
    for (const sort of ['enrollments', 'completions'] as const) {
      const custom = f({ sort, order: 'desc' });
      expect(filtersFromSearch(filtersToSearch(custom))).toEqual(custom);
      expect(filtersToQuery(custom)).toMatchObject({ sort, order: 'desc' });
    }
  });

  it('falls back to defaults for anything unknown in the URL', () => {
    expect(filtersFromSearch(new URLSearchParams('status=nope&sort=x&order=up&limit=7&undeliverable=yes'))).toEqual(defaultFilters);
  });
});

describe('filtersToQuery', () => {
  it('sends the view with empty filters left out and the search trimmed', () => {
    expect(filtersToQuery(f({ search: '  ada ', courseId: ' ' }))).toEqual({ status: 'joined', sort: 'name', order: 'asc', limit: 20, search: 'ada' });
  });

  it('sends undeliverable only with pending invitations, and the cursor when paging', () => {
    expect(filtersToQuery(f({ undeliverable: true })).undeliverable).toBeUndefined();
    expect(filtersToQuery(f({ status: 'invited_not_joined', undeliverable: true }), 'c2')).toMatchObject({ undeliverable: true, cursor: 'c2' });
  });

  it('exports the same selection without paging', () => {
    const q = exportQuery(f({ contractId: 'con_1', limit: 100 }));
    expect(q).toEqual({ status: 'joined', sort: 'name', order: 'asc', contractId: 'con_1' });
  });
});

describe('chips and notes', () => {
  it('lists the narrowing filters with the contract by name', () => {
    const chips = chipsOf(f({ search: 'ad', contractId: 'con_1', courseId: 'ml', status: 'invited_not_joined', undeliverable: true }), () => 'Acme 2026');
    expect(chips.map((c) => c.key)).toEqual(['search', 'contractId', 'courseId', 'undeliverable']);
    expect(chips[1].label).toBe('Contract: Acme 2026');
    expect(chipsOf(defaultFilters)).toEqual([]);
  });

  it('explains the sorts that leave learners out', () => {
    expect(sortNote(f({ sort: 'joined', status: 'invited_not_joined' }))).toMatch(/lists no one/);
    expect(sortNote(f({ sort: 'invited' }))).toMatch(/email domain/);
    expect(sortNote(defaultFilters)).toBeUndefined();
  });
});
