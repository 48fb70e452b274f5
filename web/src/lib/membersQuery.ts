// The members view's filters: kept in the page's URL (so a view can be
// shared and survives a reload) and turned into the API's query.
import type { operations } from '../api/schema';

type Query = NonNullable<operations['listMembers']['parameters']['query']>;
export type Status = NonNullable<Query['status']>;
export type Sort = NonNullable<Query['sort']>;
export type Order = NonNullable<Query['order']>;

export const statuses: { value: Status; label: string }[] = [
  { value: 'joined', label: 'Joined' },
  { value: 'invited_not_joined', label: 'Invited, not joined' },
  { value: 'no_enrollments', label: 'No enrollments' },
  { value: 'no_completions', label: 'No completions' },
  { value: 'inactive_30_days', label: 'Inactive 30 days' },
  { value: 'inactive_90_days', label: 'Inactive 90 days' },
  { value: 'completed_30_days', label: 'Completed in 30 days' },
  { value: 'removed', label: 'Removed' },
];
export const sorts: { value: Sort; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'email', label: 'Email' },
  { value: 'joined', label: 'Join date' },
  { value: 'invited', label: 'Invitation date' },
  { value: 'activity', label: 'Last activity' },
  { value: 'enrollments', label: 'Enrollments' },
  { value: 'completions', label: 'Completions' },
];
export const pageSizes = [10, 20, 50, 100] as const;

export interface MemberFilters {
  status: Status;
  sort: Sort;
  order: Order;
  search: string;
  contractId: string;
  courseId: string;
  undeliverable: boolean;
  limit: number;
}

export const defaultFilters: MemberFilters = {
  status: 'joined',
  sort: 'name',
  order: 'asc',
  search: '',
  contractId: '',
  courseId: '',
  undeliverable: false,
  limit: 20,
};

const oneOf = <T extends string>(v: string | null, allowed: readonly { value: T }[], fallback: T): T =>
  allowed.some((a) => a.value === v) ? (v as T) : fallback;

/** filtersFromSearch reads the filters from a URL's query, ignoring anything unknown. */
export function filtersFromSearch(p: URLSearchParams): MemberFilters {
  const limit = Number(p.get('limit'));
  return {
    status: oneOf(p.get('status'), statuses, defaultFilters.status),
    sort: oneOf(p.get('sort'), sorts, defaultFilters.sort),
    order: p.get('order') === 'desc' ? 'desc' : 'asc',
    search: p.get('search') ?? '',
    contractId: p.get('contractId') ?? '',
    courseId: p.get('courseId') ?? '',
    undeliverable: p.get('undeliverable') === 'true',
    limit: (pageSizes as readonly number[]).includes(limit) ? limit : defaultFilters.limit,
  };
}

/** filtersToSearch writes the filters into a URL query, leaving defaults out. */
export function filtersToSearch(f: MemberFilters): URLSearchParams {
  const p = new URLSearchParams();
  (Object.keys(defaultFilters) as (keyof MemberFilters)[]).forEach((k) => {
    if (f[k] !== defaultFilters[k]) p.set(k, String(f[k]));
  });
  return p;
}

/**
 * filtersToQuery is the listMembers query for the filters and a page's
 * cursor: empty and default filters left out, the search trimmed, and
 * `undeliverable` sent only where it means something (pending invitations).
 */
export function filtersToQuery(f: MemberFilters, cursor?: string): Query {
  const q: Query = { status: f.status, sort: f.sort, order: f.order, limit: f.limit };
  const search = f.search.trim();
  if (search) q.search = search;
  if (f.contractId) q.contractId = f.contractId;
  if (f.courseId.trim()) q.courseId = f.courseId.trim();
  if (f.undeliverable && f.status === 'invited_not_joined') q.undeliverable = true;
  if (cursor) q.cursor = cursor;
  return q;
}

/** exportQuery is the query of the CSV export of the same selection (no paging). */
export function exportQuery(f: MemberFilters): Query {
  const { limit: _l, cursor: _c, ...rest } = filtersToQuery(f);
  return rest;
}

/** Chip is an active filter shown as a removable chip. */
export interface Chip {
  key: keyof MemberFilters;
  label: string;
}

/** chipsOf lists the filters that narrow the view beyond its status. */
export function chipsOf(f: MemberFilters, contractName: (id: string) => string = (id) => id): Chip[] {
  const chips: Chip[] = [];
  if (f.search.trim()) chips.push({ key: 'search', label: `Name or email starts with “${f.search.trim()}”` });
  if (f.contractId) chips.push({ key: 'contractId', label: `Contract: ${contractName(f.contractId)}` });
  if (f.courseId.trim()) chips.push({ key: 'courseId', label: `Enrolled in: ${f.courseId.trim()}` });
  if (f.undeliverable && f.status === 'invited_not_joined') chips.push({ key: 'undeliverable', label: 'Undeliverable only' });
  return chips;
}

/** sortNote explains a sort that leaves learners out of the view, or undefined. */
export function sortNote(f: MemberFilters): string | undefined {
  if (f.sort === 'joined' && f.status === 'invited_not_joined') return 'Invitees have no join date: sorting by join date lists no one here.';
  if (f.sort === 'joined') return 'Sorting by join date lists only learners who joined.';
  if (f.sort === 'invited') return 'Sorting by invitation date leaves out members who joined by their email domain.';
  return undefined;
}
